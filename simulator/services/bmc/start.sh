# OpenIPMI's ipmi_sim is the BMC: IPMI over LAN (RMCP+, lanplus) on 127.0.0.1:623.
install -d -m 700 /var/lib/ihc-bmc
(ipmi_sim -c /ihc/bmc/lan.conf -f /ihc/bmc/bmc.emu -s /var/lib/ihc-bmc -n >/var/log/ihc-ipmi_sim.log 2>&1 &)
