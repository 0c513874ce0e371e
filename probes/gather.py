"""Run the probes on every host of an inventory and assemble the deployment's facts.

Hosts are probed in parallel; one host that cannot be reached, or one probe that breaks, costs
only the facts that depended on it. The probe table is data: a probe is a name (the `HostFacts`
field it fills, and the fact family rules name in `Rule.needs`) and a function from a `Session` to a
fact. Only the probes the selected rules need run (`probes_for`).

On one host the quick probes run one after another while each slow one (a probe that mostly waits on
a timed transfer, such as the uplink measurement) runs beside them over the same connection: a host's
time is then its slowest probe's rather than the sum. The quick probes' few commands barely load a
host, and benchmarks/check_time.py shows the figures unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from checker.errors import HostUnreachable
from probes import av, connections, egress, exchange, identity, power, services, uplinks
from probes.facts import DeploymentFacts, Fact, HostFacts
from probes.inventory import Inventory, InventoryHost
from probes.observation import Observation, ObservationLog, now
from probes.transport import Session, Transport, TransportOptions, open_transport


@dataclass(frozen=True)
class Probe:
    name: str
    collect: Callable[[Session], Fact]
    slow: bool = False  # runs beside the quick probes instead of after them


IDENTITY = Probe("identity", identity.collect)
PROBES: tuple[Probe, ...] = (
    Probe("services", services.collect),
    Probe("egress", egress.collect),
    Probe("uplinks", uplinks.collect, slow=True),
    Probe("power", power.collect),
    Probe("av", av.collect),
    Probe("connections", connections.collect),
    Probe("exchange", exchange.collect),
)


FAMILIES: frozenset[str] = frozenset({IDENTITY.name, *(p.name for p in PROBES)})


def probes_for(families: Iterable[str]) -> tuple[Probe, ...]:
    """The probes that fill the given fact families, in table order. `identity` always runs (it is how a
    host is found reachable and told apart); `documents` and `pilot` are no probes (the shell reads the folder
    and gathers the declared programme, probes.programmes)."""
    wanted = set(families) - {"documents", "pilot", IDENTITY.name}
    unknown = wanted - FAMILIES
    if unknown:
        raise ValueError(f"no probe fills the fact families {sorted(unknown)} (known: {sorted(FAMILIES)})")
    return tuple(p for p in PROBES if p.name in wanted)


@dataclass(frozen=True)
class Gathered:
    facts: DeploymentFacts
    observations: list[Observation]


ProgressCallback = Callable[[str, str], None]
Connect = Callable[[InventoryHost, TransportOptions], Transport]  # open_transport, or a recording's replay


def _probe_host(
    host: InventoryHost,
    probes: tuple[Probe, ...],
    options: TransportOptions,
    log: ObservationLog,
    progress: ProgressCallback | None,
    connect: Connect,
) -> HostFacts:
    base: dict[str, Any] = {
        "name": host.name, "address": host.address, "groups": host.groups, "declared": host.declared,
    }

    def note(event: str) -> None:
        if progress is not None:
            progress(host.name, event)

    note("connecting")
    try:
        transport = connect(host, options)
    except HostUnreachable as exc:
        note("unreachable")
        return HostFacts(**base, reachable=False, unreachable_reason=str(exc))
    base["transport"] = transport.name
    session = Session(host=host, transport=transport, log=log, options=options)
    try:
        try:
            found: dict[str, Any] = {"identity": IDENTITY.collect(session)}
        except HostUnreachable as exc:
            note("unreachable")
            return HostFacts(**base, reachable=False, unreachable_reason=str(exc))
        except Exception as exc:  # identity broke on a reachable host: keep going without it
            found = {}
            errors = {"identity": _describe(exc)}
        else:
            errors = {}
        fingerprint = transport.host_key_fingerprint()
        base |= {
            "host_key_fingerprint": fingerprint,
            "host_key_verified": transport.name in ("paramiko", "ssh") and not options.accept_unknown_host_keys,
        }
        outcomes: dict[str, tuple[Any, str | None]] = {}

        def run(lane: list[Probe]) -> None:
            for probe in lane:
                note(probe.name)
                try:
                    outcomes[probe.name] = (probe.collect(session), None)
                except HostUnreachable as exc:
                    outcomes[probe.name] = (None, f"connection lost: {exc}")
                except Exception as exc:
                    outcomes[probe.name] = (None, _describe(exc))

        lanes = [[p] for p in probes if p.slow] + [[p for p in probes if not p.slow]]
        with ThreadPoolExecutor(max_workers=len(lanes), thread_name_prefix=f"probe-{host.name}") as pool:
            for future in [pool.submit(run, lane) for lane in lanes if lane]:
                future.result()
        for probe in probes:
            value, error = outcomes[probe.name]
            if error is None:
                found[probe.name] = value
            else:
                errors[probe.name] = error
        note("done")
        return HostFacts(**base, reachable=True, errors=errors, **found)
    finally:
        transport.close()


def _describe(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


def gather(
    inventory: Inventory,
    *,
    options: TransportOptions | None = None,
    probes: tuple[Probe, ...] = PROBES,
    progress: ProgressCallback | None = None,
    max_workers: int = 16,
    connect: Connect = open_transport,
) -> Gathered:
    options = options or TransportOptions(ansible_inventory=inventory.source)
    log = ObservationLog()
    started = now()
    workers = max(1, min(max_workers, len(inventory.hosts)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="probe") as pool:
        results = list(pool.map(lambda h: _probe_host(h, probes, options, log, progress, connect), inventory.hosts))
    facts = DeploymentFacts(inventory=inventory.source, collected_at=started, hosts=tuple(results))
    return Gathered(facts=facts, observations=log.all())
