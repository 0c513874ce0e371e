test "$(mariadb -Nse 'select 1' 2>/dev/null)" = 1 && ss -Hlntp 'sport = :3306' | grep -q mariadbd
