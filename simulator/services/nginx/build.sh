# The hospital's web application: nginx serves the portal and proxies /api/ to a small
# Python application server on loopback, the usual reverse-proxy shape.
install -d /srv/hospital-app/static
cat > /srv/hospital-app/static/index.html <<'HTML'
<!doctype html><meta charset="utf-8"><title>互联网医院 (simulated)</title><h1>Internet hospital portal (simulated)</h1>
HTML
cat > /srv/hospital-app/app.py <<'PY'
"""A tiny application server: /api/health answers JSON, as a hospital app's health check would."""
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        ok = self.path.rstrip("/") == "/api/health"
        body = json.dumps({"status": "ok"} if ok else {"error": "not found"}).encode()
        self.send_response(200 if ok else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", 8000), Handler).serve_forever()
PY
rm -f /etc/nginx/sites-enabled/*
cat > /etc/nginx/sites-enabled/hospital <<'CONF'
server {
    listen 80 default_server;
    root /srv/hospital-app/static;
    location / { try_files $uri /index.html; }
    location /api/ { proxy_pass http://127.0.0.1:8000; }
}
CONF
