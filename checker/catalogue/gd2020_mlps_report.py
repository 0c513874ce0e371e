"""Guangdong 2020 一(二)1 and 二(二)2: MLPS level 3 as the assessor concluded it, not as the hosts showed it.

ihcheck's MLPS rules read what a host can show of GB/T 22239-2019 (§8.1.4 安全计算环境 and a host's part of
§8.1.3); 实施第三级信息安全等级保护 is established by the 测评机构's 网络安全等级测评报告 (its 测评结论) and the
public security organ's 备案证明. This rule reads those two documents as the hospital's index states them
(attested, never observed), so that a pass of the host baseline is never the answer to "等保三级?".
"""

from __future__ import annotations

from checker.catalogue.clauses import cite
from checker.catalogue.common import all_hosts
from checker.model import Basis, Evidence, Finding, Rule, Said, Severity, Status, Verdict
from probes.facts import DeploymentFacts
from probes.facts.materials import INDEX, DocumentFile

RULE_ID = "GD2020-1.2.1-mlps-report"
REPORT, CERTIFICATE = "mlps-assessment-report", "mlps-certificate"
ACCEPTED = ("符合", "基本符合")

READING = Said(
    "实施第三级等级保护以测评机构出具的网络安全等级测评报告和公安机关的备案证明为准，ihcheck 不能观测，只读文件索引"
    f"（{INDEX}）中医院声明的内容并对文件取哈希（经文件证明，非观测）。符合：测评报告在文件夹中，注明测评结论为“符合”"
    "或“基本符合”及报告日期，且备案证明在文件夹中并注明备案编号。不符合：未提供测评报告或备案证明，或测评结论为"
    "“不符合”。无法判定：未声明文件目录，或未注明测评结论、报告日期或备案编号，或报告日期晚于检查日期。"
    "主机基线（安全计算环境）全部符合不能代替本条。",
    "实施第三级信息安全等级保护 is established by the assessor's 网络安全等级测评报告 and the public security "
    "organ's 备案证明, which ihcheck cannot observe: it reads what the hospital's index "
    f"({INDEX}) states of them and hashes the files (attested, not observed). Pass: the assessment report is in the "
    "folder with its 测评结论 符合 (conforming) or 基本符合 (basically conforming) and its date, and the filing "
    "certificate is in the folder with its 备案编号. Fail: no assessment report or no filing certificate, or the "
    "测评结论 is 不符合. Inconclusive: no documents folder declared, or the conclusion, the report's date or the "
    "filing number not stated, or the report dated after the check. A pass of every host baseline item "
    "(安全计算环境) never stands in for this rule.",
)


def _attested(doc: DocumentFile, what: str) -> Evidence:
    return Evidence(basis=Basis.ATTESTED, statement=f"{what}: {doc.file} ({doc.size} bytes, sha256 {doc.sha256})"
                    + (f", dated {doc.issued}" if doc.issued else "")
                    + (f", 测评结论 {doc.conclusion}" if doc.conclusion else "")
                    + (f", 备案编号 {doc.number}" if doc.number else ""))


def judge_mlps_report(facts: DeploymentFacts) -> list[Finding]:
    hosts = all_hosts(facts)
    docs = facts.documents

    def finding(verdict: Verdict, said: Said, evidence: list[Evidence] | None = None,
                details: dict[str, object] | None = None) -> list[Finding]:
        return [Finding(rule_id=RULE_ID, verdict=verdict, hosts=hosts, **said.reason(), evidence=tuple(evidence or ()),
                        details=details or {})]

    if docs is None:
        return finding(Verdict.INCONCLUSIVE, Said(
            "清单未声明文件目录（ihcheck_documents_dir）：无法读取等级测评报告和备案证明",
            "no documents folder declared (ihcheck_documents_dir): the assessment report and the filing certificate "
            "cannot be read"))
    today = facts.collected_at.date()
    reports = [d for d in docs.for_item(REPORT) if d.present]
    certificates = [d for d in docs.for_item(CERTIFICATE) if d.present]
    evidence = [_attested(d, "网络安全等级测评报告 (assessment report)") for d in reports]
    evidence += [_attested(d, "信息系统安全等级保护备案证明 (filing certificate)") for d in certificates]
    report = max(reports, key=lambda d: (d.issued is not None, d.issued or today), default=None)
    numbered = next((c for c in certificates if c.number), None)
    details: dict[str, object] = {
        "report": report.file if report else None, "conclusion": report.conclusion if report else None,
        "report_date": report.issued.isoformat() if report and report.issued else None,
        "filing_number": numbered.number if numbered else None,
        "basis": "attested",
    }
    missing = [Said(zh, en) for present, zh, en in (
        (report, "等级测评报告", "assessment report"), (certificates, "备案证明", "filing certificate")) if not present]
    if missing:
        holds_no = Said(f"文件夹（{docs.directory}）中没有", f"the folder ({docs.directory}) holds no ")
        return finding(Verdict.FAIL, holds_no + Said.join(missing, "和", " and "), evidence, details)
    assert report is not None
    if report.conclusion == "不符合":
        return finding(Verdict.FAIL, Said(f"等级测评报告 {report.file} 的测评结论为“不符合”（经文件证明）",
                                          f"the assessment report {report.file} concludes 不符合 (non-conforming; "
                                          "attested)"), evidence, details)
    unstated = [Said(zh, en) for value, zh, en in (
        (report.conclusion, "测评结论", "its 测评结论"), (report.issued, "报告日期", "its date"),
        (numbered, "备案编号", "the filing number (备案编号)")) if not value]
    if unstated:
        return finding(Verdict.INCONCLUSIVE, Said(f"{INDEX} 未注明", f"{INDEX} does not state ")
                       + Said.join(unstated, "、", ", ") + Said("（请在索引中写明 conclusion、issued、number）",
                                                               " (give conclusion, issued and number in the index)"),
                       evidence, details)
    assert report.issued is not None and numbered is not None
    if report.issued > today:
        return finding(Verdict.INCONCLUSIVE, Said(f"等级测评报告日期 {report.issued} 晚于检查日期 {today}",
                                                  f"the assessment report is dated {report.issued}, after the check "
                                                  f"({today})"), evidence, details)
    age = (today - report.issued).days
    return finding(Verdict.PASS, Said(
        f"等级测评报告 {report.file}（{report.issued}，{age} 天前）测评结论为“{report.conclusion}”，备案编号 "
        f"{numbered.number}：经文件证明，非观测；这是测评机构的结论，不是 ihcheck 的",
        f"the assessment report {report.file} ({report.issued}, {age} days ago) concludes {report.conclusion}, "
        f"filing number {numbered.number}: attested, not observed; the assessor's conclusion, not ihcheck's"),
        evidence, details)


MLPS_REPORT = Rule(
    id=RULE_ID,
    title="MLPS level 3 as assessed: the assessment report's conclusion and the filing certificate's number",
    title_zh="实施第三级等级保护：等级测评报告的测评结论与备案证明的备案编号",
    clause=cite("GD2020:1.2.1", "GD2020:2.2", interpretation=READING),
    severity=Severity.HIGH,
    tags=("mlps", "documents", "mlps-report"),
    needs=("documents",),
    judge=judge_mlps_report,
    since="2026.12",
    status=Status.PREVIEW,
)

RULES: tuple[Rule, ...] = (MLPS_REPORT,)
