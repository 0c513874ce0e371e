"""Online prescriptions: only on follow-up visits where the physician holds the patient's records (QH2019 1; first
visits only inside the Beijing 2026 pilot), and each reviewed by a pharmacist before it is dispensed (BJ2026 二:
处方管理办法).

Judged from a declared programme's visit records (which visits prescribed, first or follow-up, records held) and
its hash-chained audit trail (probes.trail): each `visit.prescription` needs a `prescription.review` after it and
before any `prescription.dispense`. The trail keeps each visit's events in the order written, so the order is the
chain's, not a clock's. Read-only throughout: a file, or a SELECT in a read-only transaction (probes.sql).
"""

from __future__ import annotations

from typing import Any

from checker.catalogue.clauses import cite
from checker.catalogue.common import all_hosts
from checker.model import Basis, Evidence, Finding, Rule, Said, Severity, Status, Verdict
from probes.facts import DeploymentFacts
from probes.facts.pilot import (
    BJ2026_FIRST_VISIT,
    EVENT_DISPENSE,
    EVENT_PRESCRIPTION,
    EVENT_REVIEW,
    PilotFacts,
    Visit,
)

RULE_ID = "QH2019-1-prescriptions"
MAX_LISTED = 20


def review_problem(events: tuple[str, ...]) -> Said | None:
    """What is wrong with one visit's prescriptions in its trail events (None: each reviewed before dispensing)."""
    issued = reviewed = 0
    for event in events:
        if event == EVENT_PRESCRIPTION:
            issued += 1
        elif event == EVENT_REVIEW and reviewed < issued:
            reviewed += 1
        elif event == EVENT_DISPENSE and reviewed == 0:
            return Said("处方在药师审核前已调配发药", "dispensed before a pharmacist's review")
        elif event == EVENT_DISPENSE:
            reviewed -= 1
            issued -= 1
    if issued == 0 and EVENT_PRESCRIPTION not in events:
        return Said("审计日志中没有开具处方事件", f"no {EVENT_PRESCRIPTION} event in the audit trail")
    if reviewed < issued:
        return Said(f"处方无药师审核事件（{EVENT_REVIEW}）", f"no pharmacist's review ({EVENT_REVIEW})")
    return None


def _row(v: Visit, why: list[Said]) -> dict[str, Any]:
    return {"visit": v.id, "row": v.row, "reasons": [w.en for w in why], "reasons_zh": [w.zh for w in why]}


def _listed(rows: list[dict[str, Any]]) -> Said:
    said = Said.join([Said(f"{r['visit']}（第 {r['row']} 行）：{'，'.join(r['reasons_zh'])}",
                           f"{r['visit']} (row {r['row']}): {', '.join(r['reasons'])}") for r in rows[:MAX_LISTED]])
    if len(rows) > MAX_LISTED:
        said += Said(f"；另有 {len(rows) - MAX_LISTED} 项（见详情）", f"; and {len(rows) - MAX_LISTED} more")
    return said


def judged_visits(pilot: PilotFacts) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Prescribing visits that break a requirement, and those the records cannot decide."""
    assert pilot.visits is not None and pilot.trail is not None
    pilot_first_visits = pilot.programme.id == BJ2026_FIRST_VISIT
    problems: list[dict[str, Any]] = []
    unknown: list[dict[str, Any]] = []
    for v in pilot.visits.visits:
        if not v.prescribed:
            continue
        why: list[Said] = []
        doubt: list[Said] = []
        if v.first_visit and not pilot_first_visits:
            why.append(Said("首诊在线开具处方（在线处方仅限复诊）", "prescribed online on a first visit (online "
                            "prescriptions are for follow-up visits only)"))
        elif not v.first_visit and v.records_held is False:
            why.append(Said("复诊开具处方但未记录医师掌握患者病历资料", "prescribed on a follow-up visit without the "
                            "patient's records held"))
        elif not v.first_visit and v.records_held is None:
            doubt.append(Said("就诊记录没有“病历资料”列，无法判断医师是否掌握患者病历资料", "the visit records have no "
                              "病历资料 column: whether the physician held the patient's records cannot be told"))
        problem = review_problem(pilot.trail.events.get(v.id, ()))
        if problem is not None:
            why.append(problem)
        if why:
            problems.append(_row(v, why))
        elif doubt:
            unknown.append(_row(v, doubt))
    return problems, unknown


def _inconclusive(facts: DeploymentFacts, said: Said) -> list[Finding]:
    return [Finding(rule_id=RULE_ID, verdict=Verdict.INCONCLUSIVE, hosts=all_hosts(facts), **said.reason())]


def judge_prescriptions(facts: DeploymentFacts) -> list[Finding]:
    pilot = facts.pilot
    if pilot is None:
        said = Said("清单 ihcheck_programmes 未声明项目（QH2019 或 BJ2026-first-visit），没有可读的就诊记录和审计日志："
                    "本项不适用", "no programme (QH2019 or BJ2026-first-visit) is declared in ihcheck_programmes, so "
                    "there are no visit records or audit trail to read: not applicable")
        return [Finding(rule_id=RULE_ID, verdict=Verdict.NOT_APPLICABLE, hosts=all_hosts(facts), **said.reason())]
    if pilot.visits is None:
        why = pilot.missing.get("visits", "no visit records declared")
        return _inconclusive(facts, Said(f"缺少就诊记录：{pilot.missing_zh.get('visits', why)}",
                                         f"no visit records: {why}"))
    if any(v.prescribed is None for v in pilot.visits.visits):
        return _inconclusive(facts, Said("就诊记录没有“是否开具处方”列：无法判断哪些就诊开具了处方",
                                         "the visit records have no 是否开具处方 column: which visits prescribed "
                                         "cannot be told"))
    trail = pilot.trail
    if trail is None:
        why = pilot.missing.get("trail", "no audit log declared")
        return _inconclusive(facts, Said(f"缺少审计日志，看不到药师审核：{pilot.missing_zh.get('trail', why)}",
                                         f"no audit trail, so no pharmacist's review can be seen: {why}"))
    if trail.check.broken is not None:
        return _inconclusive(facts, Said(f"审计日志 {trail.host}:{trail.path} 的哈希链不完整，其中的审核事件不可信："
                                         f"{trail.check.broken.describe_zh()}",
                                         f"the audit log {trail.host}:{trail.path} is not an intact chain, so its "
                                         f"review events cannot be trusted: {trail.check.broken.describe()}"))
    problems, unknown = judged_visits(pilot)
    prescribed = sum(1 for v in pilot.visits.visits if v.prescribed)
    details = {"prescribed": prescribed, "offending": problems, "unknown": unknown, "programme": pilot.programme.id}
    source = pilot.visits.source
    evidence = (Evidence(basis=Basis.OBSERVED if source.basis == "observed" else Basis.ATTESTED,
                         observations=source.observations,
                         statement=f"visit records: {len(pilot.visits.visits)} from {source.description}, sha256 "
                         f"{source.sha256}"),
                Evidence(host=trail.host, observations=trail.observations,
                         statement=f"audit log {trail.host}:{trail.path}: intact chain of {trail.check.records} "
                         f"record(s), head {trail.check.head}"))

    def found(verdict: Verdict, said: Said) -> list[Finding]:
        return [Finding(rule_id=RULE_ID, verdict=verdict, hosts=all_hosts(facts), evidence=evidence, details=details,
                        **said.reason())]

    if problems:
        listed = _listed(problems)
        return found(Verdict.FAIL, Said(f"{prescribed} 次开具处方的就诊中有 {len(problems)} 次不符合：{listed.zh}",
                                        f"{len(problems)} of {prescribed} prescribing visit(s) break the rules: "
                                        f"{listed.en}"))
    if unknown:
        listed = _listed(unknown)
        return found(Verdict.INCONCLUSIVE, Said(f"{prescribed} 次开具处方的就诊中有 {len(unknown)} 次无法判定："
                                                f"{listed.zh}", f"{len(unknown)} of {prescribed} prescribing visit(s) "
                                                f"cannot be judged: {listed.en}"))
    if not prescribed:
        return found(Verdict.INCONCLUSIVE, Said(f"{len(pilot.visits.visits)} 次就诊均未开具处方：无可判定的处方",
                                                f"none of the {len(pilot.visits.visits)} visit(s) prescribed: "
                                                "nothing to judge"))
    scope = "试点首诊或" if pilot.programme.id == BJ2026_FIRST_VISIT else ""
    scope_en = "a pilot first visit or " if pilot.programme.id == BJ2026_FIRST_VISIT else ""
    return found(Verdict.PASS, Said(f"全部 {prescribed} 次开具处方的就诊均为{scope}掌握病历资料的复诊，"
                                    "每张处方在审计日志中均有药师审核事件且先于调配发药",
                                    f"all {prescribed} prescribing visit(s) were {scope_en}follow-ups with the "
                                    "patient's records held, and every prescription has a pharmacist's review in the "
                                    "audit trail before it was dispensed"))


READING = Said(
    "适用于声明了项目（ihcheck_programmes：QH2019 或 BJ2026-first-visit）的医院，读取其就诊记录与审计日志。"
    "在线处方仅限复诊（北京首诊试点内的首诊除外，其条件由 BJ2026-3-first-visits 判定），"
    "且复诊须记录医师掌握患者病历资料（就诊记录“病历资料”列）；"
    "每次 visit.prescription 之后、任何 prescription.dispense 之前，须有一条 "
    "prescription.review（药师审核）事件（北京 2026 第二条：处方管理办法）。青海 2019 实施意见中关于处方审核的条文"
    "未能找到可核对的公开文本，故不引用。审计日志哈希链不完整、缺少就诊记录或日志、记录未说明是否开具处方或是否掌握"
    "病历资料：无法判定。未声明项目：不适用。",
    "Applies to a hospital that declares a programme (ihcheck_programmes: QH2019 or BJ2026-first-visit), from its "
    "visit records and audit trail. Online prescriptions only on follow-up visits (a first visit inside the Beijing "
    "pilot excepted: its conditions are BJ2026-3-first-visits'), the physician holding the patient's records (the "
    "visit records' 病历资料 column); every visit.prescription needs a prescription.review event (the pharmacist's "
    "review) after it and before any prescription.dispense (Beijing 2026 二: 处方管理办法). The Qinghai opinion's "
    "own clause on prescription review was not found in a text that could be checked, so it is not quoted. An audit "
    "log that is not an intact chain, missing records or log, or records that do not say whether a visit prescribed "
    "or whether the records were held: inconclusive. No programme declared: not applicable.")

PRESCRIPTIONS = Rule(
    id=RULE_ID,
    title="Online prescriptions only on follow-ups with the patient's records, each reviewed by a pharmacist before "
    "dispensing",
    title_zh="医师掌握患者病历资料后在线开具复诊处方，处方经药师审核后调配",
    clause=cite("QH2019:1", interpretation=READING),
    read_with=(cite("BJ2026:2"),),
    severity=Severity.HIGH,
    tags=("pilot", "prescriptions"),
    needs=("pilot",),
    judge=judge_prescriptions,
    since="2026.12",
    status=Status.PREVIEW,
)
RULES: tuple[Rule, ...] = (PRESCRIPTIONS,)
