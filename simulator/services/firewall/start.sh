# The host's own packet filter (GB/T 22239-2019 8.1.3.2, the host's part), per scenario: IHC_FIREWALL=default-deny
# refuses what it does not allow: loopback, replies, ICMP, everything from the management network (here the LAN,
# which the inventory declares as ihcheck_management_networks) and the host's public service ports from anywhere;
# IPv6 the same but for the management network, which is IPv4 only. IHC_FIREWALL=none leaves the kernel's
# accept-all. iptables, not nft: the common image ships iptables (its nf_tables backend, the router's too) and no nft,
# so the checker reads this ruleset with iptables-save and ip6tables-save, as it would on such a server; adding
# nftables to the common image would rebuild every image for the same kernel ruleset.
if [ "${IHC_FIREWALL:-default-deny}" = default-deny ]; then
  for ipt in iptables ip6tables; do
    $ipt -A INPUT -i lo -j ACCEPT
    $ipt -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
    if [ -n "${IHC_PUBLIC_TCP:-}" ]; then $ipt -A INPUT -p tcp -m multiport --dports "$IHC_PUBLIC_TCP" -j ACCEPT; fi
    if [ -n "${IHC_PUBLIC_UDP:-}" ]; then $ipt -A INPUT -p udp -m multiport --dports "$IHC_PUBLIC_UDP" -j ACCEPT; fi
  done
  iptables -A INPUT -p icmp -j ACCEPT
  iptables -A INPUT -s "$IHC_MGMT_NET" -j ACCEPT
  ip6tables -A INPUT -p ipv6-icmp -j ACCEPT
  iptables -P INPUT DROP
  ip6tables -P INPUT DROP
fi
