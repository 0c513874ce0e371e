test "$(su postgres -c "psql -Atc 'select 1'" 2>/dev/null)" = 1 && ss -Hlntp 'sport = :5432' | grep -q postgres
