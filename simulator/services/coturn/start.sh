turnserver -o -n --listening-port 3478 --no-cli --no-tls --no-dtls --realm hospital.sim \
  --pidfile /run/ihc-turnserver.pid --log-file /var/log/ihc-turnserver.log --simple-log
