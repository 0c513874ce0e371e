"""What every transport shares: its options, its contract, and the host keys it checks against."""

from __future__ import annotations

import hmac
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from checker.errors import HostUnreachable
from probes.bounded import COMMAND_OUTPUT_CAP, HOST_OUTPUT_CAP, KILL_GRACE, Bounded, Cancel
from probes.fleet_defaults import CONNECT_TIMEOUT
from probes.inventory import InventoryHost

DEFAULT_KNOWN_HOSTS = (Path("~/.ssh/known_hosts"), Path("/etc/ssh/ssh_known_hosts"))
DEFAULT_COMMAND_TIMEOUT = 30
# What the checker adds to a command's own deadline before it gives up on the connection: the remote
# `timeout -k` needs its grace, and the answer needs to travel back.
CLIENT_SLACK = 5.0


@dataclass(frozen=True)
class TransportOptions:
    accept_unknown_host_keys: bool = False
    connect_timeout: int = CONNECT_TIMEOUT
    ansible_inventory: str | None = None
    command_output_cap: int = COMMAND_OUTPUT_CAP
    host_output_cap: int = HOST_OUTPUT_CAP
    kill_grace: float = KILL_GRACE
    cancel: Cancel | None = field(default=None, compare=False)
    # A secret of this run: probes that frame a host's output with markers derive theirs from it
    # (`Session.marker`), so the marker is known before the host is contacted (a planned batch, an
    # Ansible play) yet no host can predict it.
    nonce: str = field(default_factory=lambda: secrets.token_hex(16), compare=False, repr=False)


class Transport(Protocol):
    name: str

    def run(self, command: str, *, timeout: float, cap: int) -> Bounded: ...

    def host_key_fingerprint(self) -> str | None: ...

    def close(self) -> None: ...


_KNOWN_HOSTS_LOCK = threading.Lock()
_KNOWN_HOSTS: dict[tuple[str, int, int], _KnownHosts] = {}


class _KnownHosts:
    """A known_hosts file parsed by paramiko, with its entries indexed by host name.

    paramiko's `lookup` compares the name with every entry of the file: a fleet's file has a line per host, so a
    run's lookups grew with N² (a thousand hosts: a million comparisons). Plain names are looked up in a table;
    hashed ones (`|1|salt|hash`, which no table can index) are still tried one by one, as paramiko does."""

    def __init__(self, parsed: Any) -> None:
        self._plain: dict[str, list[int]] = {}
        self._hashed: list[int] = []
        self._entries = list(parsed._entries)  # paramiko's parse (its file format, its duplicates dropped)
        for i, entry in enumerate(self._entries):
            for name in dict.fromkeys(entry.hostnames):
                if name.startswith("|1|"):
                    if not self._hashed or self._hashed[-1] != i:
                        self._hashed.append(i)
                else:
                    self._plain.setdefault(name, []).append(i)

    def keys_for(self, hostname: str) -> list[tuple[str, Any]]:
        """(key type, key) for `hostname`, a type's first key in the file's order: what paramiko's `lookup`
        gives as items."""
        import paramiko

        def hashed_match(i: int) -> bool:
            return not hostname.startswith("|1|") and any(
                name.startswith("|1|") and hmac.compare_digest(paramiko.HostKeys.hash_host(hostname, name), name)
                for name in self._entries[i].hostnames)

        order = sorted({*self._plain.get(hostname, ()), *(i for i in self._hashed if hashed_match(i))})
        first: dict[str, Any] = {}
        for i in order:
            key = self._entries[i].key
            if key is not None:
                first.setdefault(key.get_name(), key)
        return list(first.items())


def _parsed_known_hosts(path: Path) -> _KnownHosts:
    """A known_hosts file parsed once per run (while unchanged), not once per host: a fleet's file has a line
    per host, and parsing all of it for each of N hosts made a run's CPU grow with N²."""
    import paramiko

    info = path.stat()
    key = (str(path), info.st_mtime_ns, info.st_size)
    with _KNOWN_HOSTS_LOCK:
        parsed = _KNOWN_HOSTS.get(key)
        if parsed is None:
            try:
                parsed = _KNOWN_HOSTS[key] = _KnownHosts(paramiko.HostKeys(str(path)))
            except (OSError, paramiko.SSHException, ValueError) as exc:
                raise HostUnreachable(f"known_hosts {path}: not readable: {exc}") from None
        return parsed


def known_host_keys(host: InventoryHost) -> list[tuple[str, Any]]:
    """(key type, key) of every known_hosts entry for this host, in the files' order of precedence."""
    found: list[tuple[str, Any]] = []
    for path in _known_hosts_files(host):
        found += [(kind, key) for kind, key in _parsed_known_hosts(path).keys_for(_known_hosts_name(host))
                  if (kind, key) not in found]
    return found


def known_hosts_fingerprint(host: InventoryHost) -> str | None:
    """The fingerprint of the first key known_hosts holds for this host."""
    keys = known_host_keys(host)
    return str(keys[0][1].fingerprint) if keys else None


def _known_hosts_name(host: InventoryHost) -> str:
    return host.address if not host.port or host.port == 22 else f"[{host.address}]:{host.port}"


def _known_hosts_files(host: InventoryHost) -> list[Path]:
    files = [host.declared.known_hosts] if host.declared.known_hosts else []
    files += [p.expanduser() for p in DEFAULT_KNOWN_HOSTS]
    return [p for p in files if p is not None and p.is_file()]
