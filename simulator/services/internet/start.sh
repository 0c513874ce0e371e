# The simulated internet: an IP-echo endpoint (what a "what is my IP" service answers) and one
# iperf3 server per uplink (IHC_IPERF_PORTS) to measure uplink bandwidth against, all at once.
rm -f /etc/nginx/sites-enabled/*
cat > /etc/nginx/sites-enabled/echo <<'CONF'
server {
    listen 80 default_server;
    location = /ip { default_type text/plain; return 200 "$remote_addr\n"; }
    location / { default_type text/plain; return 200 "simulated internet\n"; }
}
CONF
nginx
for port in $IHC_IPERF_PORTS; do
    iperf3 -s -D -p "$port" --logfile "/var/log/ihc-iperf3-$port.log"
done
