curl -fsS --max-time 2 http://127.0.0.1:8088/janus/info | grep -q '"server_info"' && ss -Hlntp 'sport = :8088' | grep -q janus
