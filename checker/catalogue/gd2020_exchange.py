"""Guangdong 2020 一(二)1–2 and 三.2(1), with Qinghai 2019 29 and 四(三): data exchange with the hospital's
HIS, PACS/RIS and LIS, the five telemedicine functions, and the feed to the supervision platform.

Every verdict rests on a protocol exchange (probes.exchange): a declaration alone is only declared.
An exchange maps to a verdict by its outcome: ok → pass; rejected, refused, silent, malformed →
fail (the system answered no, nothing listened, or it did not speak its protocol); unreachable —
no route, no name, a filtered port, or a host that could not run it — → inconclusive, like an
unreachable host: the exchange could not be tried, which proves nothing either way.
"""

from __future__ import annotations

from collections.abc import Callable

from checker.catalogue.clauses import cite
from checker.engine import blindness, why_missing
from checker.model import VERDICT_ZH, Basis, Evidence, Finding, Rule, Said, Severity, Verdict, worst
from probes.facts import DeploymentFacts, HostFacts
from probes.facts.declared_exchange import FUNCTIONS, ExchangeEndpoint, Function
from probes.facts.exchange import ObservedExchange, Outcome, PushStatus

OUTCOME_VERDICT: dict[Outcome, Verdict] = {
    "ok": Verdict.PASS, "rejected": Verdict.FAIL, "refused": Verdict.FAIL, "silent": Verdict.FAIL,
    "malformed": Verdict.FAIL, "unreachable": Verdict.INCONCLUSIVE,
}
# An outcome in a Chinese reason; the peer's own words (`detail`) follow it as they came.
OUTCOME_ZH: dict[Outcome, str] = {
    "ok": "交互成功", "rejected": "被拒绝", "refused": "连接被拒绝", "silent": "无应答",
    "malformed": "应答不符合协议", "unreachable": "无法连接",
}

EXCHANGE_ID = "GD2020-1.2.1-exchange"
EXCHANGE_INTERPRETATION = Said(
    "分 HIS（系统 his 或 emr）、PACS/RIS（pacs 或 ris）、LIS（lis）三部分判定，结论合并为一条：各系统由声明它的主机在"
    "其 ihcheck_exchange 中声明，并以其自身协议的真实交互证实——能从声明主机（经其路由和防火墙）发起时从该主机发起，"
    "否则从检查端发起：DICOM 关联 + C-ECHO（仅 Verification），记录协商的 AE 标题与状态；"
    "经 MLLP 的 HL7 v2 查询（NMQ^N01 或 QRY^A19，处理 ID 为 D 或 T，不写入任何数据），"
    "ACK 的 MSA-1 为 AA/CA 且 MSA-2 为所发控制 ID；FHIR GET "
    "[base]/metadata 返回已发布 FHIR 版本（3.0.x、4.0.x、4.3.0、5.0.0）且 rest.mode=server 的 CapabilityStatement——"
    "与该版本 schema 的偏差（如 node-fhir-server-core 把 resource.profile 写成 Reference 对象）不影响符合，"
    "偏差随结论列出。"
    "符合：该系统每个声明的交互都如此应答。不符合：有交互被拒绝（A-ASSOCIATE-RJ、ACK AE/AR）、连接被拒、无应答、以其他"
    "协议应答，或返回的不是已知 FHIR 版本的 CapabilityStatement。无法判定：未声明，或无法尝试（主机或系统不可达）。"
    "条款中的三级等保部分由其他规则判定。",
    "Judged for the exchange part of the clause, in three parts reported in the one finding: HIS (system "
    "his or emr), PACS/RIS (pacs or ris) and LIS (lis), declared in ihcheck_exchange on the hosts that "
    "exchange with them. Each "
    "declared system is proven by a real exchange in its protocol, from the declaring host over its own "
    "transport (its routes and firewalls) where it can run one, else from the checker: DICOM association + "
    "C-ECHO (Verification only) with the negotiated AE titles and status; an HL7 v2 query (NMQ^N01 or "
    "QRY^A19, processing ID D or T: nothing is stored) over MLLP, ACK MSA-1 AA/CA with MSA-2 = the control "
    "id sent; FHIR GET [base]/metadata returning a CapabilityStatement of a released FHIR version (3.0.x, 4.0.x, "
    "4.3.0, 5.0.0) with rest.mode=server — a deviation from that version's schema (node-fhir-server-core's "
    "resource.profile written as a Reference object) does not stop the pass and is reported beside it. Pass: "
    "every declared exchange of that system answered so. Fail: one was rejected (A-ASSOCIATE-RJ, ACK AE/AR), "
    "refused, silent, answered in another protocol, or answered with something other than a CapabilityStatement "
    "of a known FHIR version. Inconclusive: none declared, or one could not be "
    "tried (host or system unreachable). The level-3 protection part of the clause is judged elsewhere."
)
SYSTEMS: dict[str, tuple[str, ...]] = {"HIS": ("his", "emr"), "PACS/RIS": ("pacs", "ris"), "LIS": ("lis",)}

FUNCTIONS_ID = "GD2020-1.2.2-functions"
FUNCTIONS_INTERPRETATION = (
    "One part per function, each with its verdict in the finding: consultation (远程会诊), "
    "outpatient (远程门诊), pathology (远程病理诊断), "
    "imaging (远程医学影像诊断), ECG (远程心电诊断). ihcheck_telemedicine names, for each, the ihcheck_exchange "
    "system that provides it; the function passes only when that system was observed alive by its own "
    "interface (a PACS C-ECHO, an HL7 ACK, a FHIR CapabilityStatement, a TLS handshake, or an HTTP health "
    "endpoint answering the status and text the inventory states). A function declared but not proven is "
    "inconclusive or fail by the exchange's outcome; a function not declared is inconclusive. The rule's "
    "verdict is the worst of the five."
)
FUNCTION_ZH: dict[Function, str] = {"consultation": "远程会诊", "outpatient": "远程门诊", "pathology": "远程病理诊断",
                                    "imaging": "远程医学影像诊断", "ecg": "远程心电诊断"}

PLATFORM_ID = "GD2020-3.2.1-platform-feed"
# ihcheck's reading of 实时上传 (upload in real time): a successful push at most this long ago. A hospital may
# declare a stricter limit (push_log.max_age_minutes), never a looser one: a larger value is judged at the ceiling.
PUSH_AGE_CEILING_MINUTES = 60.0
PLATFORM_READING = Said(
    "结合青海 2019 第 29 条（将所有开展互联网医疗服务的医疗机构和互联网医疗服务数据向监管平台进行推送、传输和备份）"
    "与保障措施四(三)（强化加密和密钥管理，保证应用安全以及传输安全）解读。省监管平台端点在推送主机的 ihcheck_exchange "
    "中声明（system：platform），并从该主机本身发起连接。TLS 握手不是数据上传：符合需同时具备（1）从推送主机本身"
    "（而非检查端）完成的 TLS 1.2 及以上握手，证书校验通过（证书链、名称）且在有效期内；（2）推送任务日志（push_log）"
    f"中最近一次成功推送距今不超过时限。时限取清单声明的 max_age_minutes，但不得宽于 ihcheck 对“实时”的上限 "
    f"{PUSH_AGE_CEILING_MINUTES:g} 分钟：声明更宽的时限按上限判定，并在结论中说明。不符合：明文 HTTP 的平台端点、证书"
    "校验失败或已过期、端点拒绝连接或无应答，或最近一次成功推送超过时限。无法判定：未声明平台、未声明推送日志（仅有握手）、"
    "握手只能从检查端发起（不代表推送主机自身的链路）、端点无法尝试，或日志无法读取、没有成功记录。",
    "Read with Qinghai 2019 item 29 (将所有开展互联网医疗服务的医疗机构和互联网医疗服务数据向监管平台进行推送、"
    "传输和备份: all internet medical service data is pushed, transmitted and backed up to the supervision "
    "platform) and safeguard 四(三) (强化加密和密钥管理，保证应用安全以及传输安全: strengthen encryption and key "
    "management, ensure application and transmission security). The platform endpoint is declared in "
    "ihcheck_exchange (system platform) on the host that pushes, and reached from that host. A handshake is not a "
    "data feed: pass needs both (1) a TLS 1.2+ handshake made from the pushing host itself (not from the checker) "
    "whose certificate verifies (chain, name) and is valid now, and (2) the push job's log (push_log) showing a "
    "last successful push within the limit. The limit is the declared max_age_minutes, but never looser than "
    f"ihcheck's ceiling for 实时 (real time) of {PUSH_AGE_CEILING_MINUTES:g} minutes: a looser declaration is "
    "judged at the ceiling and the finding says so. Fail: a plain-HTTP platform endpoint, a certificate that does "
    "not verify or has expired, a refused or silent endpoint, or a last success older than the limit. "
    "Inconclusive: no platform declared, no push log declared (a handshake alone), a handshake made only from the "
    "checker (not the pushing host's own link), the endpoint could not be tried, or the log could not be read or "
    "holds no success."
)
PLATFORM_INTERPRETATION = PLATFORM_READING.en


def _verdict(observed: ObservedExchange) -> Verdict:
    return OUTCOME_VERDICT[observed.result.outcome]


def _evidence(host: HostFacts, observed: ObservedExchange) -> Evidence:
    ids = tuple(o for r in observed.results for o in r.observations)
    return Evidence(host=host.name, statement=f"{host.name}: {observed.describe()}", observations=ids)


def _declared(host: HostFacts, endpoint: ExchangeEndpoint, why: str) -> Evidence:
    return Evidence(host=host.name, basis=Basis.DECLARED, statement=f"{host.name} declares {endpoint.describe()}; "
                    f"not proven: {why}")


def _blind(host: HostFacts) -> tuple[Verdict, Said]:
    """A declared exchange the host did not observe: the engine decides (checker.engine.blindness)."""
    decided = blindness([host], "exchange")
    if decided is None:  # the family is there, this endpoint is not in it
        return Verdict.INCONCLUSIVE, why_missing(host, "exchange")
    return decided.verdict, decided.said


Entry = tuple[Verdict, Evidence, Said, dict[str, object]]


def _entries(facts: DeploymentFacts, wanted: Callable[[HostFacts, ExchangeEndpoint], bool]) -> list[Entry]:
    """(verdict, evidence, one-line reason, details) for each declared endpoint `wanted` picks, on every host."""
    found: list[Entry] = []
    for host in facts.hosts:
        for endpoint in host.declared.exchange:
            if not wanted(host, endpoint):
                continue
            observed = host.exchange.named(endpoint.name) if host.exchange is not None else None
            if observed is None:
                verdict, why = _blind(host)
                found.append((verdict, _declared(host, endpoint, why.en),
                              Said(f"{endpoint.name}（由 {host.name} 发起）：{why.zh}",
                                   f"{endpoint.name} from {host.name}: {why.en}"),
                              {"host": host.name, "exchange": endpoint.name, "outcome": None}))
                continue
            r = observed.result
            found.append((_verdict(observed), _evidence(host, observed),
                          Said(f"{endpoint.name}（由 {r.origin} 发起）：{OUTCOME_ZH[r.outcome]}：{r.detail}",
                               f"{endpoint.name} from {r.origin}: {r.outcome}: {r.detail}"),
                          {"host": host.name, "exchange": endpoint.name, "origin": r.origin, "outcome": r.outcome,
                           "protocol": r.protocol, "target": r.target, "fields": r.fields}))
    return found


def _finding(rule_id: str, subject: Said, entries: list[Entry], missing: Said, everyone: tuple[str, ...]) -> Finding:
    """One part's finding; `details["subject"]` stays the English subject: the key parts are looked up by."""
    if not entries:
        said = Said(f"{subject.zh}：{missing.zh}", f"{subject.en}: {missing.en}")
        return Finding(rule_id=rule_id, verdict=Verdict.INCONCLUSIVE, hosts=everyone, **said.reason(),
                       details={"subject": subject.en})
    verdict = worst(v for v, *_ in entries)
    shown = Said.join(reason for v, _, reason, _ in entries if v == verdict)
    hosts = tuple(dict.fromkeys(str(d["host"]) for *_, d in entries))
    said = Said(f"{subject.zh}：{shown.zh}", f"{subject.en}: {shown.en}")
    return Finding(rule_id=rule_id, verdict=verdict, hosts=hosts, **said.reason(),
                   evidence=tuple(e for _, e, _, _ in entries),
                   details={"subject": subject.en, "exchanges": [d for *_, d in entries]})


def _one(rule_id: str, parts: list[Finding]) -> list[Finding]:
    """The rule's one finding (a deployment rule yields one, which reports count on): the worst of its parts —
    HIS, PACS/RIS, LIS; or the five functions — each part's verdict and reason kept in the reason and details."""
    verdict = worst(p.verdict for p in parts)
    ordered = sorted(parts, key=lambda p: p.verdict != verdict)
    reason = Said.join(Said(f"【{VERDICT_ZH[p.verdict]}】{p.reason_zh}", f"[{p.verdict.value}] {p.reason}")
                       for p in ordered)
    details = {"parts": {str(p.details["subject"]): {"verdict": p.verdict.value, "reason": p.reason,
                                                      "reason_zh": p.reason_zh,
                                                      "exchanges": p.details.get("exchanges", [])} for p in parts}}
    hosts = tuple(dict.fromkeys(h for p in parts for h in p.hosts))
    return [Finding(rule_id=rule_id, verdict=verdict, hosts=hosts, **reason.reason(),
                    evidence=tuple(e for p in parts for e in p.evidence), details=details)]


def judge_exchange(facts: DeploymentFacts) -> list[Finding]:
    everyone = tuple(h.name for h in facts.hosts)
    findings = []
    for label, kinds in SYSTEMS.items():
        entries = _entries(facts, lambda _h, e, kinds=kinds: e.system in kinds)  # type: ignore[misc]
        missing = Said(f"ihcheck_exchange 中未声明 {label} 系统（system：{' 或 '.join(kinds)}）："
                       "没有指明可与之交换数据的系统",
                       f"no {label} system declared in ihcheck_exchange (system: {' or '.join(kinds)}): nothing to "
                       "exchange with was named")
        findings.append(_finding(EXCHANGE_ID, Said(label, label), entries, missing, everyone))
    return _one(EXCHANGE_ID, findings)


def judge_functions(facts: DeploymentFacts) -> list[Finding]:
    everyone = tuple(h.name for h in facts.hosts)
    findings = []
    for function in FUNCTIONS:
        entries = _entries(facts, lambda h, e, f=function: h.declared.telemedicine.get(f) == e.name)  # type: ignore[misc]
        subject = Said(FUNCTION_ZH[function], f"{FUNCTION_ZH[function]} ({function})")
        missing = Said(f"未声明：请在 ihcheck_telemedicine.{function} 中指明提供该功能的系统",
                       f"not declared: name the system that provides it in ihcheck_telemedicine.{function}")
        findings.append(_finding(FUNCTIONS_ID, subject, entries, missing, everyone))
    return _one(FUNCTIONS_ID, findings)


def _push_entry(host: HostFacts, push: PushStatus) -> Entry:
    details: dict[str, object] = {"host": host.name, "exchange": push.exchange, "push_log": push.path,
                                  "max_age_minutes": push.max_age_minutes, "age_minutes": push.age_minutes,
                                  "last_success": push.last_success.isoformat() if push.last_success else None}
    where = f"{host.name}:{push.path}"
    age = push.age_minutes
    if age is None:
        said = Said(f"最近一次成功推送的时间未知（{where}：{push.error}）",
                    f"last successful push unknown ({where}: {push.error})")
        return Verdict.INCONCLUSIVE, Evidence(host=host.name, statement=said.en, observations=push.observations), \
            said, details
    capped = push.max_age_minutes > PUSH_AGE_CEILING_MINUTES
    limit_minutes = min(push.max_age_minutes, PUSH_AGE_CEILING_MINUTES)
    details["limit_minutes"] = limit_minutes
    verdict = Verdict.PASS if age <= limit_minutes else Verdict.FAIL
    relation = "within" if verdict == Verdict.PASS else "older than"
    limit = f"{limit_minutes:g} min"
    which = Said(f"ihcheck 对“实时”的上限 {limit}（清单声明的 {push.max_age_minutes:g} min 宽于上限）",
                 f"ihcheck's ceiling for real time of {limit} (the declared {push.max_age_minutes:g} min is looser)"
                 ) if capped else Said(f"清单声明的 {limit}", f"the declared {limit}")
    when = f"{push.last_success:%Y-%m-%d %H:%M:%S %z}"
    clock = f"{push.host_now:%H:%M:%S %z}"
    relation_zh = f"在{which.zh}以内" if verdict == Verdict.PASS else f"超过{which.zh}"
    said = Said(f"最近一次成功推送在 {age:.1f} min 前（{when}，主机时钟 {clock}），{relation_zh}（{where}）",
                f"last successful push {age:.1f} min ago ({when}, host clock {clock}), {relation} {which.en} ({where})")
    statement = f"{said.en}: {push.line}"
    return verdict, Evidence(host=host.name, statement=statement, observations=push.observations), said, details


def _no_push_log(host: HostFacts, endpoint: ExchangeEndpoint) -> Entry:
    said = Said(f"{endpoint.name}：未声明推送任务日志（push_log）：一次 TLS 握手不是“实时上传”，看不到数据是否上传",
                f"{endpoint.name}: no push log declared (push_log): a TLS handshake is not an upload in real time; "
                "nothing shows that data is pushed")
    return Verdict.INCONCLUSIVE, Evidence(host=host.name, basis=Basis.DECLARED, statement=f"{host.name}: {said.en}"), \
        said, {"host": host.name, "exchange": endpoint.name, "push_log": None}


def _from_checker(entry: Entry, host: HostFacts) -> Entry:
    """A handshake the checker made says nothing of the pushing host's own link (its routes, firewall, trust)."""
    _, evidence, reason, details = entry
    said = Said(f"握手由检查端发起，而非推送主机 {host.name}：不代表该主机自身到平台的链路；{reason.zh}",
                f"the handshake was made from the checker, not from the pushing host {host.name}: it does not show "
                f"that host's own link to the platform; {reason.en}")
    return Verdict.INCONCLUSIVE, evidence, said, details


def judge_platform(facts: DeploymentFacts) -> list[Finding]:
    everyone = tuple(h.name for h in facts.hosts)
    entries: list[Entry] = []
    # the data is pushed to the production platform: a test environment declared beside it is GD2020-2.3-access's
    for entry in _entries(facts, lambda _h, e: e.system == "platform" and e.environment != "test"):
        _, evidence, reason, details = entry
        host = next(h for h in facts.hosts if h.name == details["host"])
        endpoint = next(e for e in host.declared.exchange if e.name == details["exchange"])
        plain = endpoint.protocol == "http" or (endpoint.url or "").startswith("http://")
        if plain:
            reason = Said(f"{endpoint.name}：清单声明使用明文 HTTP，未做传输加密（QH2019 四(三)）；{reason.zh}",
                          f"{endpoint.name}: declared over plain HTTP, not encrypted in transit (QH2019 四(三)); "
                          f"{reason.en}")
            entries.append((Verdict.FAIL, evidence, reason, details))
        elif details.get("origin") == "checker" and entry[0] is Verdict.PASS:
            entries.append(_from_checker(entry, host))
        else:
            entries.append(entry)
        pushes = [p for p in host.exchange.push if p.exchange == endpoint.name] if host.exchange is not None else []
        if endpoint.push_log is None:
            entries.append(_no_push_log(host, endpoint))
        elif not pushes and host.exchange is not None:
            said = Said(f"{endpoint.name}：声明了推送日志 {endpoint.push_log.path}，但未读到",
                        f"{endpoint.name}: push log {endpoint.push_log.path} declared but not read")
            entries.append((Verdict.INCONCLUSIVE, Evidence(host=host.name, statement=f"{host.name}: {said.en}"), said,
                            {"host": host.name, "exchange": endpoint.name, "push_log": endpoint.push_log.path}))
        entries += [_push_entry(host, p) for p in pushes]
    missing = Said("推送主机的 ihcheck_exchange 中未声明省监管平台端点（system：platform）",
                   "no supervision platform endpoint declared in ihcheck_exchange (system: platform) on the host that "
                   "pushes")
    return _one(PLATFORM_ID, [_finding(PLATFORM_ID, Said("省监管平台", "supervision platform"), entries, missing,
                                       everyone)])


EXCHANGE = Rule(
    id=EXCHANGE_ID, title="Data is exchanged with the hospital's HIS, PACS/RIS and LIS (proven by protocol exchanges)",
    title_zh="与实体医疗机构的HIS、PACS/RIS、LIS系统实现数据交换（以协议交互证实）",
    clause=cite("GD2020:1.2.1", interpretation=EXCHANGE_INTERPRETATION),
    severity=Severity.HIGH, needs=("exchange",), judge=judge_exchange,
    tags=("exchange",),
)
TELEMEDICINE = Rule(
    id=FUNCTIONS_ID, title="The five telemedicine functions are each provided by a system observed alive",
    title_zh="远程会诊、远程门诊、远程病理诊断、远程医学影像诊断和远程心电诊断功能均由经探测运行正常的系统提供",
    clause=cite("GD2020:1.2.2", interpretation=FUNCTIONS_INTERPRETATION),
    severity=Severity.HIGH, needs=("exchange",), judge=judge_functions,
    tags=("exchange", "telemedicine"),
)
PLATFORM_FEED = Rule(
    id=PLATFORM_ID,
    title="The supervision platform is reached over verified TLS from the pushing host; pushes are recent",
    title_zh="推送主机经校验的TLS连接可达省监管平台，数据上传及时",
    clause=cite("GD2020:3.2.1", interpretation=PLATFORM_READING),
    severity=Severity.HIGH, needs=("exchange",), judge=judge_platform,
    tags=("exchange", "platform"),
    read_with=(cite("QH2019:29"), cite("QH2019:safeguard-3")),
)
RULES: tuple[Rule, ...] = (EXCHANGE, TELEMEDICINE, PLATFORM_FEED)
