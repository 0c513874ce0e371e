"""Signed bundles made from the facts recorded from real simulated deployments (tests/data/scenarios),
so fleet and drift can be tested on real data without booting containers.

The recordings keep the typed facts, not the raw command output, so each cited observation is a
stand-in that says so; the facts, the findings judged from them, and the signatures are real."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from checker.catalogue import CATALOGUE
from checker.engine import evaluate
from probes.facts import DeploymentFacts
from probes.observation import Observation, sha256_text
from reports.bundle import write_bundle
from reports.keys import SigningKeys
from reports.result import CheckResult

SCENARIOS = Path(__file__).resolve().parents[1] / "data" / "scenarios"


def scenario_result(name: str, inventory: Path) -> CheckResult:
    recorded = json.loads((SCENARIOS / f"{name}.json").read_text(encoding="utf-8"))
    facts = DeploymentFacts.model_validate(recorded["facts"]).model_copy(
        update={"documents": None, "inventory": str(inventory)})
    # The MLPS host baseline was recorded for compliant and mlps-defaults only: leave it out, so that every
    # scenario's bundle holds the same fact families and a drift between two of them is the scenario's own.
    facts = facts.model_copy(update={"hosts": tuple(h.model_copy(update={"baseline": None}) for h in facts.hosts)})
    findings = evaluate(facts, CATALOGUE)
    when = datetime.fromisoformat(recorded["facts"]["collected_at"].replace("Z", "+00:00")).astimezone(UTC)
    cited = sorted({o for f in findings for e in f.evidence for o in e.observations})
    stand_in = "(recorded facts: the raw output of this command was not kept in tests/data/scenarios)\n"
    observations = [Observation(id=o, host=o.split("#")[0], transport="paramiko", command="(recorded)",
                                exit_status=0, stdout=stand_in, stderr="", started_at=when,
                                ended_at=when + timedelta(seconds=1), stdout_sha256=sha256_text(stand_in))
                    for o in cited]
    return CheckResult.build(rules=CATALOGUE, facts=facts, findings=findings, observations=observations,
                             started_at=when, finished_at=when + timedelta(seconds=9))


def scenario_bundle(name: str, directory: Path, keys: SigningKeys) -> Path:
    """`directory/<name>/` (and .tar.gz): the scenario's recorded check, signed with `keys`."""
    directory.mkdir(parents=True, exist_ok=True)
    inventory = directory / f"{name}.yml"
    hosts = json.loads((SCENARIOS / f"{name}.json").read_text(encoding="utf-8"))["facts"]["hosts"]
    inventory.write_text("all:\n  hosts:\n" + "".join(f"    {h['name']}:\n      ansible_host: {h['address']}\n"
                                                      for h in hosts), encoding="utf-8")
    result = scenario_result(name, inventory)
    return write_bundle(result, inventory, directory / name, keys=keys).directory
