test "$(curl -fsS --max-time 2 http://127.0.0.1/ip)" = 127.0.0.1 && ss -Hlntp 'sport = :5201' | grep -q iperf3
