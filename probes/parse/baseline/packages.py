"""Pending updates (apt's simulated upgrade, dnf/yum check-update from cache) and ClamAV signature age."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from probes.facts.baseline import Pending


def parse_apt_upgradable(output: str) -> list[Pending]:
    """`apt list --upgradable` rows `name/suite[,suite] version arch [upgradable from: old]`.

    >>> [(p.name, p.security) for p in parse_apt_upgradable(
    ...     "Listing...\\nlibssl3/stable-security 3.0.15-1~deb12u1 amd64 [upgradable from: 3.0.11-1~deb12u1]\\n"
    ...     "tzdata/stable-updates,stable 2025b-0+deb12u1 all [upgradable from: 2024a-0+deb12u1]\\n")]
    [('libssl3', True), ('tzdata', False)]
    """
    found: list[Pending] = []
    for line in output.splitlines():
        match = re.match(r"^([^/\s]+)/(\S+) (\S+) \S+ \[upgradable from", line)
        if match:
            found.append(Pending(name=match.group(1), version=match.group(3), security="security" in match.group(2)))
    return found


def parse_dnf_check_update(output: str, security_output: str | None = None) -> list[Pending]:
    """`dnf -q --cacheonly check-update` rows `name.arch version repo`; security from `--security` when given.

    >>> [(p.name, p.security) for p in parse_dnf_check_update(
    ...     "\\nopenssl-libs.x86_64  1:3.0.7-27.el9  baseos\\nvim-minimal.x86_64 2:8.2-21.el9 baseos\\n",
    ...     "openssl-libs.x86_64  1:3.0.7-27.el9  baseos\\n")]
    [('openssl-libs.x86_64', True), ('vim-minimal.x86_64', False)]
    """
    secure = {row.split()[0] for row in (security_output or "").splitlines() if len(row.split()) == 3}
    found: list[Pending] = []
    for row in output.splitlines():
        fields = row.split()
        if len(fields) == 3 and "." in fields[0] and not row.startswith(("Last metadata", "Obsoleting", "Security")):
            found.append(Pending(name=fields[0], version=fields[1], security=fields[0] in secure))
    return found


def parse_cvd_header(header: str) -> datetime | None:
    """The build time a ClamAV database (.cvd/.cld) header records: `ClamAV-VDB:29 Nov 2026 09-27 +0000:…`.

    >>> parse_cvd_header("ClamAV-VDB:29 Nov 2026 09-27 +0000:27470:2076950:90:X:X:raynman:1764408420")
    datetime.datetime(2026, 11, 29, 9, 27, tzinfo=datetime.timezone.utc)
    >>> parse_cvd_header("garbage") is None
    True
    """
    fields = header.split(":")
    if len(fields) < 2 or fields[0] != "ClamAV-VDB":
        return None
    try:
        return datetime.strptime(fields[1], "%d %b %Y %H-%M %z").astimezone(UTC)
    except ValueError:
        return None
