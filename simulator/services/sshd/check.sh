ss -Hlntp 'sport = :22' | grep -q sshd
