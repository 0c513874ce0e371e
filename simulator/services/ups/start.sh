cp /ihc/ups.dev /etc/nut/ups.dev
chown root:nut /etc/nut/ups.dev
chmod 640 /etc/nut/ups.dev
install -d -o nut -g nut -m 770 /run/nut
upsdrvctl -u nut start >/var/log/ihc-upsdrv.log 2>&1
upsd -u nut >/var/log/ihc-upsd.log 2>&1
