# An ISP line: forward LAN-side (wan) traffic to the simulated internet only, masquerade it
# behind this router's internet-side address (the uplink's "public egress IP"), and shape both
# directions to the contracted bandwidth with a token bucket (netem is not in every kernel).
iptables -P FORWARD DROP
iptables -A FORWARD -i "$IHC_WAN_IF" -o "$IHC_INET_IF" -j ACCEPT
iptables -A FORWARD -i "$IHC_INET_IF" -o "$IHC_WAN_IF" -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
iptables -t nat -A POSTROUTING -o "$IHC_INET_IF" -j MASQUERADE
for dev in "$IHC_WAN_IF" "$IHC_INET_IF"; do
  tc qdisc replace dev "$dev" root tbf rate "${IHC_RATE_KBIT}kbit" burst "$IHC_BURST_BYTES" latency 50ms
done
