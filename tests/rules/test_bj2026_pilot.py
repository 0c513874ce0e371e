"""The Beijing 2026 first-visit pilot's rules over constructed facts, and their recorded examples."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from checker.catalogue.bj2026_pilot import FIRST_VISITS, PHYSICIANS, RULES, TRACEABILITY, years_after
from checker.engine import evaluate, rule_verdicts
from checker.model import Basis, Verdict
from probes.facts import DeploymentFacts
from probes.facts.pilot import BrokenLink, WhitelistChange
from tests.rules.pilot_factories import deployment_with, physician, pilot, trail, visit


def judge(rule, p):
    [finding] = rule.judge(deployment_with(p))
    return finding


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_an_undeclared_programme_is_not_applicable_and_says_so(rule) -> None:
    finding = judge(rule, None)
    assert finding.verdict is Verdict.NOT_APPLICABLE
    assert "BJ2026-first-visit" in finding.reason and "not declared in ihcheck_programmes" in finding.reason
    assert "未声明参加北京市 2026 年互联网诊疗首诊试点（BJ2026-first-visit）" in finding.reason_zh


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_a_compliant_pilot_passes(rule) -> None:
    assert judge(rule, pilot()).verdict is Verdict.PASS


def test_physicians_who_fall_short_are_listed_with_every_reason() -> None:
    p = pilot(physicians=[physician(1), physician(2, practice_since=date(2024, 8, 1)),
                          physician(3, training_passed_on=None, title="resident", online_followup_since=None),
                          physician(4, online_followup_since=date(2026, 3, 1)),
                          physician(5, whitelist_status="removed", training_passed_on=None)])
    finding = judge(PHYSICIANS, p)
    assert finding.verdict is Verdict.FAIL
    assert finding.reason.startswith("3 of 4 whitelisted physician(s) fall short on 2026-11-23: ")
    short = {s["physician"]: s["reasons"] for s in finding.details["short"]}
    assert set(short) == {"licence:0000000000000002", "licence:0000000000000003", "licence:0000000000000004"}
    assert short["licence:0000000000000002"] == ["independent practice since 2024-08-01: under 3 years"]
    assert short["licence:0000000000000003"] == ["title resident: below attending (主治医师)",
                                                 "no online follow-up experience recorded",
                                                 "in-house internet diagnosis training not passed"]
    assert "(row 3)" in finding.reason
    assert finding.reason_zh.startswith("4 名“白名单”医师中有 3 名在 2026-11-23 不符合试点要求：")
    assert "licence:0000000000000003（第 4 行）：职称 住院医师（resident）：不具备主治医师及以上职称，" \
        "未记录互联网诊疗复诊临床经验，未完成院内互联网诊疗培训并通过考核" in finding.reason_zh
    assert finding.evidence[0].basis is Basis.ATTESTED  # a file the hospital hands in


def test_three_years_is_counted_to_the_day() -> None:
    assert judge(PHYSICIANS, pilot(physicians=[physician(1, practice_since=date(2023, 11, 23))])).verdict is Verdict.PASS
    assert judge(PHYSICIANS, pilot(physicians=[physician(1, practice_since=date(2023, 11, 24))])).verdict is Verdict.FAIL
    assert years_after(date(2024, 2, 29), 3) == date(2027, 3, 1)


def test_a_roster_without_whitelisted_physicians_or_without_a_roster_is_inconclusive() -> None:
    none_active = judge(PHYSICIANS, pilot(physicians=[physician(1, whitelist_status="suspended")]))
    assert none_active.verdict is Verdict.INCONCLUSIVE and "none active" in none_active.reason
    missing = judge(PHYSICIANS, pilot(roster=False, missing={"roster": "psql on db1 failed: connection refused"}))
    assert missing.verdict is Verdict.INCONCLUSIVE and "connection refused" in missing.reason


def test_first_visits_that_break_a_condition_are_counted_and_named() -> None:
    visits = [visit(1), visit(2, specialty="儿童心理"), visit(3, physician="licence:00000000000000ff"),
              visit(4, started_at=datetime(2025, 12, 31, 23, 0)), visit(5, patient_age=6, guardian_recorded=False),
              visit(6, terminated=True), visit(7, patient_age=None), visit(8, first_visit=False, specialty="x")]
    finding = judge(FIRST_VISITS, pilot(visits=visits))
    assert finding.verdict is Verdict.FAIL and finding.reason.startswith("6 of 7 first visit(s) break")
    reasons = {o["visit"][-1]: o["reasons"] for o in finding.details["offending"]}
    assert reasons == {
        "2": ["specialty 儿童心理 is not a pilot specialty of the approval",
              "specialty 儿童心理 is not physician licence:0000000000000001's (儿童营养)"],
        "3": ["physician licence:00000000000000ff is not on the whitelist"],
        "4": ["physician licence:0000000000000001 whitelisted only from 2026-01-05",
              "on 2025-12-31, outside the pilot period 2026-01-01–2026-12-31"],
        "5": ["child patient (age 6) without a guardian recorded"],
        "6": ["terminated without an offline referral recorded"],
        "7": ["patient age not recorded (cannot tell whether a guardian was needed)"],
    }
    assert finding.details["first_visits"] == 7 and finding.details["visits"] == 8
    assert finding.reason_zh.startswith("7 次首诊中有 6 次不符合试点要求：")
    assert "患儿（6 岁）未记录有监护人陪伴" in finding.reason_zh
    assert "就诊日 2025-12-31 不在试点期 2026-01-01–2026-12-31 内" in finding.reason_zh


def test_a_visit_before_its_physician_was_whitelisted_fails() -> None:
    finding = judge(FIRST_VISITS, pilot(visits=[visit(1, started_at=datetime(2026, 1, 2, 9))]))
    assert finding.verdict is Verdict.FAIL and "whitelisted only from 2026-01-05" in finding.reason


def test_first_visits_without_a_roster_cannot_pass() -> None:
    assert judge(FIRST_VISITS, pilot(roster=False)).verdict is Verdict.INCONCLUSIVE


def test_a_broken_chain_fails_naming_the_record() -> None:
    p = pilot()
    broken = trail(list(p.visits.visits) if p.visits else [], broken={"line": 5, "seq": 5, "problem": "changed"})
    finding = judge(TRACEABILITY, pilot(trail_facts=broken))
    assert finding.verdict is Verdict.FAIL and "line 5 (seq 5): changed" in finding.reason
    assert "不是完整的哈希链：第 5 行（seq 5）：changed" in finding.reason_zh
    assert BrokenLink.model_validate(finding.details["trail"]["broken"]).line == 5


def test_a_visit_missing_its_events_fails() -> None:
    visits = [visit(1), visit(2, terminated=True, referral_recorded=True)]
    events = {visits[0].id: ("visit.start", "visit.end"), visits[1].id: ("visit.start", "visit.consent", "visit.end")}
    finding = judge(TRACEABILITY, pilot(visits=visits, trail_facts=trail(visits, events=events)))
    assert finding.verdict is Verdict.FAIL
    assert [i["missing"] for i in finding.details["incomplete"]] == [["visit.consent"], ["visit.terminate"]]


def test_a_prescription_the_records_show_must_be_in_the_trail() -> None:
    visits = [visit(1, prescribed=True), visit(2, prescribed=False), visit(3)]
    events: dict[str, tuple[str, ...]] = {v.id: ("visit.start", "visit.consent", "visit.end") for v in visits}
    finding = judge(TRACEABILITY, pilot(visits=visits, trail_facts=trail(visits, events=events)))
    assert finding.verdict is Verdict.FAIL
    assert [(i["row"], i["missing"]) for i in finding.details["incomplete"]] == [(2, ["visit.prescription"])]
    events[visits[0].id] = ("visit.start", "visit.consent", "visit.prescription", "visit.end")
    assert judge(TRACEABILITY, pilot(visits=visits, trail_facts=trail(visits, events=events))).verdict is Verdict.PASS


def test_a_trail_that_cannot_be_observed_is_never_a_pass() -> None:
    finding = judge(TRACEABILITY, pilot(trail_facts=None, missing={"trail": "cat: /var/lib/ih/audit.jsonl: No such file"}))
    assert finding.verdict is Verdict.INCONCLUSIVE and "No such file" in finding.reason
    assert judge(TRACEABILITY, pilot(trail_facts=trail([]))).verdict is Verdict.INCONCLUSIVE  # empty log


EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "facts"
BY_ID = {r.id: r for r in RULES}


@pytest.mark.parametrize("example", sorted(
    str(p.relative_to(EXAMPLES)) for rule_id in BY_ID for p in (EXAMPLES / rule_id).glob("*.json")))
def test_examples_keep_their_verdict(example: str) -> None:
    rule_id, name = example.split("/")
    facts = DeploymentFacts.model_validate_json((EXAMPLES / example).read_text(encoding="utf-8"))
    assert rule_verdicts(evaluate(facts, [BY_ID[rule_id]])) == {rule_id: Verdict(name.removesuffix(".json"))}


def test_every_pilot_rule_has_pass_fail_inconclusive_and_not_applicable_examples() -> None:
    for rule_id in BY_ID:
        assert {p.stem for p in (EXAMPLES / rule_id).glob("*.json")} >= {
            "pass", "fail", "inconclusive", "not_applicable"}, rule_id


def test_a_hospital_the_approval_does_not_name_cannot_join_the_pilot_by_declaring_it() -> None:
    facts = pilot(hospital="某某互联网医院")
    for rule in (PHYSICIANS, FIRST_VISITS, TRACEABILITY):
        finding = judge(rule, facts)
        assert finding.verdict is Verdict.FAIL, finding.reason
        assert "is not one the approval names" in finding.reason and "never as a pass" in finding.reason
        assert "不是批复所列的医院" in finding.reason_zh


def test_specialties_and_period_wider_than_the_approval_are_judged_by_the_approval_and_reported() -> None:
    visits = [visit(1), visit(2, specialty="儿童心理", started_at=datetime(2027, 1, 5, 10, 0))]
    facts = pilot(visits=visits, specialties=("儿童生长发育", "儿童营养", "儿童皮肤疾病", "儿童心理"),
                  end=date(2027, 12, 31))
    finding = judge(FIRST_VISITS, facts)
    assert finding.verdict is Verdict.FAIL
    assert "specialty 儿童心理 is not a pilot specialty of the approval" in finding.reason
    assert "outside the pilot period 2026-01-01–2026-12-31" in finding.reason
    assert "declared specialties 儿童心理 beyond the approval's" in finding.reason
    assert "never as a pass" in finding.reason and "不作为符合" in finding.reason_zh
    clean = judge(FIRST_VISITS, pilot(specialties=("儿童生长发育", "儿童营养", "儿童皮肤疾病", "儿童心理")))
    assert clean.verdict is Verdict.INCONCLUSIVE and "declared specialties 儿童心理 beyond" in clean.reason


def test_a_visit_is_judged_against_the_whitelist_as_it_stood_that_day() -> None:
    removed_later = physician(1, whitelist_status="removed", whitelist_since=date(2026, 6, 30),
                              whitelist_history=(WhitelistChange(on=date(2026, 1, 5), status="active"),
                                                 WhitelistChange(on=date(2026, 6, 30), status="removed")))
    before, after = visit(1, started_at=datetime(2026, 3, 1, 9, 0)), visit(2, started_at=datetime(2026, 7, 1, 9, 0))
    assert judge(FIRST_VISITS, pilot(physicians=[removed_later], visits=[before])).verdict is Verdict.PASS
    finding = judge(FIRST_VISITS, pilot(physicians=[removed_later], visits=[before, after]))
    assert finding.verdict is Verdict.FAIL
    assert [o["visit"][-1] for o in finding.details["offending"]] == ["2"]
    assert "not on the whitelist on the day of the visit (2026-07-01: removed)" in finding.reason


def test_without_a_history_a_physician_removed_after_the_visit_is_inconclusive_not_fail() -> None:
    removed = physician(1, whitelist_status="removed", whitelist_since=date(2026, 6, 30))
    finding = judge(FIRST_VISITS, pilot(physicians=[removed], visits=[visit(1, started_at=datetime(2026, 3, 1, 9))]))
    assert finding.verdict is Verdict.INCONCLUSIVE, finding.reason
    assert "the roster has no whitelist history" in finding.reason and "名册没有白名单历史" in finding.reason_zh


def test_a_visit_outside_the_physicians_own_specialty_fails() -> None:
    finding = judge(FIRST_VISITS, pilot(visits=[visit(1, specialty="儿童皮肤疾病")]))
    assert finding.verdict is Verdict.FAIL
    assert "specialty 儿童皮肤疾病 is not physician licence:0000000000000001's (儿童营养)" in finding.reason


def test_an_intact_chain_without_an_anchored_head_is_not_append_only() -> None:
    finding = judge(TRACEABILITY, pilot(head=None))
    assert finding.verdict is Verdict.INCONCLUSIVE, finding.reason
    assert "intact chain, not anchored" in finding.reason and "哈希链完整，未锚定" in finding.reason_zh
    assert judge(TRACEABILITY, pilot()).verdict is Verdict.PASS
