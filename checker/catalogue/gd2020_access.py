"""Guangdong 2020 二(三): the access procedure. The platform's operator verifies the data connection in its test
environment and then in production (2), and issues the 《数据接入证明》 once production passes (3).

What ihcheck can see of it: the two environments declared apart (`environment: test` and `environment: production`
on `ihcheck_exchange` entries with `system: platform`), each proven by its own exchange from the host that declares
it (probes.exchange: a TLS handshake verified against the platform's CA); and the certificate as a document in the
materials folder (item `data-access-certificate`: attested, never observed; the materials rule lists it too).
"""

from __future__ import annotations

import functools
from typing import Any

from checker.catalogue.clauses import cite
from checker.catalogue.common import all_hosts
from checker.catalogue.gd2020_exchange import _entries
from checker.model import VERDICT_ZH, Basis, Evidence, Finding, Rule, Said, Severity, Status, Verdict, worst
from probes.facts import DeploymentFacts, HostFacts
from probes.facts.declared_exchange import ExchangeEndpoint

RULE_ID = "GD2020-2.3-platform-access"
ITEM = "data-access-certificate"
ENVIRONMENT_ZH = {"test": "测试环境", "production": "正式环境"}


def _certificate(facts: DeploymentFacts) -> tuple[Verdict, Said, Evidence | None]:
    docs = facts.documents
    if docs is None:
        return Verdict.INCONCLUSIVE, Said("未声明材料目录（ihcheck_documents_dir）：看不到《数据接入证明》",
                                          "no materials folder declared (ihcheck_documents_dir): the 数据接入证明 "
                                          "cannot be seen"), None
    present = [d for d in docs.for_item(ITEM) if d.present]
    if not present:
        return Verdict.FAIL, Said(f"材料目录 {docs.directory} 中没有《数据接入证明》（{ITEM}）",
                                  f"no 数据接入证明 ({ITEM}) in the materials folder {docs.directory}"), None
    doc = present[0]
    issued = f"，签发于 {doc.issued.isoformat()}" if doc.issued else ""
    issued_en = f", issued {doc.issued.isoformat()}" if doc.issued else ""
    return Verdict.PASS, Said(f"《数据接入证明》{doc.file}{issued}（经文件证明，非观测）",
                              f"数据接入证明 {doc.file}{issued_en} (attested, not observed)"), Evidence(
        basis=Basis.ATTESTED, statement=f"{docs.directory}/{doc.file}: {ITEM}, sha256 {doc.sha256}")


def _in_environment(environment: str, _host: HostFacts, endpoint: ExchangeEndpoint) -> bool:
    return endpoint.system == "platform" and endpoint.environment == environment


def judge_access(facts: DeploymentFacts) -> list[Finding]:
    hosts = all_hosts(facts)
    parts: list[tuple[Verdict, Said]] = []
    evidence: list[Evidence] = []
    details: dict[str, Any] = {}
    for environment in ("test", "production"):
        entries = _entries(facts, functools.partial(_in_environment, environment))
        label = Said(ENVIRONMENT_ZH[environment], f"{environment} environment")
        if not entries:
            parts.append((Verdict.INCONCLUSIVE, label + Said(
                f"：未单独声明（ihcheck_exchange 中 system：platform、environment：{environment} 的条目）",
                f": not declared apart (an ihcheck_exchange entry with system platform, environment {environment})")))
            continue
        for verdict, ev, reason, detail in entries:
            parts.append((verdict, label + Said("：", ": ") + reason))
            evidence.append(ev)
            details.setdefault(environment, []).append(detail)
    targets = {env: {(d.get("target") or "") for d in details.get(env, ())} for env in ("test", "production")}
    shared = targets["test"] & targets["production"] - {""}
    if shared:
        same = ", ".join(sorted(shared))
        parts.append((Verdict.INCONCLUSIVE, Said(f"测试环境与正式环境声明为同一端点（{same}）：未分别验证",
                                                 f"the test and production environments are declared as the same "
                                                 f"endpoint ({same}): not verified apart")))
    verdict, said, document = _certificate(facts)
    parts.append((verdict, said))
    if document is not None:
        evidence.append(document)
    overall = worst(v for v, _ in parts)
    ordered = sorted(parts, key=lambda p: p[0] != overall)
    reason = Said.join(Said(f"【{VERDICT_ZH[v]}】", f"[{v.value}] ") + s for v, s in ordered)
    details["parts"] = [{"verdict": v.value, "reason": s.en} for v, s in parts]
    return [Finding(rule_id=RULE_ID, verdict=overall, hosts=hosts, evidence=tuple(evidence), details=details,
                    **reason.reason())]


READING = Said(
    "测试环境与正式环境须在推送主机的 ihcheck_exchange 中分别声明（system：platform，environment：test / production），"
    "并各自以真实交互证实（自该主机发起的 TLS 握手，证书校验通过）；"
    "正式环境对接通过后出具的《数据接入证明》须在材料目录中（data-access-certificate，经文件证明，非观测）。任一环境交互失败或缺少证明：不符合；某一环境未单独声明、无法尝试，"
    "或未声明材料目录：无法判定。",
    "The test and production environments are declared apart in the pushing host's ihcheck_exchange (system "
    "platform, environment test / production), each proven by its own exchange (a TLS handshake from that host, "
    "its certificate verified); the 数据接入证明 issued once production passes is in the materials folder "
    "(data-access-certificate: attested, not observed). An environment whose exchange fails, or no certificate: "
    "fail; an environment not declared apart or not tried, or no materials folder: inconclusive.")

ACCESS = Rule(
    id=RULE_ID,
    title="Access procedure: the test and production platform environments each exchanged with; the access "
    "certificate held",
    title_zh="接入流程：测试环境、正式环境分别完成数据对接验证，持有《数据接入证明》",
    clause=cite("GD2020:2.3.2", "GD2020:2.3.3", interpretation=READING),
    severity=Severity.MEDIUM,
    tags=("exchange", "platform", "access"),
    needs=("exchange", "documents"),
    judge=judge_access,
    since="2026.12",
    status=Status.PREVIEW,
)
RULES: tuple[Rule, ...] = (ACCESS,)
