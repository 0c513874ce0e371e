"""The staff rules over constructed rosters: what passes, what fails and what cannot be told."""

from __future__ import annotations

from datetime import date

from checker.catalogue.staff import RULES
from checker.engine import evaluate, rule_verdicts
from checker.model import Basis, Verdict
from tests.rules.staff_factories import deployment_with, member, roster, staff_facts


def judged(facts: object) -> tuple[dict[str, Verdict], dict[str, object]]:
    findings = evaluate(facts, RULES)  # type: ignore[arg-type]
    return rule_verdicts(findings), {f.rule_id: f for f in findings}


def test_a_complete_roster_passes_as_attested_never_observed() -> None:
    verdicts, found = judged(deployment_with(staff_facts()))
    assert verdicts == {"GD2020-1.1.3-staff": Verdict.PASS, "GD2020-4.3-principal": Verdict.PASS}
    for finding in found.values():
        assert {e.basis for e in finding.evidence} == {Basis.ATTESTED}  # type: ignore[attr-defined]
        assert "attested" in finding.reason and "经文件证明" in finding.reason_zh  # type: ignore[attr-defined]


def test_no_it_professional_on_duty_and_an_expired_certificate_fail_naming_them() -> None:
    members = [*roster()[:2], member(3, valid_until=date(2026, 6, 30)), member(4, category="it", active=False)]
    verdicts, found = judged(deployment_with(staff_facts(members)))
    assert verdicts["GD2020-1.1.3-staff"] is Verdict.FAIL
    reason = found["GD2020-1.1.3-staff"].reason  # type: ignore[attr-defined]
    assert "no information technology professionals on duty" in reason
    assert "(row 4): certificate expired on 2026-06-30" in reason


def test_a_health_professional_without_a_certificate_number_fails() -> None:
    verdicts, _ = judged(deployment_with(staff_facts([*roster(), member(5, qualification=None)])))
    assert verdicts["GD2020-1.1.3-staff"] is Verdict.FAIL


def test_third_parties_staff_are_held_to_the_same_and_a_silent_third_party_is_inconclusive() -> None:
    vendor = "某某互联网医疗科技有限公司"
    ok = staff_facts([*roster(), member(6, category="it", organisation=vendor)], third_parties=(vendor,))
    assert judged(deployment_with(ok))[0]["GD2020-1.1.3-staff"] is Verdict.PASS
    unqualified = staff_facts([*roster(), member(6, organisation=vendor, qualification=None)], third_parties=(vendor,))
    verdicts, found = judged(deployment_with(unqualified))
    assert verdicts["GD2020-1.1.3-staff"] is Verdict.FAIL and vendor in found["GD2020-1.1.3-staff"].reason  # type: ignore[attr-defined]
    silent = staff_facts(roster(), third_parties=(vendor,))
    verdicts, found = judged(deployment_with(silent))
    assert verdicts["GD2020-1.1.3-staff"] is Verdict.INCONCLUSIVE
    assert "cannot be told" in found["GD2020-1.1.3-staff"].reason  # type: ignore[attr-defined]


def test_a_third_partys_it_staff_does_not_stand_in_for_the_hospitals_own() -> None:
    vendor = "某某互联网医疗科技有限公司"
    facts = staff_facts([*roster()[:3], member(6, category="it", organisation=vendor)], third_parties=(vendor,))
    assert judged(deployment_with(facts))[0]["GD2020-1.1.3-staff"] is Verdict.FAIL


def test_two_principals_or_a_departed_one_fail() -> None:
    two = [*roster(), member(7, category="management", role="主要负责人", principal=True, qualification=None)]
    assert judged(deployment_with(staff_facts(two)))[0]["GD2020-4.3-principal"] is Verdict.FAIL
    gone = [roster()[0].model_copy(update={"active": False}), *roster()[1:]]
    assert judged(deployment_with(staff_facts(gone)))[0]["GD2020-4.3-principal"] is Verdict.FAIL


def test_without_a_roster_both_are_inconclusive_and_say_why() -> None:
    verdicts, found = judged(deployment_with(None))
    assert set(verdicts.values()) == {Verdict.INCONCLUSIVE}
    assert "ihcheck_staff.roster" in found["GD2020-4.3-principal"].reason  # type: ignore[attr-defined]
    verdicts, found = judged(deployment_with(staff_facts(missing="psql on db1 failed: no relation hr.staff")))
    assert set(verdicts.values()) == {Verdict.INCONCLUSIVE}
    assert "hr.staff" in found["GD2020-1.1.3-staff"].reason  # type: ignore[attr-defined]
