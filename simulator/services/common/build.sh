# sshd: root logs in by key only. A container cannot set the audit login uid, so PAM's
# pam_loginuid must not be fatal. Host keys are per container (written by the simulator,
# which puts them in known_hosts before first contact), so drop the image's shared ones.
sed -i 's/^session\s\+required\s\+pam_loginuid.so/session optional pam_loginuid.so/' /etc/pam.d/sshd
rm -f /etc/ssh/ssh_host_*
cat > /etc/ssh/sshd_config.d/ihcheck-sim.conf <<'CONF'
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
HostKey /etc/ssh/ssh_host_ed25519_key
UseDNS no
CONF
install -d -m 700 /root/.ssh
# NUT in standalone mode: the dummy-ups driver replays /etc/nut/ups.dev (written at start),
# upsd answers on every address like a UPS management host would.
echo MODE=standalone > /etc/nut/nut.conf
printf '[ups]\n\tdriver = dummy-ups\n\tport = ups.dev\n\tdesc = "Simulated UPS"\n' > /etc/nut/ups.conf
printf 'LISTEN 0.0.0.0 3493\n' > /etc/nut/upsd.conf
printf '[monitor]\n\tpassword = monitor\n\tupsmon secondary\n' > /etc/nut/upsd.users
chown root:nut /etc/nut/*
chmod 640 /etc/nut/*
# Every container writes its own machine-id at start (the checker tells servers apart by it).
: > /etc/machine-id
