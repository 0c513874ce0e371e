kamailio -f /etc/kamailio/kamailio.cfg -P /run/ihc-kamailio.pid -m 32 -M 8 >/var/log/ihc-kamailio.log 2>&1
