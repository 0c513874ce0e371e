"""Beijing 2026 internet first-visit pilot (国家卫生健康委同意北京市规范开展互联网诊疗首诊试点): physicians,
first-visit records, traceability.

These rules apply only to a hospital that declares the programme (`ihcheck_programmes`, id
`BJ2026-first-visit`); for anyone else they are `not_applicable` and say so. They judge
`facts.pilot` (probes.pilot): a roster or visit export the inventory names is attested by the
hospital, a read-only query's result and the audit log read from a host are observed. "Today" is
the day the facts were collected (`PilotFacts.as_of`), so each rule stays a pure function of its facts.
Personal data arrives already pseudonymised; findings name physicians and visits by pseudonym and
by their row in the source, which the hospital can look up.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from checker.catalogue.clauses import cite
from checker.catalogue.common import all_hosts
from checker.model import Basis, Evidence, Finding, Rule, Said, Severity, Verdict
from probes.facts import DeploymentFacts
from probes.facts.pilot import (
    BJ2026_FIRST_VISIT,
    BJ2026_HOSPITALS,
    BJ2026_SPECIALTIES,
    EVENT_CONSENT,
    EVENT_END,
    EVENT_PRESCRIPTION,
    EVENT_START,
    EVENT_TERMINATE,
    PilotFacts,
    Programme,
    Source,
)

PHYSICIANS_ID = "BJ2026-3-physicians"
FIRST_VISITS_ID = "BJ2026-3-first-visits"
TRACEABILITY_ID = "BJ2026-1-traceability"

MIN_PRACTICE_YEARS = 3
# The professional ladder (卫生专业技术职务): attending (主治医师) or above is what the pilot plan asks.
TITLE_RANK: dict[str, int] = {"assistant": 0, "resident": 1, "attending": 2, "associate-chief": 3, "chief": 4}
CHILD_UNDER = 18  # 未成年人 (under 18): a child's first visit needs a guardian
MIN_ONLINE_YEARS = 1
MAX_LISTED = 20  # offending records named in the reason; all of them are in details
# 六: the approval's period. The hospitals and specialties it names are probes.facts.pilot's BJ2026_*.
APPROVED_START, APPROVED_END = date(2026, 1, 1), date(2026, 12, 31)

PLAN_ZH = ("根据试点要求,首诊医师应依法取得相应执业资质,具有3年以上独立临床工作经验,且具备主治医师及以上职称。"
           "还需具备1年以上的互联网诊疗复诊临床经验,完成院内互联网诊疗培训并通过考核。")


# The professional titles (卫生专业技术职务) as the roster's Chinese column names them (probes.pilot reads them).
TITLE_ZH: dict[str, str] = {"assistant": "医士", "resident": "住院医师", "attending": "主治医师",
                            "associate-chief": "副主任医师", "chief": "主任医师"}
# What each part of the pilot's records is called in a Chinese reason.
PART_ZH = {"roster": "医师名册", "visits": "就诊记录", "trail": "审计日志"}


def _not_declared(rule_id: str, facts: DeploymentFacts) -> list[Finding] | None:
    if facts.pilot is not None and facts.pilot.programme.id == BJ2026_FIRST_VISIT:
        return None
    said = Said(f"清单 ihcheck_programmes 未声明参加北京市 2026 年互联网诊疗首诊试点（{BJ2026_FIRST_VISIT}）："
                "试点规则不适用于本部署",
                f"the Beijing 2026 first-visit pilot ({BJ2026_FIRST_VISIT}) is not declared in "
                "ihcheck_programmes: its rules do not apply to this deployment")
    return [Finding(rule_id=rule_id, verdict=Verdict.NOT_APPLICABLE, hosts=all_hosts(facts), **said.reason())]


def approved_terms(programme: Programme) -> tuple[tuple[str, ...], date, date, list[Said]]:
    """The specialties and period a visit is judged against: the declaration's, never wider than the approval's;
    and each way the declaration goes beyond the approval (an override, reported, never a pass)."""
    overrides: list[Said] = []
    extra = [s for s in programme.specialties if s not in BJ2026_SPECIALTIES]
    if extra:
        overrides.append(Said(f"声明的专业 {'、'.join(extra)} 超出批复的 {'、'.join(BJ2026_SPECIALTIES)}",
                              f"declared specialties {', '.join(extra)} beyond the approval's "
                              f"{', '.join(BJ2026_SPECIALTIES)}"))
    if programme.start < APPROVED_START or programme.end > APPROVED_END:
        overrides.append(Said(f"声明的试点期 {programme.start.isoformat()}–{programme.end.isoformat()} 超出批复的 "
                              f"{APPROVED_START.isoformat()}–{APPROVED_END.isoformat()}",
                              f"declared period {programme.start.isoformat()}–{programme.end.isoformat()} beyond the "
                              f"approval's {APPROVED_START.isoformat()}–{APPROVED_END.isoformat()}"))
    specialties = tuple(s for s in programme.specialties if s in BJ2026_SPECIALTIES)
    return specialties, max(programme.start, APPROVED_START), min(programme.end, APPROVED_END), overrides


def _unapproved(rule_id: str, facts: DeploymentFacts) -> list[Finding] | None:
    """A hospital the approval does not name cannot join the pilot by declaring it: fail, naming the override."""
    assert facts.pilot is not None
    hospital = facts.pilot.programme.hospital
    if hospital in BJ2026_HOSPITALS:
        return None
    said = Said(f"声明参加试点的医院“{hospital}”不是批复所列的医院（{'、'.join(BJ2026_HOSPITALS)}）：清单声明不能使其"
                "加入试点，这是越出批复的声明，不是符合",
                f"the hospital declaring the pilot, {hospital!r}, is not one the approval names "
                f"({', '.join(BJ2026_HOSPITALS)}): a declaration cannot join it to the pilot; reported as an "
                "override, never as a pass")
    return [Finding(rule_id=rule_id, verdict=Verdict.FAIL, hosts=all_hosts(facts), **said.reason(),
                    details={"override": {"hospital": hospital, "approved": list(BJ2026_HOSPITALS)}})]


def _missing(pilot: PilotFacts, part: str, undeclared: Said) -> Said:
    """Why a part of the records is absent: `undeclared` when the probe said nothing; else what the probe
    said, in both languages. Facts recorded before the probe said it in Chinese quote its English words
    after a Chinese lead."""
    if part not in pilot.missing:
        return undeclared
    said = pilot.missing[part]
    return Said(pilot.missing_zh.get(part) or f"无法取得{PART_ZH[part]}：{said}", said)


def _basis(source: Source) -> Basis:
    return Basis.OBSERVED if source.basis == "observed" else Basis.ATTESTED


def _basis_zh(source: Source) -> str:
    """How a reason ends on its basis: what was read from a host, or what a file the hospital handed in says."""
    return "（观测到）" if source.basis == "observed" else "，经文件证明（非观测）"


def _source_evidence(kind: str, source: Source, count: int, pilot: PilotFacts) -> Evidence:
    encoding = f", read as {source.encoding}" if source.encoding else ""
    return Evidence(basis=_basis(source), observations=source.observations,
                    statement=f"{kind}: {count} record(s) from {source.description}{encoding}, sha256 {source.sha256}; "
                    f"{pilot.pseudonyms}")


def years_after(start: date, years: int) -> date:
    """The day `years` whole years after `start` (29 February → 1 March)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return date(start.year + years, 3, 1)


def _listed(items: list[Said]) -> Said:
    listed = Said.join(items[:MAX_LISTED])
    if len(items) > MAX_LISTED:
        more = len(items) - MAX_LISTED
        listed += Said(f"；另有 {more} 项（见详情）", f"; and {more} more (see details)")
    return listed


# ---------------------------------------------------------------------------------------------- physicians

def physician_shortfalls(pilot: PilotFacts) -> list[dict[str, Any]]:
    """Each whitelisted physician who falls short at the check date, with every reason (in both languages:
    `reasons` English, `reasons_zh` Chinese, worded as the pilot plan words each requirement)."""
    assert pilot.roster is not None
    today = pilot.as_of
    rows: list[dict[str, Any]] = []
    for p in pilot.roster.physicians:
        if p.whitelist_status != "active":
            continue
        why: list[Said] = []
        if years_after(p.practice_since, MIN_PRACTICE_YEARS) > today:
            since = p.practice_since.isoformat()
            why.append(Said(f"自 {since} 起独立从事临床工作：不足 {MIN_PRACTICE_YEARS} 年独立临床工作经验",
                            f"independent practice since {since}: under {MIN_PRACTICE_YEARS} years"))
        if TITLE_RANK[p.title] < TITLE_RANK["attending"]:
            why.append(Said(f"职称 {TITLE_ZH[p.title]}（{p.title}）：不具备主治医师及以上职称",
                            f"title {p.title}: below attending (主治医师)"))
        if p.online_followup_since is None:
            why.append(Said("未记录互联网诊疗复诊临床经验", "no online follow-up experience recorded"))
        elif years_after(p.online_followup_since, MIN_ONLINE_YEARS) > today:
            since = p.online_followup_since.isoformat()
            why.append(Said(f"自 {since} 起开展互联网诊疗复诊：不足 {MIN_ONLINE_YEARS} 年互联网诊疗复诊临床经验",
                            f"online follow-up since {since}: under {MIN_ONLINE_YEARS} year"))
        if p.training_passed_on is None:
            why.append(Said("未完成院内互联网诊疗培训并通过考核", "in-house internet diagnosis training not passed"))
        if why:
            rows.append({"physician": p.id, "row": p.row, "reasons": [w.en for w in why],
                         "reasons_zh": [w.zh for w in why]})
    return rows


def judge_physicians(facts: DeploymentFacts) -> list[Finding]:
    if (na := _not_declared(PHYSICIANS_ID, facts) or _unapproved(PHYSICIANS_ID, facts)) is not None:
        return na
    pilot = facts.pilot
    assert pilot is not None
    hosts = all_hosts(facts)
    if pilot.roster is None:
        undeclared = Said("清单未声明医师名册（ihcheck_programmes[].roster：文件或只读查询）",
                          "no physician roster declared (ihcheck_programmes[].roster: a file or a read-only query)")
        return [Finding(rule_id=PHYSICIANS_ID, verdict=Verdict.INCONCLUSIVE, hosts=hosts,
                        **_missing(pilot, "roster", undeclared).reason())]
    roster = pilot.roster
    active = [p for p in roster.physicians if p.whitelist_status == "active"]
    status = Counter(p.whitelist_status for p in roster.physicians)
    evidence = [_source_evidence("physician roster", roster.source, len(roster.physicians), pilot)]
    short = physician_shortfalls(pilot)
    details = {"as_of": pilot.as_of.isoformat(), "whitelist": dict(status), "short": short,
               "requirements": {"practice_years": MIN_PRACTICE_YEARS, "online_followup_years": MIN_ONLINE_YEARS,
                                "title": "attending or above", "training": "passed"}}
    on = pilot.as_of.isoformat()
    if not active:
        said = Said(f"医师名册列出 {len(roster.physicians)} 名医师，无一在“白名单”中处于在册状态（白名单状态 在册）："
                    "无可判定的医师",
                    f"the roster lists {len(roster.physicians)} physician(s), none active on the whitelist "
                    "(白名单状态 在册): nothing to judge")
        return [Finding(rule_id=PHYSICIANS_ID, verdict=Verdict.INCONCLUSIVE, hosts=hosts, evidence=tuple(evidence),
                        details=details, **said.reason())]
    if short:
        listed = _listed([Said(f"{s['physician']}（第 {s['row']} 行）：{'，'.join(s['reasons_zh'])}",
                               f"{s['physician']} (row {s['row']}): {', '.join(s['reasons'])}") for s in short])
        said = Said(f"{len(active)} 名“白名单”医师中有 {len(short)} 名在 {on} 不符合试点要求：{listed.zh}",
                    f"{len(short)} of {len(active)} whitelisted physician(s) fall short on {on}: {listed.en}")
        return [Finding(rule_id=PHYSICIANS_ID, verdict=Verdict.FAIL, hosts=hosts, evidence=tuple(evidence),
                        details=details, **said.reason())]
    said = Said(f"全部 {len(active)} 名“白名单”医师在 {on} 均符合各项要求{_basis_zh(roster.source)}",
                f"all {len(active)} whitelisted physician(s) meet every requirement on {on} "
                f"({_basis(roster.source).value})")
    return [Finding(rule_id=PHYSICIANS_ID, verdict=Verdict.PASS, hosts=hosts, evidence=tuple(evidence), details=details,
                    **said.reason())]


# ---------------------------------------------------------------------------------------------- first visits

def visit_problems(pilot: PilotFacts) -> list[dict[str, Any]]:
    """Each first visit that breaks a requirement, with every reason (`reasons` English, `reasons_zh` Chinese).
    A visit whose physician's whitelist status on that day the roster cannot tell is in `visit_unknowns`."""
    return _visits_judged(pilot)[0]


def visit_unknowns(pilot: PilotFacts) -> list[dict[str, Any]]:
    return _visits_judged(pilot)[1]


def _visits_judged(pilot: PilotFacts) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    assert pilot.visits is not None
    specialties, start, end, _ = approved_terms(pilot.programme)
    physicians = {} if pilot.roster is None else {p.id: p for p in pilot.roster.physicians}
    rows: list[dict[str, Any]] = []
    unknown: list[dict[str, Any]] = []
    for v in pilot.visits.visits:
        if not v.first_visit:
            continue
        why: list[Said] = []
        doubt: list[Said] = []
        day = v.started_at.date()
        if v.specialty not in specialties:
            why.append(Said(f"专业 {v.specialty or '（无）'} 不是批复的试点专业",
                            f"specialty {v.specialty or '(none)'} is not a pilot specialty of the approval"))
        if pilot.roster is not None:
            physician = physicians.get(v.physician or "")
            status = physician.whitelist_on(day) if physician is not None else "none"
            if physician is None or (status == "none" and physician.whitelist_since is None):
                why.append(Said(f"医师 {v.physician or '（无）'} 不在“白名单”中",
                                f"physician {v.physician or '(none)'} is not on the whitelist"))
            elif status is None:
                doubt.append(Said(f"医师 {physician.id} 现为 {physician.whitelist_status}（自 "
                                  f"{physician.whitelist_since}），名册没有白名单历史，无法判断 {day.isoformat()} "
                                  "当天是否在册",
                                  f"physician {physician.id} is {physician.whitelist_status} since "
                                  f"{physician.whitelist_since} and the roster has no whitelist history: whether "
                                  f"they were listed on {day.isoformat()} cannot be told"))
            elif status == "none" and not physician.whitelist_history and physician.whitelist_since is not None:
                since = physician.whitelist_since.isoformat()
                why.append(Said(f"医师 {physician.id} 自 {since} 起才列入“白名单”",
                                f"physician {physician.id} whitelisted only from {since}"))
            elif status != "active":
                why.append(Said(f"医师 {physician.id} 在就诊当天（{day.isoformat()}）不在“白名单”中（{status}）",
                                f"physician {physician.id} not on the whitelist on the day of the visit "
                                f"({day.isoformat()}: {status})"))
            if physician is not None and physician.specialties and v.specialty not in physician.specialties:
                why.append(Said(f"就诊专业 {v.specialty or '（无）'} 不是医师 {physician.id} 的专业"
                                f"（{'、'.join(physician.specialties)}）",
                                f"specialty {v.specialty or '(none)'} is not physician {physician.id}'s "
                                f"({', '.join(physician.specialties)})"))
        if not start <= day <= end:
            period = f"{start.isoformat()}–{end.isoformat()}"
            why.append(Said(f"就诊日 {day.isoformat()} 不在试点期 {period} 内",
                            f"on {day.isoformat()}, outside the pilot period {period}"))
        if v.patient_age is None:
            why.append(Said("未记录患者年龄（无法判断是否须确定患儿有监护人陪伴）",
                            "patient age not recorded (cannot tell whether a guardian was needed)"))
        elif v.patient_age < CHILD_UNDER and not v.guardian_recorded:
            why.append(Said(f"患儿（{v.patient_age} 岁）未记录有监护人陪伴",
                            f"child patient (age {v.patient_age}) without a guardian recorded"))
        if v.terminated and not v.referral_recorded:
            why.append(Said("终止互联网诊疗后未记录引导患者到实体医疗机构就诊",
                            "terminated without an offline referral recorded"))
        if why:
            rows.append({"visit": v.id, "row": v.row, "reasons": [w.en for w in why],
                         "reasons_zh": [w.zh for w in why]})
        elif doubt:
            unknown.append({"visit": v.id, "row": v.row, "reasons": [w.en for w in doubt],
                            "reasons_zh": [w.zh for w in doubt]})
    return rows, unknown


def _visit_rows(rows: list[dict[str, Any]]) -> Said:
    """Visits with their reasons, as a reason lists them (the first MAX_LISTED; all are in details)."""
    return _listed([Said(f"{r['visit']}（第 {r['row']} 行）：{'，'.join(r['reasons_zh'])}",
                         f"{r['visit']} (row {r['row']}): {', '.join(r['reasons'])}") for r in rows])


def judge_first_visits(facts: DeploymentFacts) -> list[Finding]:
    if (na := _not_declared(FIRST_VISITS_ID, facts) or _unapproved(FIRST_VISITS_ID, facts)) is not None:
        return na
    pilot = facts.pilot
    assert pilot is not None
    hosts = all_hosts(facts)
    if pilot.visits is None:
        undeclared = Said("清单未声明首诊就诊记录（ihcheck_programmes[].visits：文件或只读查询）",
                          "no first-visit records declared (ihcheck_programmes[].visits: a file or a read-only query)")
        return [Finding(rule_id=FIRST_VISITS_ID, verdict=Verdict.INCONCLUSIVE, hosts=hosts,
                        **_missing(pilot, "visits", undeclared).reason())]
    visits = pilot.visits.visits
    first = [v for v in visits if v.first_visit]
    evidence = [_source_evidence("visit records", pilot.visits.source, len(visits), pilot)]
    if pilot.roster is not None:
        evidence.append(_source_evidence("physician roster", pilot.roster.source, len(pilot.roster.physicians), pilot))
    problems, unknown = _visits_judged(pilot)
    specialties, start, end, overrides = approved_terms(pilot.programme)
    counts = Counter(reason.split(" ")[0] for p in problems for reason in p["reasons"])
    details = {"visits": len(visits), "first_visits": len(first), "offending": problems,
               "children": sum(1 for v in first if v.patient_age is not None and v.patient_age < CHILD_UNDER),
               "terminated": sum(1 for v in first if v.terminated), "problem_kinds": dict(counts),
               "specialties": list(specialties), "period": [start.isoformat(), end.isoformat()],
               "overrides": [o.en for o in overrides], "unknown": unknown}
    override = Said.join(overrides)
    def found(verdict: Verdict, said: Said) -> list[Finding]:
        return [Finding(rule_id=FIRST_VISITS_ID, verdict=verdict, hosts=hosts, evidence=tuple(evidence),
                        details=details, **said.reason())]

    beyond = (Said(f"；声明越出批复（已按批复判定，不作为符合）：{override.zh}",
                   f"; the declaration goes beyond the approval (judged by the approval, never as a pass): "
                   f"{override.en}") if overrides else Said("", ""))
    if problems:
        listed = _visit_rows(problems)
        said = Said(f"{len(first)} 次首诊中有 {len(problems)} 次不符合试点要求：{listed.zh}",
                    f"{len(problems)} of {len(first)} first visit(s) break the pilot's conditions: "
                    f"{listed.en}") + beyond
        return found(Verdict.FAIL, said)
    if not first:
        said = Said(f"共 {len(visits)} 条就诊记录，其中没有首诊：无可判定的首诊",
                    f"{len(visits)} visit record(s), no first visit among them: nothing to judge")
        return found(Verdict.INCONCLUSIVE, said)
    if pilot.roster is None:
        why = _missing(pilot, "roster", Said("清单未声明医师名册", "no roster declared"))
        said = Said(f"{len(first)} 次首诊在其他方面均符合要求，但缺少医师名册，无法判断接诊医师是否在“白名单”中："
                    f"{why.zh}",
                    f"{len(first)} first visit(s) otherwise in order, but without the physician roster it cannot be "
                    f"told whether their physicians were whitelisted: {why.en}")
        return found(Verdict.INCONCLUSIVE, said)
    if unknown:
        listed = _visit_rows(unknown)
        said = Said(f"{len(first)} 次首诊中有 {len(unknown)} 次无法按就诊当天的“白名单”判定：{listed.zh}",
                    f"{len(unknown)} of {len(first)} first visit(s) cannot be judged against the whitelist as it "
                    f"stood that day: {listed.en}") + beyond
        return found(Verdict.INCONCLUSIVE, said)
    if overrides:
        said = Said(f"{len(first)} 次首诊在批复范围内均符合要求", f"{len(first)} first visit(s) in order under the "
                    "approval's terms") + beyond
        return found(Verdict.INCONCLUSIVE, said)
    said = Said(f"全部 {len(first)} 次首诊均属试点专业、由“白名单”医师接诊、在试点期内；{details['children']} 次儿童"
                f"首诊均记录有监护人陪伴，{details['terminated']} 次终止的首诊均已引导患者到实体医疗机构就诊",
                f"all {len(first)} first visit(s): pilot specialty, whitelisted physician, inside the pilot period; "
                f"{details['children']} child visit(s) with a guardian recorded, {details['terminated']} terminated "
                "visit(s) referred offline")
    return found(Verdict.PASS, said)


# ---------------------------------------------------------------------------------------------- traceability

def missing_events(events: tuple[str, ...], terminated: bool, prescribed: bool | None = None) -> list[str]:
    seen = set(events)
    needed = [EVENT_START, EVENT_CONSENT, *([EVENT_PRESCRIPTION] if prescribed else []),
              EVENT_TERMINATE if terminated else EVENT_END]
    absent = [e for e in needed if e not in seen]
    if not terminated and EVENT_END not in seen and EVENT_TERMINATE in seen:
        absent = [e for e in absent if e != EVENT_END]  # terminated in the trail: its end is the termination
    return absent


def judge_traceability(facts: DeploymentFacts) -> list[Finding]:
    if (na := _not_declared(TRACEABILITY_ID, facts) or _unapproved(TRACEABILITY_ID, facts)) is not None:
        return na
    return traceability(facts, TRACEABILITY_ID)


def traceability(facts: DeploymentFacts, rule_id: str) -> list[Finding]:
    """The declared programme's audit trail judged (whichever programme's rule asks: Beijing 一, Qinghai 30)."""
    pilot = facts.pilot
    assert pilot is not None
    hosts = all_hosts(facts)
    trail = pilot.trail
    if trail is None:
        undeclared = Said("清单未声明审计日志（ihcheck_programmes[].audit_log：哈希链接日志所在的主机和路径，见 README "
                          "\"Audit trail format\"）；无法观测诊疗活动是否全程留痕、可追溯",
                          "no audit trail declared (ihcheck_programmes[].audit_log: host and path of a hash-chained "
                          "log, README \"Audit trail format\"); that the activity is 全程留痕、可追溯 cannot be "
                          "observed")
        return [Finding(rule_id=rule_id, verdict=Verdict.INCONCLUSIVE, hosts=hosts,
                        **_missing(pilot, "trail", undeclared).reason())]
    check = trail.check
    head = Evidence(host=trail.host, observations=trail.observations,
                    statement=f"audit log {trail.host}:{trail.path}: "
                    + (f"{check.records} record(s) hold before the broken link at {check.broken.describe()}"
                       if check.broken is not None else
                       f"{check.records} record(s)" + (f", seq {check.first_seq}–{check.last_seq}" if check.records
                                                       else "")
                       + f", head {check.head} (keep it: the next check can pass it as audit_log.head)")
                    + f", file sha256 {check.sha256}")
    details: dict[str, Any] = {"trail": check.model_dump(mode="json"), "visits_in_trail": len(trail.events)}
    log = f"{trail.host}:{trail.path}"
    if check.broken is not None:
        said = Said(f"审计日志 {log} 不是完整的哈希链：{check.broken.describe_zh()}",
                    f"the audit log {log} is not an intact hash chain: {check.broken.describe()}")
        return [Finding(rule_id=rule_id, verdict=Verdict.FAIL, hosts=(trail.host,), evidence=(head,),
                        details=details, **said.reason())]
    if check.records == 0:
        said = Said(f"审计日志 {log} 中没有任何记录", f"the audit log {log} holds no record")
        return [Finding(rule_id=rule_id, verdict=Verdict.INCONCLUSIVE, hosts=(trail.host,), evidence=(head,),
                        details=details, **said.reason())]
    if pilot.visits is None:
        why = _missing(pilot, "visits", Said("清单未声明就诊记录", "no visit records declared"))
        said = Said(f"审计日志的哈希链完整，但缺少就诊记录，无法判断每次就诊是否均已记入日志：{why.zh}",
                    "the audit log's chain is intact, but without the visit records it cannot be told whether "
                    f"every visit is in it: {why.en}")
        return [Finding(rule_id=rule_id, verdict=Verdict.INCONCLUSIVE, hosts=hosts, evidence=(head,),
                        details=details, **said.reason())]
    incomplete: list[dict[str, Any]] = []
    for v in pilot.visits.visits:
        absent = missing_events(trail.events.get(v.id, ()), v.terminated, v.prescribed)
        if absent:
            incomplete.append({"visit": v.id, "row": v.row, "missing": absent})
    details["incomplete"] = incomplete
    evidence: tuple[Evidence, ...] = (
        head, _source_evidence("visit records", pilot.visits.source, len(pilot.visits.visits), pilot))
    count = len(pilot.visits.visits)
    if incomplete:
        listed = _listed([Said(f"{i['visit']}（第 {i['row']} 行）：缺少 {'、'.join(i['missing'])}",
                               f"{i['visit']} (row {i['row']}): no {', '.join(i['missing'])}") for i in incomplete])
        said = Said(f"{count} 次就诊中有 {len(incomplete)} 次在审计日志中缺少事件：{listed.zh}",
                    f"{len(incomplete)} of {count} visit(s) lack events in the audit log: {listed.en}")
        return [Finding(rule_id=rule_id, verdict=Verdict.FAIL, hosts=hosts, evidence=evidence, details=details,
                        **said.reason())]
    anchor = pilot.programme.audit_log.head if pilot.programme.audit_log is not None else None
    details["anchored_head"] = anchor
    if anchor is None or anchor != check.head:
        said = Said(f"{trail.host} 上的审计日志是由 {check.records} 条记录组成的完整哈希链，全部 {count} 次就诊的"
                    "事件均在其中，但链头未锚定（哈希链完整，未锚定）：能重写该文件的人也能重算全部哈希，"
                    "“只增不改”无法证明；请把上次检查保存的或监管平台持有的链头"
                    f"（本次为 {check.head}）声明为 audit_log.head",
                    f"the audit log on {trail.host} is an intact hash chain of {check.records} record(s) holding every "
                    f"one of the {count} visit(s)' events, but its head is not anchored (intact chain, not anchored): "
                    "whoever can rewrite the file can recompute every hash, so append-only (只增不改) is not shown; "
                    f"declare the head kept at the last check or held by the platform (today's is {check.head}) as "
                    "audit_log.head")
        return [Finding(rule_id=rule_id, verdict=Verdict.INCONCLUSIVE, hosts=hosts, evidence=evidence,
                        details=details, **said.reason())]
    evidence = (*evidence, Evidence(host=trail.host, basis=Basis.DECLARED,
                                    statement=f"anchored head {anchor} declared in "
                                    "ihcheck_programmes[].audit_log.head; the log was verified to end there"))
    said = Said(f"{trail.host} 上的审计日志是由 {check.records} 条记录组成的完整哈希链（观测到），全部 {count} 次就诊"
                "均在其中记有开始、知情同意、开具处方（如有）以及结束或终止事件",
                f"the audit log on {trail.host} is an intact hash chain of {check.records} record(s) (observed) and "
                f"every one of the {count} visit(s) has its start, consent, prescription where one was issued, and "
                "end or termination in it") + Said(f"；日志结束于声明的锚定链头 {anchor[:16]}…",
                                                    f"; it ends at the declared anchored head {anchor[:16]}…")
    return [Finding(rule_id=rule_id, verdict=Verdict.PASS, hosts=hosts, evidence=evidence, details=details,
                    **said.reason())]


APPROVAL_ZH = ("只适用于批复所列的医院（首都医科大学附属北京儿童医院、首都医科大学附属首都儿童医学中心）："
               "其他医院声明参加试点，本项不符合，并说明这是越出批复的声明。")
APPROVAL_EN = ("Only for the hospitals the approval names (首都医科大学附属北京儿童医院, "
               "首都医科大学附属首都儿童医学中心): any other hospital declaring the pilot fails, the finding "
               "naming the declaration as an override. ")
PHYSICIANS_READING_ZH = (APPROVAL_ZH + "名册为医院提供的文件时记为经文件证明，为只读查询结果时记为观测。“白名单”在册"
                         "医师须有执业证书编码、3年以上独立临床工作经验，并（据新华社报道的试点方案）具备主治医师及以上"
                         "职称、1年以上互联网诊疗复诊临床经验，且通过院内培训考核；暂停或移出的医师只计数不判定。")
FIRST_VISITS_READING_ZH = (APPROVAL_ZH + "每次首诊须属批复的试点专业（儿童生长发育、儿童营养、儿童皮肤疾病）"
                           "且属接诊医师本人的专业，在批复的试点期（2026-01-01 至 2026-12-31）内，"
                           "由就诊当天在“白名单”中的医师接诊："
                           "按名册的白名单历史（白名单历史列）判定当天状态；名册没有历史而医师的现状态始于就诊之后时，"
                           "无法判定，而不是不符合。声明的专业或试点期可以比批复窄，不能更宽：更宽的部分按批复判定，并在"
                           f"结论中作为越出批复的声明列出，不作为符合（其余均符合时为无法判定）。未满 {CHILD_UNDER} 岁"
                           "的患者须记录监护人陪伴，终止的首诊须记录引导至实体医疗机构。")
TRACEABILITY_READING_ZH = (APPROVAL_ZH + "从保存审计日志的主机读取，按 ihcheck.trail/1 哈希链校验："
                           "任何被修改、删除或重排的记录均为"
                           "不符合并指明位置。每次就诊须有开始、知情同意、开具处方（如记录显示开具）以及结束或终止事"
                           "件。“只增不改”须有锚定的链头：上次检查保存的或监管平台持有的链头，声明为 audit_log.head（"
                           "或写在 audit_log.head_file 指明的文件中）并核对日志结束于此；没有锚定链头时，即使哈希链完"
                           "整也只是“哈希链完整，未锚定”，为无法判定。未声明或无法读取日志为无法判定。")

_ATTESTED_OR_OBSERVED = ("A roster or visit file the inventory names is attested by the hospital; a read-only query's "
                         "result is observed. Personal data is pseudonymised (HMAC-SHA256) before any fact exists. ")

PHYSICIANS = Rule(
    id=PHYSICIANS_ID,
    title="Whitelisted first-visit physicians meet the pilot's requirements at the check date",
    title_zh="“白名单”首诊医师在检查日符合试点要求（执业资质、3年以上独立临床工作经验等）",
    clause=cite("BJ2026:3", interpretation=Said(
                  PHYSICIANS_READING_ZH, APPROVAL_EN + _ATTESTED_OR_OBSERVED + "Each physician active on the whitelist "
                  "(白名单状态 在册) "
                  "needs: a licence number on the roster (ihcheck cannot consult the national registry), ≥3 years "
                  "of independent practice, and — from the pilot plan as reported by Xinhua (reference file, "
                  f"explainer 001: “{PLAN_ZH}”) — attending title (主治医师) or above, ≥1 year of online "
                  "follow-up experience and passed in-house training. Physicians suspended or removed from the "
                  "whitelist are counted, not judged.")),
    severity=Severity.HIGH,
    tags=("pilot",),
    needs=("pilot",),
    judge=judge_physicians,
)

FIRST_VISITS = Rule(
    id=FIRST_VISITS_ID,
    title="First visits: pilot specialty, whitelisted physician, pilot period, guardian for children, referral on "
    "termination",
    title_zh="互联网首诊：试点专业、白名单医师、试点期内、患儿有监护人陪伴、终止后引导至实体医疗机构就诊",
    clause=cite("BJ2026:3", "BJ2026:4", "BJ2026:6", interpretation=Said(
                  FIRST_VISITS_READING_ZH,
                  APPROVAL_EN + _ATTESTED_OR_OBSERVED + "Every visit marked first (是否首诊 是) must "
                  "be in a specialty of the approval (儿童生长发育, 儿童营养, 儿童皮肤疾病) that is also the "
                  "physician's own, inside the approval's period (2026-01-01 to 2026-12-31), by a physician on the "
                  "whitelist as it stood that day: read from the roster's whitelist history (白名单历史); without "
                  "one, a physician whose current status began after the visit is inconclusive, not fail. A "
                  "declaration may narrow the specialties or period, never widen them: what goes beyond is judged "
                  "by the approval and reported as an override, never as a pass (inconclusive when all else is in "
                  f"order); a patient under {CHILD_UNDER} needs a guardian recorded (a record without an age "
                  "cannot show it); a terminated visit needs its offline referral recorded.")),
    severity=Severity.HIGH,
    tags=("pilot",),
    needs=("pilot",),
    judge=judge_first_visits,
)

TRACEABILITY = Rule(
    id=TRACEABILITY_ID,
    title="Every visit's activity is in an append-only, hash-chained audit trail (全程留痕、可追溯)",
    title_zh="诊疗数据和活动过程全程留痕、可追溯（只增不改、哈希链接的审计记录）",
    clause=cite("BJ2026:1", interpretation=Said(
                  TRACEABILITY_READING_ZH,
                  APPROVAL_EN + "Read from the host that keeps it and verified as an ihcheck.trail/1 hash chain "
                  "(README \"Audit "
                  "trail format\"): any changed, removed or reordered record fails, naming it. Every visit needs its "
                  "visit.start, visit.consent, visit.prescription when the records say one was issued "
                  "(是否开具处方), and visit.end (visit.terminate when terminated) events. A trail that is not "
                  "declared or cannot be read is inconclusive, never pass: an append-only (只增不改) claim needs an "
                  "anchored head — the head kept at the last check or held by the platform, declared as "
                  "audit_log.head (or in the file audit_log.head_file names) and verified to be where the log ends; "
                  "without one an intact chain is reported as 'intact chain, not anchored' (inconclusive). And an "
                  "append-only log ihcheck cannot observe proves nothing. The Qinghai 2019 opinion (30) asks the "
                  "same of all internet-hospital data: "
                  "“…服务产生的数据应当全程留痕,可查询、可追溯,满足行业监管需求”.")),
    severity=Severity.HIGH,
    tags=("pilot", "traceability"),
    read_with=(cite("QH2019:30"),),
    needs=("pilot",),
    judge=judge_traceability,
)

RULES: tuple[Rule, ...] = (PHYSICIANS, FIRST_VISITS, TRACEABILITY)
