"""The Qinghai 2019 rules: enabled by a declared QH2019 programme, not applicable otherwise; the push record read on
the pushing host (the platform feed's recorded facts), consent and traceability from the audit trail.
`python -m tests.rules.test_qh2019` writes their examples (tests/data/facts/QH2019-*)."""

from __future__ import annotations

import json
from pathlib import Path

from checker.catalogue import qh2019
from checker.catalogue.gd2020_exchange import PLATFORM_ID
from checker.engine import evaluate, rule_verdicts
from checker.model import Finding, Verdict
from probes.facts import DeploymentFacts
from tests.rules.pilot_factories import deployment_with, visit
from tests.rules.prescription_factories import REVIEWED, qinghai, rx_pilot

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "facts"


def feed(verdict: str = "pass") -> DeploymentFacts:
    """The platform feed's recorded facts (a real push log read on a real host), with a Qinghai declaration."""
    facts = DeploymentFacts.model_validate_json((EXAMPLES / PLATFORM_ID / f"{verdict}.json").read_text("utf-8"))
    return facts.model_copy(update={"pilot": qinghai()})


def push_with(**update: object) -> DeploymentFacts:
    facts = feed()
    host = next(h for h in facts.hosts if h.exchange is not None and h.exchange.push)
    assert host.exchange is not None
    push = host.exchange.push[0].model_copy(update=update)
    changed = host.model_copy(update={"exchange": host.exchange.model_copy(update={"push": (push,)})})
    return facts.model_copy(update={"hosts": tuple(changed if h is host else h for h in facts.hosts)})


def one(facts: DeploymentFacts, rule_id: str) -> Finding:
    [finding] = [f for f in evaluate(facts, qh2019.RULES) if f.rule_id == rule_id]
    return finding


def test_without_a_qinghai_declaration_none_applies() -> None:
    for facts in (deployment_with(None), deployment_with(rx_pilot()), feed().model_copy(update={"pilot": None})):
        assert set(rule_verdicts(evaluate(facts, qh2019.RULES)).values()) == {Verdict.NOT_APPLICABLE}


def test_a_recent_push_passes_and_no_push_record_fails() -> None:
    assert one(feed(), qh2019.PUSH_ID).verdict is Verdict.PASS
    never = push_with(last_success=None, error="no line matching 'platform push OK' with a timestamp in the last "
                      "200 lines")
    finding = one(never, qh2019.PUSH_ID)
    assert finding.verdict is Verdict.FAIL and "no successful push recorded" in finding.reason
    absent = push_with(last_success=None, error="cannot read /var/log/push.log: tail: cannot open "
                       "'/var/log/push.log' for reading: No such file or directory")
    assert one(absent, qh2019.PUSH_ID).verdict is Verdict.FAIL
    denied = push_with(last_success=None, error="cannot read /var/log/push.log: Permission denied")
    assert one(denied, qh2019.PUSH_ID).verdict is Verdict.INCONCLUSIVE


def test_a_qinghai_hospital_that_declares_no_platform_is_inconclusive() -> None:
    facts = deployment_with(qinghai())
    finding = one(facts, qh2019.PUSH_ID)
    assert finding.verdict is Verdict.INCONCLUSIVE and "system: platform" in finding.reason


def test_consent_before_any_prescription() -> None:
    assert one(deployment_with(qinghai()), qh2019.CONSENT_ID).verdict is Verdict.PASS
    vs = [visit(1, first_visit=False, prescribed=True, records_held=True)]
    late = ("visit.start", "visit.prescription", "visit.consent", "prescription.review", "prescription.dispense",
            "visit.end")
    finding = one(deployment_with(qinghai(vs, {vs[0].id: late})), qh2019.CONSENT_ID)
    assert finding.verdict is Verdict.FAIL and "consent recorded after the prescription" in finding.reason
    none = tuple(e for e in REVIEWED if e != "visit.consent")
    assert one(deployment_with(qinghai(vs, {vs[0].id: none})), qh2019.CONSENT_ID).verdict is Verdict.FAIL
    no_trail = qinghai().model_copy(update={"trail": None})
    assert one(deployment_with(no_trail), qh2019.CONSENT_ID).verdict is Verdict.INCONCLUSIVE


def test_traceability_is_judged_as_the_pilots_for_a_qinghai_hospital() -> None:
    assert one(deployment_with(qinghai()), qh2019.TRACEABILITY_ID).verdict is Verdict.PASS
    unanchored = qinghai()
    assert unanchored.programme.audit_log is not None
    log = unanchored.programme.audit_log.model_copy(update={"head": None})
    unanchored = unanchored.model_copy(update={"programme": unanchored.programme.model_copy(update={"audit_log": log})})
    finding = one(deployment_with(unanchored), qh2019.TRACEABILITY_ID)
    assert finding.verdict is Verdict.INCONCLUSIVE and "not anchored" in finding.reason
    vs = [visit(1, first_visit=False, prescribed=True, records_held=True)]
    missing = one(deployment_with(qinghai(vs, {vs[0].id: ("visit.start", "visit.consent")})), qh2019.TRACEABILITY_ID)
    assert missing.verdict is Verdict.FAIL


def _examples() -> dict[str, dict[str, tuple[str, DeploymentFacts]]]:
    vs = [visit(1, first_visit=False, prescribed=True, records_held=True)]
    late = ("visit.start", "visit.prescription", "visit.consent", "prescription.review", "prescription.dispense",
            "visit.end")
    return {
        qh2019.PUSH_ID: {
            "pass": ("the platform feed's recorded facts with a Qinghai declaration", feed()),
            "fail": ("as pass, the push log holding no successful push", push_with(
                last_success=None, error="no line matching 'platform push OK' with a timestamp in the last 200 lines")),
            "inconclusive": ("constructed: a Qinghai hospital that declares no platform", deployment_with(qinghai())),
            "not_applicable": ("the platform feed's recorded facts, no programme declared",
                               feed().model_copy(update={"pilot": None})),
        },
        qh2019.CONSENT_ID: {
            "pass": ("constructed: a Qinghai hospital's follow-up with consent first", deployment_with(qinghai())),
            "fail": ("constructed: consent recorded after the prescription",
                     deployment_with(qinghai(vs, {vs[0].id: late}))),
            "inconclusive": ("constructed: no audit log", deployment_with(qinghai().model_copy(update={"trail": None}))),
            "not_applicable": ("constructed: the Beijing pilot declared", deployment_with(rx_pilot())),
        },
        qh2019.TRACEABILITY_ID: {
            "pass": ("constructed: an anchored, intact trail", deployment_with(qinghai())),
            "fail": ("constructed: a visit without its end event",
                     deployment_with(qinghai(vs, {vs[0].id: ("visit.start", "visit.consent")}))),
            "inconclusive": ("constructed: no audit log", deployment_with(qinghai().model_copy(update={"trail": None}))),
            "not_applicable": ("constructed: no programme declared", deployment_with(None)),
        },
    }


if __name__ == "__main__":
    for rule_id, cases in _examples().items():
        (EXAMPLES / rule_id).mkdir(exist_ok=True)
        for verdict, (origin, facts) in cases.items():
            data = facts.model_copy(update={"inventory": origin}).model_dump(mode="json")
            (EXAMPLES / rule_id / f"{verdict}.json").write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n",
                                                                encoding="utf-8")
