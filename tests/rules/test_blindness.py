"""One blindness decision (issue 19): the engine alone decides what a verdict is when a host could not be seen.

`checker.engine.blindness` says `error` when a probe broke on a reachable host and `inconclusive` otherwise (host
unreachable, probe unfinished, nothing observed), with the reasons in both languages. Each place that used to decide
it itself (the engine's host loop, the shared helper of the servers rules, the A/V, ISP and exchange judges, the
MLPS items) must now defer: replacing the decision with a spy changes what every one of them says.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

import checker.catalogue.common
import checker.catalogue.gd2020_av
import checker.catalogue.gd2020_exchange
import checker.catalogue.gd2020_network
import checker.catalogue.mlps
import checker.engine
from checker.catalogue import CATALOGUE, rule_by_id
from checker.engine import Blindness, blindness, evaluate
from checker.model import Said, Verdict
from probes.facts import DeploymentFacts, HostFacts

ROOT = Path(__file__).resolve().parents[2]
COMPLIANT = ROOT / "tests" / "data" / "scenarios" / "compliant.json"
FAMILIES = ("identity", "services", "egress", "uplinks", "connections", "av", "power", "exchange", "baseline")
MARK = Said("由引擎的唯一判定给出", "decided by the engine's one decision")


def _host(**kw: Any) -> HostFacts:
    return HostFacts(name=kw.pop("name", "h"), address="192.0.2.1", **kw)


def test_a_broken_probe_is_error_anything_else_inconclusive() -> None:
    broke = _host(reachable=True, errors={"services": "RuntimeError: boom"})
    late = _host(name="late", reachable=True, unfinished={"services": "did not finish within --host-timeout 5 s"})
    gone = _host(name="gone", reachable=False, unreachable_reason="timed out")
    decided = blindness([broke, late, gone], "services")
    assert decided is not None and decided.verdict is Verdict.ERROR
    assert [h.name for h in decided.hosts] == ["h", "late", "gone"]
    assert decided.broke == (Said("h：services 探针出错：RuntimeError: boom", "h: services probe failed: RuntimeError: boom"),)
    assert decided.said.en == ("h: services probe failed: RuntimeError: boom; late: services probe did not finish "
                               "within --host-timeout 5 s; gone unreachable (timed out)")
    assert decided.said.zh.startswith("h：services 探针出错") and "gone 无法连接（timed out）" in decided.said.zh
    assert blindness([late, gone], "services").verdict is Verdict.INCONCLUSIVE  # type: ignore[union-attr]
    # an unreachable host is blind whatever a record claims it held; one reason for the host, not one per family
    claimed = HostFacts.model_validate(json.loads(COMPLIANT.read_text())["facts"]["hosts"][0]) \
        .model_copy(update={"reachable": False, "unreachable_reason": "refused"})
    decided = blindness([claimed], ["identity", "services"])
    assert decided is not None and decided.verdict is Verdict.INCONCLUSIVE and len(decided.why) == 1


def test_seen_hosts_and_deployment_families_are_not_blind() -> None:
    record = HostFacts.model_validate(json.loads(COMPLIANT.read_text())["facts"]["hosts"][0])
    assert blindness([record], ["identity", "services", "documents", "pilot"]) is None


def _all_blind() -> DeploymentFacts:
    facts = json.loads(COMPLIANT.read_text())["facts"]
    facts["hosts"] = [{k: v for k, v in h.items() if k not in FAMILIES} for h in facts["hosts"]]
    return DeploymentFacts.model_validate(facts)


def _spy(real: Any, calls: list[str]) -> Any:
    def decide(hosts: Iterable[HostFacts], families: str | Iterable[str]) -> Blindness | None:
        hosts = list(hosts)
        calls.append(families if isinstance(families, str) else ",".join(families))
        decided = real(hosts, families)
        if decided is None:
            return None
        return Blindness(verdict=Verdict.ERROR, hosts=decided.hosts, why=(MARK,), broke=(MARK,))
    return decide


@pytest.mark.parametrize(("site", "rule_id"), [
    (checker.engine, "GD2020-1.2.3-power"),  # the host loop, before any host judge
    (checker.catalogue.common, "GD2020-1.2.3-servers"),
    (checker.catalogue.common, "GD2020-1.2.3-db-app-split"),
    (checker.catalogue.gd2020_av, "GD2020-1.2.4-av-systems"),
    (checker.catalogue.gd2020_network, "GD2020-1.2.5-isps"),
    (checker.catalogue.gd2020_exchange, "GD2020-1.2.1-exchange"),
])
def test_every_former_site_defers_to_the_engine(monkeypatch: pytest.MonkeyPatch, site: Any, rule_id: str) -> None:
    facts = _all_blind()
    honest = evaluate(facts, [rule_by_id(rule_id)])
    assert all(f.verdict is Verdict.INCONCLUSIVE for f in honest), [f.reason for f in honest]  # nothing broke
    calls: list[str] = []
    monkeypatch.setattr(site, "blindness", _spy(blindness, calls))
    spied = evaluate(facts, [rule_by_id(rule_id)])
    assert calls, f"{site.__name__} did not ask the engine"
    assert all(f.verdict is Verdict.ERROR for f in spied), [f.reason for f in spied]
    assert all(MARK.en in f.reason and MARK.zh in f.reason_zh for f in spied), [f.reason for f in spied]


def test_the_mlps_items_defer_to_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    host = _all_blind().hosts[0]
    check = checker.catalogue.mlps.CHECKS[0]
    assert checker.catalogue.mlps.judge_host(check, host).verdict is Verdict.INCONCLUSIVE
    calls: list[str] = []
    monkeypatch.setattr(checker.catalogue.mlps, "blindness", _spy(blindness, calls))
    finding = checker.catalogue.mlps.judge_host(check, host)
    assert calls == ["baseline"] and finding.verdict is Verdict.ERROR and MARK.en in finding.reason


def test_no_judge_decides_blindness_itself() -> None:
    """No module of the core reads why a probe broke to pick a verdict, but the engine."""
    deciding = re.compile(r"\bin (?:h|host)\.errors\b|\.errors\[")
    offenders = [str(p.relative_to(ROOT)) for p in sorted((ROOT / "checker").rglob("*.py"))
                 if p.name != "engine.py" and deciding.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
    assert {r.id for r in CATALOGUE} >= {"GD2020-1.2.3-power", "GD2020-1.2.5-isps"}
