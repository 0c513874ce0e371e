# Debian's postinst creates cluster "main" once (pg_createcluster); create it if it did not.
# Listen on every address and accept password logins from the LAN, like a real DB server.
ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
[ -d "/etc/postgresql/$ver/main" ] || pg_createcluster "$ver" main
conf=/etc/postgresql/$ver/main
sed -i "s/^#\?listen_addresses\s*=.*/listen_addresses = '*'/" "$conf/postgresql.conf"
echo 'host all all 0.0.0.0/0 scram-sha-256' >> "$conf/pg_hba.conf"
