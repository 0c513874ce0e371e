upsc ups@localhost ups.status 2>/dev/null | grep -q . && ss -Hlntp 'sport = :3493' | grep -q upsd
