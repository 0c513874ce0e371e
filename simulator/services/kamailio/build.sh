# A SIP server that answers OPTIONS with 200 (what SIP health checks send) and refuses the rest.
cat > /etc/kamailio/kamailio.cfg <<'CFG'
#!KAMAILIO
children=2
listen=udp:0.0.0.0:5060
listen=tcp:0.0.0.0:5060
loadmodule "sl.so"
request_route {
    if (method == "OPTIONS") {
        sl_send_reply("200", "OK");
        exit;
    }
    sl_send_reply("403", "Forbidden");
    exit;
}
CFG
