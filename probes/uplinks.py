"""A host's uplinks: which ways out it has, who provides each, and how fast each is, measured.

An uplink is an interface carrying a default route (any routing table). For each one, the echo service
(`ihcheck_echo_url`) tells which address it leaves by, and probes.geo which provider that address
belongs to; iperf3 against a measurement endpoint (`ihcheck_measure_endpoint`, one `iperf3 -s` HOST:PORT
or a list) bound to the interface measures upload and download (`-R`) for `ihcheck_measure_seconds`
each. The figures and their margins come from probes.parse.iperf, which explains how the margin is
derived.

With as many endpoints as uplinks, the uplinks are measured at the same time, each against its own
server: the uplinks of different providers are different paths, and measured in parallel in the lab
they read as they do one at a time (benchmarks/bandwidth_error.py --parallel). The endpoint's own link
must carry their sum; if it cannot, each uplink reads low, which can fail a check but never pass one.
Upload and download of one uplink are never measured together (iperf3 --bidir): each direction's ACKs
then share the other's bottleneck, and in the lab that read 4–8 % lower again.

An iperf3 server runs one test at a time and answers "busy" to the rest. Hosts are probed in parallel,
so a busy answer is retried until MAX_WAIT has passed: this also keeps two hosts from measuring a shared
uplink at the same moment and each seeing half of it. Between two tests a persistent `iperf3 -s` closes
its listening socket and opens a new one (esnet/iperf#2066), so a client that arrives in that gap is
refused or reset although the server is up; those answers are retried for REFUSED_WAIT, long enough to
outlast the gap and short enough that a server that is really down is reported promptly.
"""

from __future__ import annotations

import math
import queue
import random
import shlex
import time
from concurrent.futures import ThreadPoolExecutor

from checker.errors import InputError
from probes import geo
from probes.egress import ROUTES, ROUTES6, default_routes, echo, http_url, interfaces
from probes.facts.egress import EgressPath
from probes.facts.geo import GeoIdentity
from probes.facts.uplinks import Throughput, Uplink, UplinkFacts
from probes.observation import Observation
from probes.parse.iperf import estimate, parse_iperf_json
from probes.parse.iproute import parse_addresses
from probes.transport import Session

ADDRESSES = "ip -j addr"
INTERVAL = 0.5
MAX_WAIT = 180.0  # seconds to keep retrying a busy iperf3 server (other hosts measuring)
REFUSED_WAIT = 5.0  # seconds to keep retrying a refused connection (the server between two tests)
TRANSIENT = ("connection refused", "connection reset")


def _endpoint(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit():
        raise InputError(f"ihcheck_measure_endpoint: expected HOST:PORT, got {value!r}")
    return host, int(port)


def _iperf_command(host: str, port: int, seconds: int, bind: str, reverse: bool) -> str:
    return (f"iperf3 -c {shlex.quote(host)} -p {port} {bind} -t {seconds} -i {INTERVAL} -J "
            f"--get-server-output{' -R' if reverse else ''}")


def _unsupported_bind_dev(obs: Observation) -> bool:
    text = (obs.stderr + obs.stdout).lower()
    return "bind-dev" in text and ("unrecognized" in text or "invalid option" in text or "unknown" in text)


def measure(session: Session, endpoint: str, seconds: float, interface: str, addresses: list[str],
            reverse: bool) -> Throughput:
    """One direction of one uplink; never raises for a failed measurement, records why instead."""
    host, port = _endpoint(endpoint)
    direction = "download" if reverse else "upload"
    whole = max(1, math.ceil(seconds))
    bind = f"--bind-dev {shlex.quote(interface)}"
    start = time.monotonic()
    refused_since: float | None = None
    attempts: list[str] = []
    while True:
        obs = session.run(_iperf_command(host, port, whole, bind, reverse), timeout=2 * whole + 20, fresh=True)
        attempts.append(obs.id)
        if obs.exit_status == 127:
            return Throughput(direction=direction, error="iperf3 is not installed on the host",
                              observations=tuple(attempts))
        if _unsupported_bind_dev(obs) and bind.startswith("--bind-dev"):
            if not addresses:
                return Throughput(direction=direction, observations=tuple(attempts),
                                  error=f"this iperf3 lacks --bind-dev and {interface} has no address to bind to")
            bind = f"-B {shlex.quote(addresses[0])}"
            continue
        if not obs.stdout.strip():
            detail = obs.stderr.strip().splitlines()[-1] if obs.stderr.strip() else f"exit {obs.exit_status}"
            return Throughput(direction=direction, error=f"iperf3 failed: {detail}", observations=tuple(attempts))
        result = parse_iperf_json(obs.stdout)
        now = time.monotonic()
        error = (result.error or "").lower()
        refused = bool(error) and any(t in error for t in TRANSIENT)
        refused_since = (refused_since or now) if refused else None
        if error and "busy" in error and now - start < MAX_WAIT:
            time.sleep(random.uniform(0.5, 1.5))
            continue
        if refused_since is not None and now - refused_since < REFUSED_WAIT:
            time.sleep(random.uniform(0.1, 0.5))
            continue
        break
    cited = tuple(attempts)
    if result.error:
        return Throughput(direction=direction, error=f"iperf3: {result.error}", observations=cited)
    found = estimate(result)
    if found is None:
        return Throughput(direction=direction, error="iperf3 reported no received data", observations=cited)
    return Throughput(
        direction=direction, mbps=round(found.mbps, 4), margin_mbps=round(found.margin_mbps, 4),
        statistical_mbps=round(found.statistical_mbps, 4), method_mbps=round(found.method_mbps, 4),
        samples_mbps=tuple(round(s, 4) for s in found.samples_mbps),
        sender_mbps=round(result.sender_mbps, 4) if result.sender_mbps is not None else None,
        retransmits=result.retransmits, seconds=result.seconds, observations=cited,
    )


def _measure_both(session: Session, endpoints: queue.Queue[str], seconds: float, interface: str,
                  addresses: list[str]) -> tuple[Throughput, Throughput]:
    """Upload then download of one uplink, against whichever endpoint is free."""
    endpoint = endpoints.get()
    try:
        up = measure(session, endpoint, seconds, interface, addresses, reverse=False)
        down = measure(session, endpoint, seconds, interface, addresses, reverse=True)
    finally:
        endpoints.put(endpoint)
    return up, down


def plan(session: Session) -> tuple[str, ...]:
    """The commands this probe runs whatever it finds (sent ahead in the host's batch)."""
    return (ROUTES, ROUTES6, ADDRESSES)


def collect(session: Session) -> UplinkFacts:
    declared = session.host.declared
    url = http_url(declared.echo_url, "echo_url") if declared.echo_url else None
    endpoints = declared.measure_endpoint
    for endpoint in endpoints:
        _endpoint(endpoint)
    notes: list[str] = []
    routes, used, route_notes = default_routes(session)
    notes += route_notes
    addr_obs = session.run(ADDRESSES)
    used.append(addr_obs.id)
    addresses = parse_addresses(addr_obs.stdout) if addr_obs.ok else {}
    simulated: dict[str, GeoIdentity] | None = geo.simulated_table(session) if url else None
    if not url:
        notes.append("no ihcheck_echo_url: the provider behind each uplink was not identified")
    if not endpoints:
        notes.append("no ihcheck_measure_endpoint: uplink throughput was not measured (set it to an "
                     "`iperf3 -s` HOST:PORT outside the hospital network)")
    names = interfaces(routes)
    if not names and not route_notes:
        notes.append("no default route in any routing table: the host has no uplink of its own")
    paths: dict[str, EgressPath] = {}
    for name in names:
        if url:
            gateways = [r.gateway for r in routes if r.interface == name and r.gateway]
            paths[name] = echo(session, url, name, simulated, gateways[0] if gateways else None)
            used += paths[name].observations
    measured: dict[str, tuple[Throughput, Throughput]] = {}
    if endpoints and names:
        free: queue.Queue[str] = queue.Queue()
        for endpoint in endpoints:
            free.put(endpoint)
        with ThreadPoolExecutor(max_workers=min(len(endpoints), len(names)), thread_name_prefix="uplink") as pool:
            futures = {name: pool.submit(_measure_both, session, free, declared.measure_seconds, name,
                                         addresses.get(name, [])) for name in names}
            measured = {name: future.result() for name, future in futures.items()}
    uplinks: list[Uplink] = []
    for name in names:
        mine = [r for r in routes if r.interface == name]
        metrics = [r.metric for r in mine if r.metric is not None]
        up, down = measured.get(name, (None, None))
        used += [o for t in (up, down) if t is not None for o in t.observations]
        uplinks.append(Uplink(
            interface=name, gateways=tuple(dict.fromkeys(r.gateway for r in mine if r.gateway)),
            metric=min(metrics) if metrics else None, tables=tuple(dict.fromkeys(r.table for r in mine)),
            addresses=tuple(addresses.get(name, [])), egress=paths.get(name), upload=up, download=down,
        ))
    return UplinkFacts(echo_url=url, measure_endpoints=endpoints, uplinks=tuple(uplinks),
                       observations=tuple(dict.fromkeys(used)), notes=tuple(notes))
