"""The systems a host depends on, each placed offline (GD2020 一(二)3: 信息系统不得托管在或租赁于境外的服务器).

Sources, each named in the fact it yields:

* declared: the host's `ihcheck_av_endpoints` (a vendor's A/V cloud among them) and `ihcheck_exchange` (the
  platform, the HIS/PACS/LIS, FHIR and HL7 peers), as addresses or names;
* observed, read-only: the nameservers of /etc/resolv.conf, the NTP servers of chrony/ntpd/timesyncd
  configuration, the remote places backup jobs in the crontabs write to (rsync/scp `host:/path`, `ssh://`,
  `sftp:`, `s3:https://` …), and the peers of established outbound TCP connections (`ss`, the socket table).

Names are resolved on the host (`getent ahosts`, the host's own resolver, as its software would), never from the
checker. Every address is placed by probes.geo (the simulator's identity table, else geoip2fast's bundled data;
never a reverse lookup, never an update) and each lookup is kept as an observation.
"""

from __future__ import annotations

import ipaddress
import re
import shlex
from typing import Literal

from probes import geo
from probes.connections import SS_TCP, summarise
from probes.egress import NTP_CONFIG
from probes.facts.declared import safe_token
from probes.facts.dependencies import Dependency, DependencyFacts, Kind
from probes.facts.geo import GeoIdentity
from probes.parse.ss import parse_ss_tcp
from probes.parse.timesync import parse_ntp_servers
from probes.protocols import http as http_probe
from probes.transport import Session

RESOLV = "cat /etc/resolv.conf"
CRONTABS = "cat /etc/crontab /etc/cron.d/* /var/spool/cron/crontabs/* /var/spool/cron/root 2>/dev/null; true"
_BACKUP_JOB = re.compile(r"rsync|borg|restic|scp|rclone|duplicity|pg_basebackup|backup", re.IGNORECASE)
_REMOTE = re.compile(
    r"(?:ssh|sftp|rsync|s3|https?|ftp)://(?:[^@/\s]+@)?(\[[0-9A-Fa-f:]+\]|[^/:\s\]]+)"  # a URL's host
    r"|(?<![\w/.-])(?:[\w.-]+@)?(\d{1,3}(?:\.\d{1,3}){3}|[A-Za-z][\w-]*(?:\.[\w-]+)+)::?/"  # scp/rsync host:/path
)
_NAMESERVER = re.compile(r"^\s*nameserver\s+(\S+)", re.MULTILINE)
MAX_NAMES = 32  # names resolved per host: a configuration listing more is not a hospital's
MAX_ADDRESSES = 4  # addresses kept per name


def parse_nameservers(text: str) -> list[str]:
    r"""The nameserver addresses of a resolv.conf.

    >>> parse_nameservers("# x\nnameserver 10.0.0.2\nsearch lan\nnameserver 2001:db8::53\n")
    ['10.0.0.2', '2001:db8::53']
    """
    return list(dict.fromkeys(_NAMESERVER.findall(text)))


def parse_backup_targets(crontab: str) -> list[tuple[str, str]]:
    r"""(host, the job's line) of every remote place a backup job in the crontabs writes to.

    >>> parse_backup_targets("0 2 * * * root rsync -a /var/backups/ backup@10.8.0.5:/srv/hospital/\n"
    ...     "30 3 * * * root restic -r sftp:bk@store.example.hk:/repo backup\n"
    ...     "15 1 * * * root borg create ssh://borg@203.198.7.66/./repo::pg /data  # 10:30 no\n"
    ...     "*/5 * * * * root curl -s http://127.0.0.1/health\n")  # doctest: +ELLIPSIS
    [('10.8.0.5', '0 2 ...'), ('store.example.hk', '30 3 ...'), ('203.198.7.66', '15 1 ...')]
    """
    found: list[tuple[str, str]] = []
    for line in crontab.splitlines():
        text = line.strip()
        if not text or text.startswith("#") or not _BACKUP_JOB.search(text):
            continue
        for match in _REMOTE.finditer(text.split(" #", 1)[0]):
            host = (match.group(1) or match.group(2)).strip("[]")
            if (host, text) not in found:
                found.append((host, text))
    return found


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value.split("%", 1)[0])
    except ValueError:
        return False
    return True


def plan(session: Session) -> tuple[str, ...]:
    return (RESOLV, NTP_CONFIG, CRONTABS, SS_TCP)


class Placer:
    """Resolves names on the host (once each) and places addresses (once each), keeping what it ran."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.simulated = geo.simulated_table(session)
        self.names: dict[str, tuple[list[str], str | None, str]] = {}
        self.places: dict[str, tuple[GeoIdentity, str]] = {}

    def resolve(self, name: str) -> tuple[list[str], str | None, str | None]:
        """(addresses, error, observation id) of `name`, resolved on the host."""
        if _is_address(name):
            return [name.split("%", 1)[0]], None, None
        if name not in self.names:
            if not safe_token(name) or len(self.names) >= MAX_NAMES:
                return [], f"not resolved: {name!r} is not a plain host name or too many names", None
            obs = self.session.run(f"getent ahosts {shlex.quote(name)}", timeout=10)
            found = list(dict.fromkeys(line.split()[0] for line in obs.stdout.splitlines() if line.strip()))
            error = None if found else f"{name} did not resolve on the host (getent exit {obs.exit_status})"
            self.names[name] = (found[:MAX_ADDRESSES], error, obs.id)
        found, error, obs_id = self.names[name]
        return found, error, obs_id

    def place(self, address: str) -> tuple[GeoIdentity, str]:
        if address not in self.places:
            identity, obs = geo.identify(self.session, address, self.simulated)
            self.places[address] = (identity, obs.id)
        return self.places[address]

    def dependencies(self, kind: Kind, name: str, target: str, host: str, source: str,
                     basis: Literal["declared", "observed"], seen: tuple[str, ...] = ()) -> list[Dependency]:
        addresses, error, obs_id = self.resolve(host)
        used = (*seen, *((obs_id,) if obs_id else ()))
        fields = {"kind": kind, "name": name, "target": target, "source": source, "basis": basis}
        if not addresses:
            return [Dependency(**fields, error=error, observations=used)]
        found = []
        for address in addresses:
            identity, place_obs = self.place(address)
            found.append(Dependency(**fields, address=address, identity=identity,
                                    observations=(*used, place_obs)))
        return found


def _declared(placer: Placer, session: Session) -> list[Dependency]:
    declared = session.host.declared
    found: list[Dependency] = []
    for av in declared.av_endpoints:
        found += placer.dependencies("av-endpoint", av.name, f"{av.address}:{av.port}/{av.transport}", av.address,
                                     "declared: ihcheck_av_endpoints", "declared")
    for peer in declared.exchange:
        host = http_probe.split(peer.url).host if peer.url else peer.address
        if host is None:
            continue
        kind: Kind = "platform" if peer.system == "platform" else "exchange-peer"
        target = peer.url or f"{peer.address}:{peer.target_port}"
        found += placer.dependencies(kind, f"{peer.name} ({peer.system}, {peer.protocol})", target, host,
                                     "declared: ihcheck_exchange", "declared")
    return found



def collect(session: Session) -> DependencyFacts:
    placer = Placer(session)
    found = _declared(placer, session)
    notes: list[str] = []
    resolv = session.run(RESOLV)
    if resolv.ok:
        for server in parse_nameservers(resolv.stdout):
            found += placer.dependencies("dns", "nameserver", server, server, "observed: /etc/resolv.conf",
                                         "observed", (resolv.id,))
    else:
        notes.append(f"/etc/resolv.conf could not be read (exit {resolv.exit_status}): DNS servers not observed")
    ntp = session.run(NTP_CONFIG)
    for server in parse_ntp_servers(ntp.stdout):
        found += placer.dependencies("ntp", "NTP server", server, server, "observed: chrony/ntpd/timesyncd "
                                     "configuration", "observed", (ntp.id,))
    cron = session.run(CRONTABS)
    for host, line in parse_backup_targets(cron.stdout):
        found += placer.dependencies("backup", "backup job", line[:160], host, "observed: crontab (backup job)",
                                     "observed", (cron.id,))
    sockets = session.run(SS_TCP)
    if sockets.ok:
        outbound, _ = summarise(parse_ss_tcp(sockets.stdout))
        for conn in outbound:
            found += placer.dependencies("outbound", conn.process or "unknown process",
                                         f"{conn.peer_address}:{conn.peer_port}", conn.peer_address,
                                         "observed: established connections (ss)", "observed", (sockets.id,))
    else:
        notes.append(f"`{SS_TCP}` failed (exit {sockets.exit_status}): outbound connections not observed")
    used = tuple(dict.fromkeys(o for d in found for o in d.observations))
    return DependencyFacts(dependencies=tuple(found), notes=tuple(notes),
                           observations=tuple(dict.fromkeys((resolv.id, ntp.id, cron.id, sockets.id, *used))))
