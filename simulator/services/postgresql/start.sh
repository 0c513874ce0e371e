pg_ctlcluster "$(ls /etc/postgresql | sort -n | tail -1)" main start
# The application servers' login (IHC_DB_PASSWORD is generated per boot); pg_ctlcluster waited for start-up.
if [ -n "${IHC_DB_PASSWORD:-}" ]; then
    printf "DROP ROLE IF EXISTS hospital_app;\nCREATE ROLE hospital_app LOGIN PASSWORD '%s';\n" "$IHC_DB_PASSWORD" \
        > /run/ihc-app-role.sql
    su postgres -c "psql -q -X -f /run/ihc-app-role.sql" >/var/log/ihc-app-role.log 2>&1
    rm -f /run/ihc-app-role.sql
fi
