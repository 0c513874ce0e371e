# The simulated internet: an IP-echo endpoint (what a "what is my IP" service answers) and an
# iperf3 server to measure uplink bandwidth against.
rm -f /etc/nginx/sites-enabled/*
cat > /etc/nginx/sites-enabled/echo <<'CONF'
server {
    listen 80 default_server;
    location = /ip { default_type text/plain; return 200 "$remote_addr\n"; }
    location / { default_type text/plain; return 200 "simulated internet\n"; }
}
CONF
nginx
iperf3 -s -D --logfile /var/log/ihc-iperf3.log
