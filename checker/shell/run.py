"""One check run, end to end: inventory → transport → probes → facts → rules → findings → waivers → result.

`ihcheck check`, `ihcheck demo`, the tests and the benchmarks all call this one function, so there is
exactly one path from an inventory to a result, and waivers are applied the same way on every path.
Only the probes the selected rules need are run (`Rule.needs`), and the documents folder is read only
when a rule judges it. Input is read and validated first (rules, inventory, waivers, documents index),
so bad input fails in one line before any host is contacted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from checker.catalogue import CATALOGUE, select
from checker.catalogue.materials_checklist import ITEM_IDS
from checker.engine import evaluate
from checker.errors import InputError
from probes.gather import gather, probes_for
from probes.inventory import load_inventory
from probes.materials_folder import load_documents
from probes.observation import now
from probes.programmes import collect_programme
from probes.programmes import prepare as prepare_programme
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


def run_check(
    inventory_path: str | Path,
    *,
    limit: str | None = None,
    rule_ids: list[str] | None = None,
    accept_unknown_host_keys: bool = False,
    waivers_file: Path | None = None,
    progress_console: Console | None = None,
) -> CheckRun:
    try:
        rules = select(rule_ids)
    except KeyError as exc:
        raise InputError(f"--rule: unknown rule id {exc.args[0]!r} (see `ihcheck rules`)") from None
    families = {family for rule in rules for family in rule.needs}
    inventory = load_inventory(inventory_path, limit)
    waivers = load_waivers(waivers_file) if waivers_file is not None else ()
    documents = load_documents(inventory, ITEM_IDS) if "documents" in families else None
    started = now()
    # the declared programme's files and queries are read and checked before any host is contacted too
    programme = prepare_programme(inventory, started.date()) if "pilot" in families else None
    probes = probes_for(families)
    options = TransportOptions(accept_unknown_host_keys=accept_unknown_host_keys,
                               ansible_inventory=str(inventory_path))
    if progress_console is not None and progress_console.is_terminal:
        from rich.progress import Progress, SpinnerColumn, TextColumn

        with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=progress_console,
                      transient=True) as bar:
            tasks = {h.name: bar.add_task(f"{h.name}: waiting", total=None) for h in inventory.hosts}
            gathered = gather(inventory, options=options, probes=probes,
                              progress=lambda host, event: bar.update(tasks[host], description=f"{host}: {event}"))
    else:
        gathered = gather(inventory, options=options, probes=probes)
    observations = gathered.observations
    pilot = None
    if programme is not None:
        pilot, observations = collect_programme(programme, inventory, options, observations)
    facts = gathered.facts.model_copy(update={"documents": documents, "pilot": pilot})
    findings = evaluate(facts, rules)
    finished = now()
    findings, statuses = apply_waivers(findings, waivers, today=finished.date(), known_rules=[r.id for r in CATALOGUE])
    result = CheckResult.build(rules=rules, facts=facts, findings=findings,
                               observations=observations, started_at=started, finished_at=finished)
    return CheckRun(result=result, waivers=tuple(statuses), waivers_file=waivers_file)
