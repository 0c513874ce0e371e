pg_ctlcluster "$(ls /etc/postgresql | sort -n | tail -1)" main start
