"""Parse a host's timezone and NTP sources: supporting signals of where a host is, never deciding ones."""

from __future__ import annotations

import re

_SERVER = re.compile(r"^\s*(server|pool|peer)\s+(\S+)", re.MULTILINE)
_TIMESYNCD = re.compile(r"^\s*(?:NTP|FallbackNTP)\s*=\s*(.*)$", re.MULTILINE)


def parse_timezone(output: str) -> str | None:
    """The first non-empty line of `timedatectl show -p Timezone --value` / /etc/timezone / the localtime link.

    >>> parse_timezone("Asia/Shanghai\\n")
    'Asia/Shanghai'
    >>> parse_timezone("\\n/usr/share/zoneinfo/Asia/Hong_Kong\\n")
    'Asia/Hong_Kong'
    >>> parse_timezone("") is None
    True
    """
    for line in output.splitlines():
        line = line.strip()
        if line:
            return line.split("zoneinfo/", 1)[-1]
    return None


def parse_ntp_servers(output: str) -> list[str]:
    """NTP servers from chrony/ntpd `server|pool|peer` lines and timesyncd `NTP=`/`FallbackNTP=` lines.

    >>> parse_ntp_servers("pool 2.debian.pool.ntp.org iburst\\n# server time.google.com\\n"
    ...                   "server ntp.aliyun.com iburst\\nNTP=ntp.tencent.com cn.pool.ntp.org\\n")
    ['2.debian.pool.ntp.org', 'ntp.aliyun.com', 'ntp.tencent.com', 'cn.pool.ntp.org']
    """
    found = [m.group(2) for m in _SERVER.finditer(output)]
    for m in _TIMESYNCD.finditer(output):
        found += m.group(1).split()
    return list(dict.fromkeys(found))
