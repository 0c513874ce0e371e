test "$(cat /proc/sys/net/ipv4/ip_forward)" = 1 \
  && iptables -t nat -S POSTROUTING | grep -q MASQUERADE \
  && tc qdisc show dev "$IHC_WAN_IF" | grep -q tbf && tc qdisc show dev "$IHC_INET_IF" | grep -q tbf
