# Listen where the scenario says (IHC_DB_LISTEN: loopback and the LAN address, or * for every address).
sed -i "s/^#\?listen_addresses\s*=.*/listen_addresses = '${IHC_DB_LISTEN:-*}'/" \
    "/etc/postgresql/$(ls /etc/postgresql | sort -n | tail -1)/main/postgresql.conf"
pg_ctlcluster "$(ls /etc/postgresql | sort -n | tail -1)" main start
# The application servers' login (IHC_DB_PASSWORD is generated per boot); pg_ctlcluster waited for start-up.
if [ -n "${IHC_DB_PASSWORD:-}" ]; then
    printf "DROP ROLE IF EXISTS hospital_app;\nCREATE ROLE hospital_app LOGIN PASSWORD '%s';\n" "$IHC_DB_PASSWORD" \
        > /run/ihc-app-role.sql
    su postgres -c "psql -q -X -f /run/ihc-app-role.sql" >/var/log/ihc-app-role.log 2>&1
    rm -f /run/ihc-app-role.sql
fi
# The Beijing 2026 pilot's first-visit table and the checker's read-only login (simulator/pilot_records.py).
if [ -f /ihc/pilot/visits.sql ]; then
    cp /ihc/pilot/visits.sql /run/ihc-pilot.sql && chmod 644 /run/ihc-pilot.sql
    su postgres -c "psql -q -X -v ON_ERROR_STOP=1 -f /run/ihc-pilot.sql" >/var/log/ihc-pilot.log 2>&1
    rm -f /run/ihc-pilot.sql
    install -m 600 /ihc/pilot/pgpass /root/.pgpass
fi
