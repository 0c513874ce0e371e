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
if [ -f /ihc/platform/cert.pem ]; then  # the provincial supervision platform's upload endpoint, over TLS
cat > /etc/nginx/sites-enabled/platform <<'CONF'
server {
    listen 443 ssl;
    listen 8443 ssl;  # the platform's test environment (测试环境), apart from production's 443 (GD2020 二(三)2)
    ssl_certificate /ihc/platform/cert.pem;
    ssl_certificate_key /ihc/platform/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    location = /upload { default_type application/json; return 200 '{"accepted": true}\n'; }
    location / { default_type text/plain; return 200 "simulated supervision platform\n"; }
}
CONF
fi
nginx
for port in $IHC_IPERF_PORTS; do
    iperf3 -s -D -p "$port" --logfile "/var/log/ihc-iperf3-$port.log"
done
