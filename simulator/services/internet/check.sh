test "$(curl -fsS --max-time 2 http://127.0.0.1/ip)" = 127.0.0.1 || exit 1
for port in $IHC_IPERF_PORTS; do
    ss -Hlntp "sport = :$port" | grep -q iperf3 || exit 1
done
[ ! -f /ihc/platform/cert.pem ] || ss -Hlnt "sport = :443" | grep -q LISTEN || exit 1
[ ! -f /ihc/platform/cert.pem ] || ss -Hlnt "sport = :8443" | grep -q LISTEN || exit 1
