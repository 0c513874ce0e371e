"""Qinghai 2019 (青政办〔2019〕18号): the rules a Qinghai hospital's declaration (`ihcheck_programmes`, id `QH2019`)
enables. For anyone else they are `not_applicable` and say so.

- 29: the hospital's internet medical service data pushed, transmitted and backed up to the supervision platform
  (`QH2019-29-push`: the push job's record on the pushing host), and online informed consent (`QH2019-29-consent`:
  a consent event for every visit, before any prescription, in the audit trail);
- 30: data recorded throughout, queryable and traceable (`QH2019-30-traceability`: the hash-chained audit trail,
  judged as the Beijing pilot's is);
- 四(三) encryption and key management in transit is read by GD2020-3.2.1-platform-feed and L3-CES1-27, which cite
  it, as 29 is by the platform feed: those rules apply to every hospital, Qinghai's too.
"""

from __future__ import annotations

from checker.catalogue.bj2026_pilot import traceability
from checker.catalogue.clauses import cite
from checker.catalogue.common import all_hosts
from checker.catalogue.gd2020_exchange import PUSH_AGE_CEILING_MINUTES
from checker.model import Evidence, Finding, Rule, Said, Severity, Status, Verdict, worst
from probes.facts import DeploymentFacts
from probes.facts.exchange import PushStatus
from probes.facts.pilot import EVENT_CONSENT, EVENT_PRESCRIPTION, QH2019_PROGRAMME

PUSH_ID = "QH2019-29-push"
CONSENT_ID = "QH2019-29-consent"
TRACEABILITY_ID = "QH2019-30-traceability"
MAX_LISTED = 20


def _not_declared(rule_id: str, facts: DeploymentFacts) -> list[Finding] | None:
    if facts.pilot is not None and facts.pilot.programme.id == QH2019_PROGRAMME:
        return None
    said = Said(f"清单 ihcheck_programmes 未声明青海 2019 实施意见（{QH2019_PROGRAMME}）：本项不适用于本部署",
                f"the Qinghai 2019 opinion ({QH2019_PROGRAMME}) is not declared in ihcheck_programmes: this rule does "
                "not apply to this deployment")
    return [Finding(rule_id=rule_id, verdict=Verdict.NOT_APPLICABLE, hosts=all_hosts(facts), **said.reason())]


# ---------------------------------------------------------------------------------------------- push

def _push_verdict(push: PushStatus) -> tuple[Verdict, Said]:
    where = push.path
    if push.error is not None and (push.error.startswith("no line matching") or "No such file" in push.error):
        return Verdict.FAIL, Said(f"推送日志 {where} 中没有任何成功推送的记录：{push.error}",
                                  f"no successful push recorded in the push log {where}: {push.error}")
    age = push.age_minutes
    if age is None:
        return Verdict.INCONCLUSIVE, Said(f"推送日志 {where} 无法读取：{push.error}",
                                          f"the push log {where} could not be read: {push.error}")
    limit = min(push.max_age_minutes, PUSH_AGE_CEILING_MINUTES)
    if age > limit:
        return Verdict.FAIL, Said(f"最近一次成功推送在 {age:.1f} min 前，超过 {limit:g} min（{where}）",
                                  f"last successful push {age:.1f} min ago, older than {limit:g} min ({where})")
    return Verdict.PASS, Said(f"最近一次成功推送在 {age:.1f} min 前（{where}，观测到）",
                              f"last successful push {age:.1f} min ago ({where}, observed)")


def judge_push(facts: DeploymentFacts) -> list[Finding]:
    if (na := _not_declared(PUSH_ID, facts)) is not None:
        return na
    parts: list[tuple[Verdict, Said, Evidence]] = []
    for host in facts.hosts:
        for endpoint in host.declared.exchange:
            if endpoint.system != "platform" or endpoint.environment == "test":  # data goes to production
                continue
            if endpoint.push_log is None:
                said = Said(f"{host.name}：平台端点 {endpoint.name} 未声明推送日志（push_log）：看不到推送记录",
                            f"{host.name}: platform endpoint {endpoint.name} declares no push log (push_log): no push "
                            "record can be seen")
                parts.append((Verdict.INCONCLUSIVE, said, Evidence(host=host.name, statement=said.en)))
                continue
            pushes = [p for p in host.exchange.push if p.exchange == endpoint.name] if host.exchange else []
            if not pushes:
                said = Said(f"{host.name}：未读到推送日志 {endpoint.push_log.path}",
                            f"{host.name}: the push log {endpoint.push_log.path} was not read")
                parts.append((Verdict.INCONCLUSIVE, said, Evidence(host=host.name, statement=said.en)))
            for push in pushes:
                verdict, said = _push_verdict(push)
                said = Said(f"{host.name}：", f"{host.name}: ") + said
                parts.append((verdict, said, Evidence(host=host.name, statement=said.en,
                                                      observations=push.observations)))
    if not parts:
        said = Said("清单未在任何主机的 ihcheck_exchange 中声明省监管平台（system：platform）：看不到数据是否推送",
                    "no supervision platform is declared in any host's ihcheck_exchange (system: platform): whether "
                    "data is pushed cannot be seen")
        return [Finding(rule_id=PUSH_ID, verdict=Verdict.INCONCLUSIVE, hosts=all_hosts(facts), **said.reason())]
    verdict = worst(v for v, _, _ in parts)
    said = Said.join([s for _, s, _ in parts])
    return [Finding(rule_id=PUSH_ID, verdict=verdict, hosts=all_hosts(facts), evidence=tuple(e for *_, e in parts),
                    details={"parts": [{"verdict": v.value, "reason": s.en} for v, s, _ in parts]}, **said.reason())]


# ---------------------------------------------------------------------------------------------- consent

def consent_problem(events: tuple[str, ...]) -> Said | None:
    """What is wrong with one visit's consent in its trail events (None: consent recorded before any prescription)."""
    if EVENT_CONSENT not in events:
        return Said(f"审计日志中没有知情同意事件（{EVENT_CONSENT}）", f"no {EVENT_CONSENT} event in the audit trail")
    if EVENT_PRESCRIPTION in events and events.index(EVENT_PRESCRIPTION) < events.index(EVENT_CONSENT):
        return Said("知情同意晚于开具处方", "consent recorded after the prescription")
    return None


def judge_consent(facts: DeploymentFacts) -> list[Finding]:
    if (na := _not_declared(CONSENT_ID, facts)) is not None:
        return na
    pilot = facts.pilot
    assert pilot is not None
    hosts = all_hosts(facts)
    if pilot.visits is None or pilot.trail is None:
        part = "visits" if pilot.visits is None else "trail"
        why = pilot.missing.get(part, f"no {part} declared")
        said = Said(f"缺少{'就诊记录' if part == 'visits' else '审计日志'}，无法判断每次就诊是否在线知情同意：{why}",
                    f"without the {'visit records' if part == 'visits' else 'audit trail'}, whether every visit had "
                    f"online informed consent cannot be told: {why}")
        return [Finding(rule_id=CONSENT_ID, verdict=Verdict.INCONCLUSIVE, hosts=hosts, **said.reason())]
    trail = pilot.trail
    if trail.check.broken is not None:
        said = Said(f"审计日志 {trail.host}:{trail.path} 的哈希链不完整，其中的知情同意事件不可信："
                    f"{trail.check.broken.describe_zh()}",
                    f"the audit log {trail.host}:{trail.path} is not an intact chain, so its consent events cannot be "
                    f"trusted: {trail.check.broken.describe()}")
        return [Finding(rule_id=CONSENT_ID, verdict=Verdict.INCONCLUSIVE, hosts=hosts, **said.reason())]
    rows = []
    for v in pilot.visits.visits:
        problem = consent_problem(trail.events.get(v.id, ()))
        if problem is not None:
            rows.append(Said(f"{v.id}（第 {v.row} 行）：", f"{v.id} (row {v.row}): ") + problem)
    count = len(pilot.visits.visits)
    evidence = (Evidence(host=trail.host, observations=trail.observations,
                         statement=f"audit log {trail.host}:{trail.path}: intact chain of {trail.check.records} "
                         "record(s)"),)
    if rows:
        listed = Said.join(rows[:MAX_LISTED])
        said = Said(f"{count} 次就诊中有 {len(rows)} 次没有先于处方的在线知情同意记录：{listed.zh}",
                    f"{len(rows)} of {count} visit(s) lack online informed consent before any prescription: "
                    f"{listed.en}")
        return [Finding(rule_id=CONSENT_ID, verdict=Verdict.FAIL, hosts=hosts, evidence=evidence,
                        details={"visits": count, "offending": len(rows)}, **said.reason())]
    if not count:
        said = Said("就诊记录为空：无可判定的就诊", "the visit records are empty: nothing to judge")
        return [Finding(rule_id=CONSENT_ID, verdict=Verdict.INCONCLUSIVE, hosts=hosts, **said.reason())]
    said = Said(f"全部 {count} 次就诊在审计日志中均记有在线知情同意事件，且先于开具处方（观测到）",
                f"every one of the {count} visit(s) has its online informed consent event in the audit trail, before "
                "any prescription (observed)")
    return [Finding(rule_id=CONSENT_ID, verdict=Verdict.PASS, hosts=hosts, evidence=evidence,
                    details={"visits": count}, **said.reason())]


def judge_traceability(facts: DeploymentFacts) -> list[Finding]:
    if (na := _not_declared(TRACEABILITY_ID, facts)) is not None:
        return na
    return traceability(facts, TRACEABILITY_ID)


_ONLY = ("只适用于声明了青海 2019 实施意见（ihcheck_programmes：QH2019）的医院。",
         "Only for a hospital that declares the Qinghai 2019 opinion (ihcheck_programmes: QH2019). ")
PUSH = Rule(
    id=PUSH_ID,
    title="Internet medical service data is pushed to the supervision platform: the push job's record shows it",
    title_zh="互联网医疗服务数据向监管平台推送、传输：推送任务记录可证",
    clause=cite("QH2019:29", interpretation=Said(
        _ONLY[0] + "从推送主机读取其声明的推送日志（ihcheck_exchange 中 system：platform 的 push_log）："
        f"最近一次成功推送不早于声明的时限（且不宽于 {PUSH_AGE_CEILING_MINUTES:g} 分钟）为符合；"
        "日志不存在或其中没有成功推送的记录为不符合（青海要求推送，没有推送记录即未推送）；"
        "未声明平台或推送日志、日志无法读取为无法判定。平台一侧的备份无法从医院主机观测。",
        _ONLY[1] + "The push log the pushing host declares (push_log of its ihcheck_exchange entry with system "
        "platform) is read there: a last successful push within the declared limit (never looser than "
        f"{PUSH_AGE_CEILING_MINUTES:g} min) passes; a log that does not exist or records no successful push fails "
        "(Qinghai asks that data be pushed: no record of a push is no push); no platform or push log declared, or a "
        "log that cannot be read, is inconclusive. The platform's own backup of the data cannot be seen from the "
        "hospital's hosts.")),
    read_with=(cite("QH2019:safeguard-3"),),
    severity=Severity.HIGH, tags=("qinghai", "platform"), needs=("pilot", "exchange"), judge=judge_push,
    since="2026.12", status=Status.PREVIEW,
)
CONSENT = Rule(
    id=CONSENT_ID,
    title="Online informed consent is recorded for every visit, before any prescription",
    title_zh="推行在线知情同意告知：每次就诊在审计日志中记有知情同意，且先于开具处方",
    clause=cite("QH2019:29.consent", interpretation=Said(
        _ONLY[0] + "每条就诊记录在哈希链接的审计日志中须有 visit.consent 事件，且位于任何 visit.prescription 之前。"
        "日志不完整或缺少记录：无法判定。",
        _ONLY[1] + "Every visit in the records needs a visit.consent event in the hash-chained audit trail, before any "
        "visit.prescription. A broken chain or missing records: inconclusive.")),
    severity=Severity.MEDIUM, tags=("qinghai", "traceability"), needs=("pilot",), judge=judge_consent,
    since="2026.12", status=Status.PREVIEW,
)
TRACEABILITY = Rule(
    id=TRACEABILITY_ID,
    title="Every visit's activity is in an append-only, hash-chained audit trail (全程留痕，可查询、可追溯)",
    title_zh="“互联网+医疗健康”服务产生的数据全程留痕，可查询、可追溯（只增不改、哈希链接的审计记录）",
    clause=cite("QH2019:30", interpretation=Said(
        _ONLY[0] + "与北京试点的 BJ2026-1-traceability 判定方法相同：按 ihcheck.trail/1 哈希链校验，锚定链头，每次就诊"
        "须有开始、知情同意、开具处方（如有）以及结束或终止事件。符合：哈希链完整、结束于锚定链头，且每次就诊的事件齐全。"
        "不符合：记录被修改、删除或重排，或就诊缺少事件。无法判定：没有锚定链头（“哈希链完整，未锚定”），或日志未声明、"
        "无法读取。",
        _ONLY[1] + "Judged as BJ2026-1-traceability judges the Beijing pilot's: the ihcheck.trail/1 hash chain "
        "verified to an anchored head, every visit with its start, consent, prescription where one was issued, and "
        "end or termination events. Pass: an intact chain ending at the anchored head, every visit with its events. "
        "Fail: a changed, removed or reordered record, or a visit missing an event. Inconclusive: no anchored head "
        "('intact chain, not anchored'), or a trail not declared or not readable.")),
    severity=Severity.HIGH, tags=("qinghai", "traceability"), needs=("pilot",), judge=judge_traceability,
    since="2026.12", status=Status.PREVIEW,
)
RULES: tuple[Rule, ...] = (PUSH, CONSENT, TRACEABILITY)
