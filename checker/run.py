"""One check run, end to end: inventory → transport → probes → facts → rules → findings → result.

The CLI, `ihcheck demo`, the tests and the benchmarks all call this one function, so there is
exactly one path from an inventory to a result.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from checker.catalogue import select
from checker.engine import evaluate
from probes.documents import load_documents
from probes.errors import InputError
from probes.gather import gather
from probes.inventory import load_inventory
from probes.limits import DEFAULT_FORKS, DEFAULT_HOST_TIMEOUT
from probes.observation import now
from probes.transport import TransportOptions

if TYPE_CHECKING:
    from rich.console import Console

    from reports.result import CheckResult


AUTO_ANSIBLE_HOSTS = 1000  # `--engine auto` hands a run this big to Ansible (README: "Fleet scale")
PROGRESS_ROWS = 50  # beyond this many hosts a row per host is noise; the run stays quiet


def choose_engine(engine: str, hosts: int) -> str:
    """`auto` is the direct engine up to AUTO_ANSIBLE_HOSTS hosts, Ansible beyond."""
    if engine == "auto":
        return "ansible" if hosts > AUTO_ANSIBLE_HOSTS else "direct"
    if engine not in ("direct", "ansible"):
        raise InputError(f"--engine: expected direct, ansible or auto, got {engine!r}")
    return engine


def run_check(
    inventory_path: str | Path,
    *,
    limit: str | None = None,
    rule_ids: list[str] | None = None,
    accept_unknown_host_keys: bool = False,
    progress_console: Console | None = None,
    engine: str = "direct",
    forks: int = DEFAULT_FORKS,
    host_timeout: float | None = DEFAULT_HOST_TIMEOUT,
) -> CheckResult:
    from reports.result import CheckResult

    try:
        rules = select(rule_ids)
    except KeyError as exc:
        raise InputError(f"--rule: unknown rule id {exc.args[0]!r} (see `ihcheck rules`)") from None
    inventory = load_inventory(inventory_path, limit)
    documents = load_documents(inventory)  # before probing: a bad index fails fast
    options = TransportOptions(accept_unknown_host_keys=accept_unknown_host_keys,
                               ansible_inventory=str(inventory_path))
    started = now()
    engine = choose_engine(engine, len(inventory.hosts))
    if engine == "ansible":
        from probes.ansible_engine import gather_with_ansible

        gathered = gather_with_ansible(inventory, str(inventory_path), options=options, forks=forks,
                                       host_timeout=host_timeout)
    elif progress_console is not None and progress_console.is_terminal and len(inventory.hosts) <= PROGRESS_ROWS:
        from rich.progress import Progress, SpinnerColumn, TextColumn

        with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=progress_console,
                      transient=True) as bar:
            tasks = {h.name: bar.add_task(f"{h.name}: waiting", total=None) for h in inventory.hosts}
            gathered = gather(inventory, options=options, forks=forks, host_timeout=host_timeout,
                              progress=lambda host, event: bar.update(tasks[host], description=f"{host}: {event}"))
    else:
        gathered = gather(inventory, options=options, forks=forks, host_timeout=host_timeout)
    facts = gathered.facts.model_copy(update={"documents": documents})
    findings = evaluate(facts, rules)
    return CheckResult.build(rules=rules, facts=facts, findings=findings,
                             observations=gathered.observations, started_at=started, finished_at=now())
