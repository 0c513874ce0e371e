# The hospital's web application: nginx serves the portal and proxies /api/ to a small
# Python application server on loopback, the usual reverse-proxy shape.
install -d /srv/hospital-app/static
cat > /srv/hospital-app/static/index.html <<'HTML'
<!doctype html><meta charset="utf-8"><title>互联网医院 (simulated)</title><h1>Internet hospital portal (simulated)</h1>
HTML
cat > /srv/hospital-app/app.py <<'PY'
"""A tiny application server, shaped like a hospital's: /api/health answers JSON, and a pool of
connections stays open to each database in IHC_DB_TARGETS ("engine:host:port ..."), re-opened when
one drops. Those connections are what links the application server to its database server."""
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

POOL = 2
USER = "hospital_app"
PASSWORD = os.environ.get("IHC_DB_PASSWORD", "")
TARGETS = os.environ.get("IHC_DB_TARGETS", "").split()
state = {target: "connecting" for target in TARGETS}


def connect(engine, host, port):
    if engine == "postgresql":
        import psycopg2
        return psycopg2.connect(host=host, port=port, user=USER, password=PASSWORD, dbname="postgres",
                                connect_timeout=3)
    import pymysql
    return pymysql.connect(host=host, port=port, user=USER, password=PASSWORD, connect_timeout=3)


def keep_pool(target):
    engine, host, port = target.split(":")
    pool = []
    while True:
        alive = []
        for conn in pool:
            try:
                cur = conn.cursor()
                cur.execute("SELECT 1")
                cur.fetchall()
                cur.close()
                alive.append(conn)
            except Exception:
                try:
                    conn.close()
                except Exception:
                    pass
        pool = alive
        try:
            while len(pool) < POOL:
                pool.append(connect(engine, host, int(port)))
            state[target] = "ok"
        except Exception as exc:
            state[target] = f"error: {exc}".strip()[:200]
        time.sleep(2)


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        ok = self.path.rstrip("/") == "/api/health"
        healthy = all(v == "ok" for v in state.values())
        answer = {"status": "ok" if healthy else "degraded", "databases": state}
        body = json.dumps(answer if ok else {"error": "not found"}).encode()
        self.send_response(200 if ok else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


for target in TARGETS:
    threading.Thread(target=keep_pool, args=(target,), daemon=True).start()
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
