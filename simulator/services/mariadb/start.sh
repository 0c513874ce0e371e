install -d -o mysql -g mysql /run/mysqld
(mariadbd --user=mysql --bind-address="${IHC_DB_LISTEN:-*}" >/var/log/ihc-mariadb.log 2>&1 &)
# The application servers' login (IHC_DB_PASSWORD is generated per boot), once the server answers.
if [ -n "${IHC_DB_PASSWORD:-}" ]; then
    (
        for _ in $(seq 1 150); do mariadb -e 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.2; done
        mariadb -e "CREATE USER IF NOT EXISTS 'hospital_app'@'%' IDENTIFIED BY '$IHC_DB_PASSWORD'" \
            >/var/log/ihc-app-role.log 2>&1
    ) &
fi
