(janus -L /var/log/ihc-janus.log >/dev/null 2>&1 &)
