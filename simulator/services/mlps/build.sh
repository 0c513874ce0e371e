# The MLPS level 3 baseline's tools, as Debian installs them, left as the distribution ships them:
# the start script (start.sh) hardens a host or leaves it at these defaults, per scenario (spec `mlps`).
# libpam-pwquality adds itself to common-password on install; a Debian server does not have it by
# default, so take it out again (start.sh puts it back when hardening).
pam-auth-update --package --remove pwquality
# The test signature ClamAV ships no database for (no network at boot): hardened hosts get a local one.
install -d -o clamav -g clamav /var/lib/clamav
# AIDE over /etc only, so initialising its database at boot takes a second, not minutes.
install -d /etc/aide
cat > /etc/aide/ihcheck-sim.conf <<'CONF'
database_in=file:/var/lib/aide/aide.db
database_out=file:/var/lib/aide/aide.db.new
Checks = p+i+n+u+g+s+m+sha256
/etc Checks
CONF
