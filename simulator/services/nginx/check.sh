curl -fsS --max-time 2 http://127.0.0.1/api/health | grep -q '"status": "ok"' && ss -Hlntp 'sport = :80' | grep -q nginx
