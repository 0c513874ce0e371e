"""Online prescriptions judged from a programme's visit records and audit trail."""

from __future__ import annotations

from checker.catalogue.prescriptions import RULE_ID, RULES, review_problem
from checker.engine import evaluate, rule_verdicts
from checker.model import Finding, Verdict
from probes.facts import DeploymentFacts
from tests.rules.pilot_factories import deployment_with, trail, visit
from tests.rules.prescription_factories import PLAIN, REVIEWED, qinghai, rx_pilot, visits


def judged(facts: DeploymentFacts) -> Finding:
    [finding] = evaluate(facts, RULES)
    assert rule_verdicts([finding]) == {RULE_ID: finding.verdict}
    return finding


def test_reviewed_before_dispensing_passes_and_each_wrong_order_fails() -> None:
    assert review_problem(REVIEWED) is None
    assert review_problem(("visit.prescription", "prescription.review")) is None  # reviewed, not yet dispensed
    dispensed_first = review_problem(("visit.prescription", "prescription.dispense", "prescription.review"))
    assert dispensed_first is not None and "before a pharmacist's review" in dispensed_first.en
    two = ("visit.prescription", "visit.prescription", "prescription.review", "prescription.dispense",
           "prescription.dispense")
    assert review_problem(two) is not None and "before" in review_problem(two).en  # type: ignore[union-attr]
    unreviewed = review_problem(("visit.prescription",))
    assert unreviewed is not None and "no pharmacist's review" in unreviewed.en
    assert review_problem(PLAIN) is not None  # the records say it prescribed; the trail has no prescription


def test_a_beijing_pilot_with_reviewed_prescriptions_passes() -> None:
    finding = judged(deployment_with(rx_pilot()))
    assert finding.verdict is Verdict.PASS and finding.details["prescribed"] == 2


def test_a_qinghai_first_visit_prescription_fails_where_the_beijing_pilot_allows_it() -> None:
    first = [visit(1, prescribed=True)]
    finding = judged(deployment_with(qinghai(first)))
    assert finding.verdict is Verdict.FAIL and "on a first visit" in finding.reason
    assert judged(deployment_with(rx_pilot(first))).verdict is Verdict.PASS


def test_a_follow_up_without_the_patients_records_fails_and_without_the_column_is_inconclusive() -> None:
    finding = judged(deployment_with(qinghai([visit(1, first_visit=False, prescribed=True, records_held=False)])))
    assert finding.verdict is Verdict.FAIL and "without the patient's records" in finding.reason
    finding = judged(deployment_with(qinghai([visit(1, first_visit=False, prescribed=True)])))
    assert finding.verdict is Verdict.INCONCLUSIVE and "病历资料" in finding.reason


def test_an_unreviewed_prescription_fails_naming_the_visit_and_row() -> None:
    vs = visits()
    events = {v.id: REVIEWED if v.prescribed else PLAIN for v in vs}
    events[vs[2].id] = ("visit.start", "visit.consent", "visit.prescription", "visit.end")
    finding = judged(deployment_with(rx_pilot(vs, events)))
    assert finding.verdict is Verdict.FAIL
    assert f"{vs[2].id} (row 4): no pharmacist's review (prescription.review)" in finding.reason
    assert "处方无药师审核事件" in finding.reason_zh


def test_what_cannot_be_seen_is_inconclusive_never_pass() -> None:
    broken = trail(visits(), broken={"line": 3, "seq": 3, "problem": "edited"})
    assert judged(deployment_with(rx_pilot().model_copy(update={"trail": broken}))).verdict is Verdict.INCONCLUSIVE
    no_trail = rx_pilot().model_copy(update={"trail": None, "missing": {"trail": "audit log: no such file"}})
    finding = judged(deployment_with(no_trail))
    assert finding.verdict is Verdict.INCONCLUSIVE and "no such file" in finding.reason
    unsaid = [v.model_copy(update={"prescribed": None}) for v in visits()]
    assert judged(deployment_with(rx_pilot(unsaid, {}))).verdict is Verdict.INCONCLUSIVE
    none = [visit(1, prescribed=False)]
    assert judged(deployment_with(rx_pilot(none))).verdict is Verdict.INCONCLUSIVE  # nothing prescribed: nothing to judge


def test_without_a_programme_it_does_not_apply() -> None:
    assert judged(deployment_with(None)).verdict is Verdict.NOT_APPLICABLE
