"""Run the collectors of the wanted fact families on every host of an inventory and assemble the deployment's facts.

Hosts are probed in parallel; one host that cannot be reached, or one probe that breaks, costs
only the facts that depended on it. The families are a table (probes.families): a host family's probe
fills its `HostFacts` field on each host; a deployment family's host parts (the declared programme's
queries and audit log) run inside the runs of the hosts they name, after those hosts' probes, over the
same session — so they go through the same engine (direct or Ansible), the same `--forks` slots and
the same `--host-timeout` — and its fact fills its `DeploymentFacts` field. Progress goes to a sink
(probes.progress); the shell decides how it looks.

On one host the quick probes run one after another while each slow one (a probe that mostly waits on
a timed transfer, such as the uplink measurement) runs beside them over the same connection: a host's
time is then its slowest probe's rather than the sum. The quick probes' few commands barely load a
host, and benchmarks/check_time.py shows the figures unchanged.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker.errors import HostUnreachable
from probes import geo
from probes.arenas import fewer_malloc_arenas
from probes.collectors import DeploymentWork, HostPart, Outcome, Probe, Unfinished
from probes.facts import DeploymentFacts, HostFacts
from probes.facts.sharing import SharedRecords
from probes.families import IDENTITY, PROBES, probes_for
from probes.fleet_defaults import DEFAULT_FORKS, DEFAULT_HOST_TIMEOUT
from probes.inventory import Inventory, InventoryHost
from probes.observation import Observation, ObservationLog, now
from probes.progress import HostsReport, ProgressLike
from probes.transport import Planned, Session, Transport, TransportOptions, open_transport

__all__ = ["IDENTITY", "PROBES", "DeploymentWork", "Gathered", "Probe", "gather", "plan", "probes_for"]


@dataclass(frozen=True)
class Gathered:
    facts: DeploymentFacts
    observations: Sequence[Observation]  # `Observations`: read back from the run's spool


ProgressCallback = Callable[[str, str], None]  # (host, what it is doing now)
Connect = Callable[[InventoryHost, TransportOptions], Transport]  # open_transport, or a recording's replay
Opener = Callable[[InventoryHost, TransportOptions, ObservationLog], Session]  # a connected session (an engine)


def open_direct(host: InventoryHost, options: TransportOptions, log: ObservationLog) -> Session:
    """The direct engine: ihcheck's own connection to the host (raises HostUnreachable)."""
    return Session(host=host, transport=open_transport(host, options), log=log, options=options)


class _HostRun:
    """One host's probing, which the gatherer can stop at the host's deadline and still read.

    The work runs in its own thread; what finished is kept as it finishes. At the deadline the
    connection is closed (which ends every read still waiting on the host), and the facts are built
    from what was complete: an unfinished probe is `unfinished` (its rules inconclusive, with the
    reason), never an error and never a guess.
    """

    def __init__(self, host: InventoryHost, probes: tuple[Probe, ...], options: TransportOptions,
                 log: ObservationLog, progress: ProgressCallback | None, opener: Opener = open_direct,
                 shared: SharedRecords | None = None, parts: tuple[HostPart, ...] = ()) -> None:
        self.opener = opener
        self.parts = parts
        self.outcomes: dict[str, Outcome] = {}  # each deployment part's value or exception
        self.shared = shared or SharedRecords()
        self.host = host
        self.probes = probes
        self.options = options
        self.log = log
        self.progress = progress
        self.lock = threading.Lock()
        self.stage = "connecting"
        self.transport: Transport | None = None
        self.base: dict[str, Any] = {
            "name": host.name, "address": host.address, "groups": host.groups, "declared": host.declared,
        }
        self.unreachable: str | None = None
        self.found: dict[str, Any] = {}
        self.errors: dict[str, str] = {}
        self.frozen = False

    def note(self, event: str) -> None:
        if self.progress is not None and not self.frozen:
            self.progress(self.host.name, event)

    def keep(self, name: str, value: Any, error: str | None) -> None:
        if value is not None:
            value = self.shared.share(value)  # the fleet's equal records held once (probes/facts/sharing.py)
        with self.lock:
            if self.frozen:
                return
            if error is None:
                self.found[name] = value
            else:
                self.errors[name] = error

    def work(self) -> None:
        try:
            self._work()
        finally:
            if self.transport is not None:
                self.transport.close()

    def _work(self) -> None:
        self.note("connecting")
        try:
            session = self.opener(self.host, self.options, self.log)
        except HostUnreachable as exc:
            self.note("unreachable")
            self._gone(str(exc))
            return
        transport = session.transport
        with self.lock:
            self.transport = transport
            if self.frozen:
                transport.close()
                return
            self.base["transport"] = transport.name
            self.stage = "identity"
        session.prefetch(plan(session, self.probes))
        try:
            self.keep("identity", IDENTITY.collect(session.scoped()), None)
        except HostUnreachable as exc:
            self.note("unreachable")
            self._gone(str(exc))
            return
        except Exception as exc:  # identity broke on a reachable host: keep going without it
            self.keep("identity", None, _describe(exc))
        self.base |= {
            "host_key_fingerprint": transport.host_key_fingerprint(),
            "host_key_verified": getattr(transport, "verifies_host_keys", transport.name in ("paramiko", "ssh"))
            and not self.options.accept_unknown_host_keys,
        }
        self.stage = "probes"

        def run(lane: list[Probe]) -> None:
            for probe in lane:
                self.note(probe.name)
                try:
                    self.keep(probe.name, probe.collect(session.scoped()), None)
                except HostUnreachable as exc:
                    self.keep(probe.name, None, f"connection lost: {exc}")
                except Exception as exc:
                    self.keep(probe.name, None, _describe(exc))

        lanes = [[p] for p in self.probes if p.slow] + [[p for p in self.probes if not p.slow]]
        with ThreadPoolExecutor(max_workers=len(lanes), thread_name_prefix=f"probe-{self.host.name}") as pool:
            for future in [pool.submit(run, lane) for lane in lanes if lane]:
                future.result()
        for part in self.parts:  # the deployment's work on this host, after its probes, over the same session
            self.note(part.key)
            try:
                value: Outcome = part.run(session.scoped())
            except Exception as exc:  # the family's `finish` decides what an exception means
                value = exc
            with self.lock:
                if not self.frozen:
                    self.outcomes[part.key] = value
        self.note("done")

    def _gone(self, why: str) -> None:
        with self.lock:
            self.unreachable = why
            for part in self.parts:
                self.outcomes.setdefault(part.key, HostUnreachable(f"{self.host.name} unreachable ({why})"))

    def facts(self, timed_out: float | None) -> HostFacts:
        """The host's facts as they stand; `timed_out` is the deadline that stopped it, if one did."""
        with self.lock:
            self.frozen = True
            transport = self.transport
            base = dict(self.base)
            silent = transport is None or (self.stage == "identity" and "identity" not in self.found)
            if timed_out is not None and silent:
                self.unreachable = f"no answer within --host-timeout {timed_out:g} s (while {self.stage})"
        if timed_out is not None and transport is not None:
            transport.close()  # ends the reads still waiting on the host
        with self.lock:
            for part in self.parts:  # a part the deadline stopped is missing with that reason, as a probe is
                why = (f"{self.host.name} unreachable ({self.unreachable})" if self.unreachable is not None else
                       f"{self.host.name}: did not finish within --host-timeout {timed_out:g} s"
                       if timed_out is not None else f"{self.host.name}: not run")
                self.outcomes.setdefault(part.key, Unfinished(why))
        if self.unreachable is not None:
            return HostFacts(**base, reachable=False, unreachable_reason=self.unreachable)
        found = {k: v for k, v in self.found.items() if v is not None}
        errors = dict(self.errors)
        unfinished: dict[str, str] = {}
        if timed_out is not None:
            unfinished = {p.name: f"did not finish within --host-timeout {timed_out:g} s"
                          for p in self.probes if p.name not in found and p.name not in errors}
        return HostFacts(**base, reachable=True, errors=errors, unfinished=unfinished, **found)


def plan(session: Session, probes: tuple[Probe, ...]) -> list[Planned]:
    """Every command identity and `probes` will run on this host whatever they find, in batch order."""
    return list(dict.fromkeys(c for p in (IDENTITY, *probes) for c in p.plan(session)))


def _probe_host(host: InventoryHost, probes: tuple[Probe, ...], options: TransportOptions, log: ObservationLog,
                progress: ProgressCallback | None, host_timeout: float | None, opener: Opener,
                shared: SharedRecords | None = None, parts: tuple[HostPart, ...] = (),
                ) -> tuple[HostFacts, dict[str, Outcome]]:
    run = _HostRun(host, probes, options, log, progress, opener, shared, parts)
    worker = threading.Thread(target=run.work, name=f"host-{host.name}", daemon=True)
    worker.start()
    worker.join(timeout=host_timeout)
    if worker.is_alive():
        if progress is not None:
            progress(host.name, "timed out")
        facts = run.facts(timed_out=host_timeout)
    else:
        facts = run.facts(timed_out=None)
    with run.lock:
        return facts, dict(run.outcomes)


def _describe(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


def gather(
    inventory: Inventory,
    *,
    options: TransportOptions | None = None,
    probes: tuple[Probe, ...] = PROBES,
    deployment: tuple[DeploymentWork, ...] = (),
    progress: ProgressLike | None = None,
    forks: int = DEFAULT_FORKS,
    host_timeout: float | None = DEFAULT_HOST_TIMEOUT,
    connect: Connect = open_transport,
    opener: Opener | None = None,
    spool_dir: Path | None = None,
    order: Iterable[InventoryHost] | None = None,
) -> Gathered:
    """Probe every host, `forks` at a time, each within `host_timeout` seconds (None: no limit), then assemble the
    `deployment` families from their parts' outcomes (each part ran in its host's run, after its probes).

    `connect` opens a host's transport (a recording replays one); `opener` replaces the whole
    connection step (the Ansible engine hands over sessions holding what Ansible already ran); `order`, the
    inventory's hosts in the order to start them (the Ansible engine's: as its play finishes them, each host
    started the moment its output is in; its deadline counts from then). The commands' output is spooled to a
    directory made in `spool_dir` (the system's temporary directory when None). Hosts come back in inventory
    order whatever the order they ran in."""
    fewer_malloc_arenas()  # before the forks' threads: their outputs otherwise hold an arena each (probes/arenas.py)
    if opener is None:
        def opener(host: InventoryHost, opts: TransportOptions, log: ObservationLog) -> Session:
            return Session(host=host, transport=connect(host, opts), log=log, options=opts)

    options = options or TransportOptions(ansible_inventory=inventory.source)
    log = ObservationLog(spool_dir)
    started = now()
    workers = max(1, min(forks, len(inventory.hosts)))
    shared = SharedRecords()
    names = {h.name for h in inventory.hosts}
    parts: dict[str, list[HostPart]] = {}
    for work in deployment:
        for part in work.parts:
            if part.host not in names:
                raise ValueError(f"{work.family}: part {part.key} names {part.host!r}, not a host of the inventory")
            if any(part.key == other.key for others in parts.values() for other in others):
                raise ValueError(f"{work.family}: part {part.key} is named twice (a part's key is the run's)")
            parts.setdefault(part.host, []).append(part)
    note = HostsReport(progress, [h.name for h in inventory.hosts]) if progress is not None else None
    running: dict[str, Future[tuple[HostFacts, dict[str, Outcome]]]] = {}
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="probe") as pool:
        for host in inventory.hosts if order is None else order:
            if host.name not in names or host.name in running:
                raise ValueError(f"gather: {host.name!r} is not a host of the inventory, or comes twice")
            running[host.name] = pool.submit(_probe_host, host, probes, options, log, note, host_timeout, opener,
                                             shared, tuple(parts.get(host.name, ())))
    results = [running[h.name].result() for h in inventory.hosts]
    geo.release()  # the hosts are probed: no address is placed after this (a quarter of a large run's memory)
    outcomes = {key: value for _, found in results for key, value in found.items()}
    finished = {work.family: work.finish({p.key: outcomes[p.key] for p in work.parts}) for work in deployment}
    facts = DeploymentFacts(inventory=inventory.source, collected_at=started, hosts=tuple(h for h, _ in results),
                            **finished)
    return Gathered(facts=facts, observations=log.all())
