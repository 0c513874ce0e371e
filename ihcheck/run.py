"""One check run, end to end: inventory → transport → probes → facts → rules → findings → waivers → result.

`ihcheck check`, `ihcheck demo`, the tests and the benchmarks all call this one function, so there is
exactly one path from an inventory to a result, and waivers are applied the same way on every path.
Only the fact families the selected rules need are collected (`Rule.needs`, probes.families), the
deployment-level ones (documents folder, declared programme) by the same engine that gathers the hosts.
Input is read and validated first (rules, inventory, waivers, documents index, the programme's files and
queries), so bad input fails in one line before any host is contacted. `gather` is called once, with a
progress sink the shell's ihcheck.progress picks for the console.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checker.catalogue import CATALOGUE, select
from checker.catalogue.materials_checklist import ITEM_IDS
from checker.engine import evaluate
from checker.errors import InputError
from ihcheck.progress import gather_display
from probes.bounded import Cancel
from probes.families import Preparing, probes_for
from probes.families import prepare as prepare_families
from probes.fleet_defaults import CONNECT_TIMEOUT, DEFAULT_FORKS, DEFAULT_HOST_TIMEOUT
from probes.gather import Gathered, gather
from probes.inventory import InventoryHost, load_inventory
from probes.observation import now
from probes.transport import TransportOptions
from reports.result import CheckResult
from reports.waivers import WaiverStatus, apply_waivers, load_waivers

if TYPE_CHECKING:
    from rich.console import Console


@dataclass(frozen=True)
class CheckRun:
    """A finished check: the result, and what became of each waiver (applied, expired, unknown, unmatched)."""

    result: CheckResult
    waivers: tuple[WaiverStatus, ...] = ()
    waivers_file: Path | None = None
    # The inventory as this run parsed it (once): the bundle's snapshot, so nothing parses (or renders) it again.
    inventory_hosts: tuple[InventoryHost, ...] = ()
    interrupted: bool = False  # Ctrl-C: the commands in flight were ended; what was gathered is judged


def _interruptible(work: Callable[[], Gathered], cancel: Cancel, console: Console | None) -> Gathered:
    """Gather in a worker thread so that Ctrl-C ends the commands in flight (TERM, then KILL) within seconds
    and keeps what was gathered; a second Ctrl-C leaves at once.

    The first Ctrl-C is taken by a handler that only sets `cancel`, never by a KeyboardInterrupt: one raised
    between two waits of the loop below escaped it, left `cancel` unset, and the interpreter's exit then
    joined the probes' pool threads until their commands' own deadlines (seen once in CI: 29 s, not 3)."""
    box: dict[str, Any] = {}
    done = threading.Event()  # not Thread.join: an interrupted join can leave is_alive() wrong (CPython 3.11)
    asked = threading.Event()

    def run() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:  # handed to the main thread below
            box["error"] = exc
        finally:
            done.set()

    def on_ctrl_c(signum: int, frame: object) -> None:
        if asked.is_set():
            raise KeyboardInterrupt  # the second: leave at once
        asked.set()
        cancel.set("interrupted (Ctrl-C)")

    # A run started with SIGINT ignored (nohup, a `&` job of a script) keeps ignoring it, as Python itself does
    main = threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGINT) != signal.SIG_IGN
    previous = signal.signal(signal.SIGINT, on_ctrl_c) if main else None
    try:
        threading.Thread(target=run, name="gather", daemon=True).start()
        told = False
        while not done.wait(0.2) or (asked.is_set() and not told):
            if asked.is_set() and not told:
                told = True
                message = ("ihcheck: interrupted — ending the commands in flight; what was gathered is kept "
                           "(Ctrl-C again to leave at once)")
                if console is not None:
                    console.print(message, markup=False)
                else:
                    print(message, file=sys.stderr)
    finally:
        if main:
            signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


AUTO_ANSIBLE_HOSTS = 1000  # `--engine auto` hands a run this big to Ansible (README: "Fleet scale")


def choose_engine(engine: str, hosts: int) -> str:
    """`auto` is the direct engine up to AUTO_ANSIBLE_HOSTS hosts, Ansible beyond."""
    if engine == "auto":
        return "ansible" if hosts > AUTO_ANSIBLE_HOSTS else "direct"
    if engine not in ("direct", "ansible"):
        raise InputError(f"--engine: expected direct, ansible or auto, got {engine!r}")
    return engine


@contextlib.contextmanager
def long_lived_so_far() -> Iterator[None]:
    """The objects that exist on entry (modules, the catalogue, pydantic's schemas, the inventory: hundreds of
    thousands) set aside from the cyclic collector, and its youngest generation collected every 20,000 allocations
    instead of 700, until the block ends. A fleet check allocates millions of short-lived objects while it holds
    the start-up's; with the defaults the collector walked those again and again (some 8% of the checker's CPU at
    20 lab hosts, its own clock per collection). Only when the collector runs changes: nothing it frees."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(20_000, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def run_check(
    inventory_path: str | Path,
    *,
    limit: str | None = None,
    rule_ids: list[str] | None = None,
    accept_unknown_host_keys: bool = False,
    waivers_file: Path | None = None,
    progress_console: Console | None = None,
    engine: str = "direct",
    forks: int | None = None,  # None: the engine's own default (DEFAULT_FORKS, Ansible's DEFAULT_ANSIBLE_FORKS)
    host_timeout: float | None = DEFAULT_HOST_TIMEOUT,
    ansible_dir: Path | None = None,
    allow_inventory_lookups: bool = False,
    connect_timeout: int = CONNECT_TIMEOUT,
    spool_dir: Path | None = None,
) -> CheckRun:
    try:
        rules = select(rule_ids)
    except KeyError as exc:
        raise InputError(f"--rule: unknown rule id {exc.args[0]!r} (see `ihcheck rules`)") from None
    families = {family for rule in rules for family in rule.needs}
    inventory = load_inventory(inventory_path, limit, allow_lookups=allow_inventory_lookups)
    waivers = load_waivers(waivers_file) if waivers_file is not None else ()
    started = now()
    # the deployment families (documents folder, declared programme) read and check their input before any host
    deployment = prepare_families(families, Preparing(inventory=inventory, as_of=started.date(), checklist=ITEM_IDS))
    probes = probes_for(families)
    cancel = Cancel()
    options = TransportOptions(accept_unknown_host_keys=accept_unknown_host_keys, connect_timeout=connect_timeout,
                               ansible_inventory=str(inventory_path), cancel=cancel)
    from probes.ansible_trust import refuse_checker_side

    engine = choose_engine(engine, len(inventory.hosts))
    # hosts Ansible will read: every host with --engine ansible, else those with the ansible transport
    refuse_checker_side([h for h in inventory.hosts if engine == "ansible" or h.connection == "ansible"],
                        "--engine ansible" if engine == "ansible" else "ihcheck_transport: ansible")
    gather_hosts: Callable[..., Gathered] = gather
    if engine != "ansible" and forks is None:
        forks = DEFAULT_FORKS
    if engine == "ansible":
        from probes.ansible_engine import gather_with_ansible

        gather_hosts = functools.partial(gather_with_ansible, inventory_path=str(inventory_path),
                                         private_dir=ansible_dir)
    with gather_display(progress_console, len(inventory.hosts)) as sink:
        gathered = _interruptible(lambda: gather_hosts(
            inventory, options=options, probes=probes, deployment=deployment, progress=sink, forks=forks,
            host_timeout=host_timeout, spool_dir=spool_dir), cancel, progress_console)
    facts, observations = gathered.facts, gathered.observations
    findings = evaluate(facts, rules)
    finished = now()
    findings, statuses = apply_waivers(findings, waivers, today=finished.date(), known_rules=[r.id for r in CATALOGUE])
    result = CheckResult.build(rules=rules, facts=facts, findings=findings,
                               observations=observations, started_at=started, finished_at=finished)
    return CheckRun(result=result, waivers=tuple(statuses), waivers_file=waivers_file, inventory_hosts=inventory.hosts,
                    interrupted=cancel.is_set())
