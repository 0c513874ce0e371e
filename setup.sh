#!/usr/bin/env bash
# One-time set-up on a fresh Debian/Ubuntu machine, as root. Idempotent: a second run only checks.
#   ./setup.sh          what `ihcheck check` and `ihcheck demo` need (podman, debootstrap, Python venv)
#   ./setup.sh --dev    plus the real daemons the tests start (sshd, PostgreSQL, nginx, coturn, …) and dev tools
set -euo pipefail
cd "$(dirname "$0")"

dev=0
[ "${1:-}" = "--dev" ] && dev=1

# netavark, aardvark-dns and catatonit are only recommended by podman, and --no-install-recommends skips them.
runtime_pkgs=(podman runc netavark aardvark-dns catatonit debootstrap iproute2 iptables openssh-client curl ca-certificates python3 python3-venv graphviz ipmitool
              fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0
              chromium)  # renders declared script pages and photographs the public pages (GD2020-4.2-public-page)
dev_pkgs=(openssh-server postgresql mariadb-server nginx coturn kamailio janus nut-server nut-client openipmi
          iperf3 dmidecode procps poppler-utils openssl dcmtk)

want=("${runtime_pkgs[@]}")
[ "$dev" = 1 ] && want+=("${dev_pkgs[@]}")
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  # Installing a server package must not start it on this machine: the tests start their own.
  created_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && created_policy=1
  fi
  trap '[ "$created_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python=python3
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "setup: ihcheck needs Python 3.11 or newer; $("$python" --version 2>&1) found" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
extras=""
[ "$dev" = 1 ] && extras="[dev]"
.venv/bin/python -m pip install -q -e ".${extras}" 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/ihcheck --version >/dev/null
echo "setup: ready ($(.venv/bin/ihcheck --version))" >&2
