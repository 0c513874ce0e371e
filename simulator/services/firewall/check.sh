if [ "${IHC_FIREWALL:-default-deny}" = default-deny ]; then
  iptables -S INPUT | grep -qx -- '-P INPUT DROP' && ip6tables -S INPUT | grep -qx -- '-P INPUT DROP'
else
  iptables -S INPUT | grep -qx -- '-P INPUT ACCEPT'
fi
