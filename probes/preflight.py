"""Before a long check: can each host be reached, as whom, with which of the tools the probes call?

A mistake in an inventory (a wrong user, no passwordless sudo, ipmitool not installed) shows only after a long
run, as rules turned inconclusive. The preflight asks each host once, in seconds: who the login is, whether it is
root or may sudo without a password prompt, and which of the commands the probes run exist; and from the checker,
whether each declared TCP endpoint accepts a connection. It gathers and judges nothing: what a missing piece will
cost (which rules go inconclusive) is worked out by the command (ihcheck.preflight) from the catalogue.

`TOOLS` is the table of host commands per fact family, written from the probes' own command lines; a test
(tests/probes/test_preflight.py) fails when a tool named here no longer appears in its probe's source.
"""

from __future__ import annotations

import shlex
import socket
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

from pydantic import BaseModel, ConfigDict

from checker.errors import HostUnreachable
from probes.inventory import InventoryHost
from probes.observation import ObservationLog
from probes.transport import Session, TransportOptions, open_transport


# The commands each fact family's probe runs on a host (see that probe's module): why, and what a host without it
# costs. "blind": the family cannot be observed at all, so every rule needing it is inconclusive on that host;
# "part": one part goes unobserved, and only the rules whose ids end with the suffixes given read that part.
class Tool(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    why: str
    effect: Literal["blind", "part"]
    rules: tuple[str, ...] = ()  # for "part": rule-id suffixes of the rules that read it


TOOLS: dict[str, dict[str, Tool]] = {
    "services": {"ss": Tool(why="listening sockets and their processes", effect="blind"),
                 "ps": Tool(why="running processes", effect="blind"),
                 "dpkg-query": Tool(why="installed packages (or rpm): which engine a process is", effect="part",
                                    rules=("db-app-split", "av-systems"))},
    "egress": {"ip": Tool(why="routes", effect="blind"),
               "curl": Tool(why="the echo service's view of the egress address", effect="part",
                            rules=("domestic", "isps"))},
    "uplinks": {"iperf3": Tool(why="bandwidth of each uplink", effect="part", rules=("bandwidth",))},
    "connections": {"ss": Tool(why="established connections between hosts", effect="blind")},
    "power": {"dmidecode": Tool(why="power supplies from SMBIOS (needs root)", effect="part", rules=("power",)),
              "ipmitool": Tool(why="in-band IPMI sensors", effect="part", rules=("power",)),
              "upsc": Tool(why="UPS state from NUT", effect="part", rules=("power",))},
    "baseline": {"dpkg-query": Tool(why="installed packages (or rpm)", effect="part",
                                    rules=("l3-ces1-17", "l3-ces1-21")),
                 "auditctl": Tool(why="kernel audit state and rules (needs root)", effect="part",
                                  rules=("l3-ces1-12", "l3-ces1-13", "l3-ces1-15")),
                 "sshd": Tool(why="the SSH server's effective configuration (sshd -T)", effect="part",
                              rules=("l3-ces1-01", "l3-ces1-02", "l3-ces1-03", "l3-ces1-06"))},
    "exchange": {"python3": Tool(why="protocol exchanges sent from this host (DICOM, HL7, FHIR); without it they "
                                 "are tried from the checker, not over the host's own routes", effect="part",
                                 rules=("exchange", "functions"))},
}

ALL_TOOLS: tuple[str, ...] = tuple(sorted({tool for tools in TOOLS.values() for tool in tools}))
ENDPOINT_TIMEOUT = 3.0


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Endpoint(Frozen):
    """A declared endpoint and whether it accepted a TCP connection from the checker."""

    host: str
    what: str
    address: str
    port: int
    answered: bool | None  # None: not tried (UDP, or nothing to connect to)
    detail: str


class Readiness(Frozen):
    """One host as the preflight found it."""

    host: str
    address: str
    transport: str
    reachable: bool
    error: str | None = None
    user: str | None = None
    root: bool | None = None
    sudo: bool | None = None  # `sudo -n true` worked: root without a password prompt
    tools: dict[str, bool] = {}
    seconds: float = 0.0


SCRIPT = (
    "id -un; id -u; if sudo -n true >/dev/null 2>&1; then echo sudo:yes; else echo sudo:no; fi; "
    f"for c in {' '.join(ALL_TOOLS)}; do "
    'if command -v "$c" >/dev/null 2>&1 || [ -x "/usr/sbin/$c" ] || [ -x "/sbin/$c" ]; '
    'then echo "have:$c"; else echo "miss:$c"; fi; done'
)


def _parse(host: InventoryHost, transport: str, stdout: str, seconds: float) -> Readiness:
    lines = [line.strip() for line in stdout.splitlines() if line.strip()]
    user = lines[0] if lines else None
    uid = lines[1] if len(lines) > 1 else ""
    tools = {line[5:]: True for line in lines if line.startswith("have:")}
    tools |= {line[5:]: False for line in lines if line.startswith("miss:")}
    return Readiness(host=host.name, address=host.address, transport=transport, reachable=True, user=user,
                     root=uid == "0" if uid.isdigit() else None, sudo="sudo:yes" in lines, tools=tools,
                     seconds=round(seconds, 2))


def check_host(host: InventoryHost, options: TransportOptions) -> Readiness:
    """Log in once and run one short script: who, root or sudo, which tools."""
    started = time.monotonic()
    try:
        transport = open_transport(host, options)
    except HostUnreachable as exc:
        return Readiness(host=host.name, address=host.address, transport=host.connection, reachable=False,
                         error=str(exc), seconds=round(time.monotonic() - started, 2))
    try:
        session = Session(host=host, transport=transport, log=ObservationLog(), options=options)
        obs = session.run(SCRIPT, timeout=15)
    except HostUnreachable as exc:
        return Readiness(host=host.name, address=host.address, transport=transport.name, reachable=False,
                         error=str(exc), seconds=round(time.monotonic() - started, 2))
    finally:
        transport.close()
    return _parse(host, transport.name, obs.stdout, time.monotonic() - started)


def declared_endpoints(host: InventoryHost) -> list[tuple[str, str, int | None, Literal["tcp", "udp"]]]:
    """(what, address, port, protocol) of what the host's declarations name."""
    found: list[tuple[str, str, int | None, Literal["tcp", "udp"]]] = []
    declared = host.declared
    if declared.bmc is not None:
        found.append(("BMC (IPMI)", declared.bmc.address, declared.bmc.port, "udp"))
    for item in declared.measure_endpoint:
        address, _, port = item.rpartition(":")
        found.append(("iperf3 measurement endpoint", address.strip("[]"), int(port) if port.isdigit() else None,
                      "tcp"))
    for av in declared.av_endpoints:
        found.append((f"A/V system {av.name}", av.address, av.port, av.transport))
    for ex in declared.exchange:
        target: str | None = getattr(ex, "address", None)
        if target:
            found.append((f"{ex.system} {ex.name} ({ex.protocol})", target, getattr(ex, "port", None), "tcp"))
    return found


def _connect(address: str, port: int) -> tuple[bool, str]:
    started = time.monotonic()
    try:
        with socket.create_connection((address, port), timeout=ENDPOINT_TIMEOUT):
            return True, f"connected in {time.monotonic() - started:.2f} s"
    except OSError as exc:
        return False, exc.strerror or type(exc).__name__


def check_endpoints(hosts: Iterable[InventoryHost]) -> list[Endpoint]:
    """Each declared TCP endpoint tried once from the checker (a UDP one is left to the run)."""
    todo = [(h.name, *e) for h in hosts for e in declared_endpoints(h)]

    def one(item: tuple[str, str, str, int | None, str]) -> Endpoint:
        name, what, address, port, proto = item
        if port is None or proto != "tcp":
            return Endpoint(host=name, what=what, address=address, port=port or 0, answered=None,
                            detail="UDP: tried during the check" if proto == "udp" else "no port to try")
        answered, detail = _connect(address, port)
        return Endpoint(host=name, what=what, address=address, port=port, answered=answered, detail=detail)

    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(one, todo))


def check_all(hosts: list[InventoryHost], options: TransportOptions, forks: int = 32) -> list[Readiness]:
    with ThreadPoolExecutor(max_workers=max(1, min(forks, len(hosts) or 1))) as pool:
        return list(pool.map(lambda h: check_host(h, options), hosts))


def describe_script() -> str:
    """The script as a person would read it (for --help and the README)."""
    return shlex.join(["sh", "-c", SCRIPT])
