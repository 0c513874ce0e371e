"""The checker against whole simulated deployments: real containers, real sshd, real daemons.

Each scenario file states the verdict it expects per rule; these tests boot the scenario, write
its inventory, run the unchanged `ihcheck check` pipeline over real SSH, and compare. CI runs the
quick set (`-m containers`) and the full matrix (`-m matrix`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from checker.run import run_check
from reports.result import CheckResult

SCENARIOS = Path(__file__).resolve().parents[2] / "simulator" / "scenarios"
QUICK = ["compliant", "db-on-app-host", "host-unreachable"]
MATRIX = sorted(p.stem for p in SCENARIOS.glob("*.yaml") if p.stem not in QUICK)
RECORD = Path(__file__).resolve().parents[1] / "data" / "scenarios"

pytestmark = [pytest.mark.containers, pytest.mark.usefixtures("machine_to_ourselves")]


def check_scenario(name: str, tmp_path: Path) -> tuple[CheckResult, dict[str, str]]:
    from simulator.deploy import running, write_inventory

    with running(name) as deployment:
        inventory = write_inventory(deployment.scenario, tmp_path / "inventory.yml")
        result = run_check(inventory)
        expected: dict[str, str] = {str(rule): str(verdict) for rule, verdict in deployment.spec.expect.items()}
    if os.environ.get("IHCHECK_RECORD_FACTS") == "1":  # refresh tests/data/scenarios for the offline rule tests
        RECORD.mkdir(parents=True, exist_ok=True)
        record = {"scenario": name, "expect": expected, "facts": result.facts.model_dump(mode="json")}
        (RECORD / f"{name}.json").write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n")
    return result, expected


def assert_expected(result: CheckResult, expected: dict[str, str]) -> None:
    got = result.summary["rules"]
    mismatches = {rule: (want, got.get(rule)) for rule, want in expected.items() if got.get(rule) != want}
    reasons = {f.rule_id: f.reason for f in result.findings if f.rule_id in mismatches}
    assert not mismatches, json.dumps({"mismatches": mismatches, "reasons": reasons}, ensure_ascii=False, indent=1)
    cited = {o for f in result.findings for o in f.observations}
    assert cited <= {o.id for o in result.observations}


@pytest.mark.parametrize("name", QUICK)
def test_quick_scenarios(name: str, tmp_path: Path) -> None:
    result, expected = check_scenario(name, tmp_path)
    assert_expected(result, expected)
    hosts = {h.name: h for h in result.facts.hosts}
    if name == "host-unreachable":
        down = [h for h in hosts.values() if not h.reachable]
        assert len(down) == 1, "exactly one host has its sshd stopped"
        up = [h for h in hosts.values() if h.reachable]
        # the other hosts' facts are still reported
        assert up and all(h.identity is not None and h.services is not None for h in up)
        assert all(h.host_key_verified for h in up)
    else:
        assert all(h.reachable and h.host_key_verified for h in hosts.values())
    if name == "db-on-app-host":
        split = next(f for f in result.findings if f.rule_id == "GD2020-1.2.3-db-app-split")
        assert split.verdict.value == "fail" and "same machine" in split.reason


@pytest.mark.matrix
@pytest.mark.parametrize("name", MATRIX)
def test_scenario_matrix(name: str, tmp_path: Path) -> None:
    result, expected = check_scenario(name, tmp_path)
    assert_expected(result, expected)


def test_every_fault_scenario_is_covered() -> None:
    names = {p.stem for p in SCENARIOS.glob("*.yaml")}
    required = {"compliant", "single-server", "db-on-app-host", "single-isp", "slow-uplink", "server-abroad",
                "single-av-system", "no-power-redundancy", "host-unreachable"}
    assert required <= names, required - names
