"""Guangdong 2020 二(二), 三.2(2), 三.2(3): the papers a hospital must hand in, judged from its documents folder.

These rules judge what the hospital attests (Basis.ATTESTED), never what was observed: a file
that is listed, present and unexpired satisfies an item; the rule cannot tell whether the paper
says what it should, and its interpretation says so. The 30- and 90-day deadlines of 三(一)/(二)
are computed from the dates in the index and shown with every missing item. "Today" is the day
the facts were collected, so a rule stays a pure function of its facts.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from checker.catalogue.clauses import cite
from checker.catalogue.common import all_hosts
from checker.catalogue.materials_checklist import ITEMS, Item
from checker.model import Basis, Evidence, Finding, Rule, Said, Severity, Verdict
from probes.facts import DeploymentFacts
from probes.facts.materials import INDEX, DocumentFacts, DocumentFile

MATERIALS_ID = "GD2020-2.2-materials"
POLICIES_ID = "GD2020-3.2-policies"
PLANS_ID = "GD2020-3.2-emergency-plans"

NOTICE_ISSUED = date(2020, 5, 18)  # the date the notice is signed
NOTICE_PUBLISHED = date(2020, 5, 21)  # 发布时间: 三(一) counts "自本通知发布之日起", from publication
SUBMISSION_INTERVAL_DAYS = 365  # 三.2(4) 每年提交: the MLPS scans are submitted again within a year of the last



def deadline_base(docs: DocumentFacts) -> date | None:
    """三(一): a hospital already registered when the notice was published counts from its publication (自本通知发布
    之日起); 三(二): any other from its opening (开业之日), or its registration when no opening date is given."""
    if docs.registered_on is not None and docs.registered_on < NOTICE_PUBLISHED:
        return NOTICE_PUBLISHED
    base = docs.opened_on or docs.registered_on
    if base is None:
        return None
    return max(base, NOTICE_PUBLISHED)


def due_date(docs: DocumentFacts, item: Item) -> date | None:
    base = deadline_base(docs)
    if base is None or item.deadline_days is None:
        return None
    return base + timedelta(days=item.deadline_days)


def expiry(doc: DocumentFile, item: Item) -> date | None:
    """The paper's own expiry, when the index gives one. A certificate's age is no expiry: the yearly MLPS
    obligation (三.2(4)) is to submit the scan again each year, judged by `submission_due`."""
    return doc.expires


def submission_due(doc: DocumentFile, item: Item) -> date | None:
    """When a yearly item must be submitted again: a year after its last submission (None: not yearly, or the
    index does not say when it was last submitted)."""
    if not item.annual or doc.submitted is None:
        return None
    return doc.submitted + timedelta(days=SUBMISSION_INTERVAL_DAYS)


def item_status(docs: DocumentFacts, item: Item, today: date) -> dict[str, Any]:
    """present / missing / expired / not_required for one item, with its file, digests and deadline."""
    due = due_date(docs, item)
    row: dict[str, Any] = {"item": item.id, "title_zh": item.title_zh, "title_en": item.title_en,
                           "clause": item.clause, "due": due.isoformat() if due else None, "files": []}
    if item.third_party_only and not docs.third_party:
        row["status"] = "not_required"
        return row
    candidates = docs.for_item(item.id)
    row["files"] = [{"file": d.file, "sha256": d.sha256, "sm3": d.sm3, "issued": d.issued and d.issued.isoformat(),
                     "expires": (e.isoformat() if (e := expiry(d, item)) else None), "present": d.present,
                     "submitted": d.submitted and d.submitted.isoformat(),
                     "submit_again_by": (s.isoformat() if (s := submission_due(d, item)) else None)}
                    for d in candidates]
    present = [d for d in candidates if d.present]
    valid = [d for d in present if (e := expiry(d, item)) is None or e >= today]
    if valid and item.annual:
        dues = [s for d in valid if (s := submission_due(d, item)) is not None]
        if not dues:
            row["status"] = "submission_unknown"
        elif max(dues) < today:
            row["status"] = "submission_overdue"
            row["submit_again_by"] = max(dues).isoformat()
        else:
            row["status"] = "present"
            row["submit_again_by"] = max(dues).isoformat()
    elif valid:
        row["status"] = "present"
    elif present:
        row["status"] = "expired"
    else:
        row["status"] = "missing"
    if row["status"] in ("missing", "expired") and due is not None:
        row["overdue_days"] = (today - due).days
    return row


def _deadline_text(row: dict[str, Any]) -> Said:
    if row.get("due") is None:
        return Said("", "")
    due, days = row["due"], row["overdue_days"]
    if days > 0:
        return Said(f"，应于 {due} 前提交（已逾期 {days} 天）", f", due {due} ({days} days overdue)")
    return Said(f"，应于 {due} 前提交（尚余 {-days} 天）", f", due {due} ({-days} days left)")


# What an item of each group is called in a Chinese reason: the notice's own words for them.
GROUP_ZH = {"materials": "申报材料", "policies": "制度", "emergency-plans": "应急预案"}


def _judge_group(rule_id: str, group: str, facts: DeploymentFacts) -> list[Finding]:
    hosts = all_hosts(facts)
    docs = facts.documents
    if docs is None:
        said = Said(f"清单未声明文件目录：请在 all: vars: 下将 ihcheck_documents_dir 设为存放医院文件的文件夹，"
                    f"其中须有文件索引 {INDEX}",
                    "no documents folder declared: set ihcheck_documents_dir (under all: vars:) to a "
                    f"folder with a {INDEX} index of the hospital's documents")
        return [Finding(rule_id=rule_id, verdict=Verdict.INCONCLUSIVE, hosts=hosts, **said.reason())]
    today = facts.collected_at.date()
    rows = [item_status(docs, item, today) for item in ITEMS if item.group == group]
    evidence: list[Evidence] = []
    for row in rows:
        for f in row["files"]:
            if f["present"]:
                issued = f" issued {f['issued']}" if f["issued"] else ""
                expires = f", expires {f['expires']}" if f["expires"] else ""
                submitted = f", last submitted {f['submitted']}" if f["submitted"] else ""
                evidence.append(Evidence(basis=Basis.ATTESTED, statement=f"{row['title_zh']} ({row['title_en']}): "
                                         f"{f['file']}{issued}{expires}{submitted}, sha256 {f['sha256']}"))
    evidence += [Evidence(basis=Basis.ATTESTED, statement=note) for note in docs.notes]
    missing = [r for r in rows if r["status"] == "missing"]
    expired = [r for r in rows if r["status"] == "expired"]
    required = [r for r in rows if r["status"] != "not_required"]
    overdue = [r for r in rows if r["status"] == "submission_overdue"]
    unknown = [r for r in rows if r["status"] == "submission_unknown"]
    details = {"as_of": today.isoformat(), "deadline_base": (b.isoformat() if (b := deadline_base(docs)) else None),
               "items": rows}
    problems = [Said(f"缺少{r['title_zh']}", f"missing {r['title_zh']} ({r['title_en']})") + _deadline_text(r)
                for r in missing]
    for r in expired:
        ended = max(f["expires"] for f in r["files"] if f["present"] and f["expires"])
        problems.append(Said(f"{r['title_zh']}已过期（{ended} 到期）", f"expired {r['title_zh']} ({r['title_en']}, "
                             f"expired {ended})") + _deadline_text(r))
    problems += [Said(f"{r['title_zh']}的年度提交已逾期（上次提交后一年内应再次提交，截至 {r['submit_again_by']}）",
                      f"the yearly submission of {r['title_zh']} ({r['title_en']}) is overdue (due again by "
                      f"{r['submit_again_by']}, a year after the last)") for r in overdue]
    if problems:
        verdict, reason = Verdict.FAIL, Said.join(problems)
    elif unknown:
        verdict = Verdict.INCONCLUSIVE
        reason = Said.join(Said(f"{r['title_zh']}在册，但索引未写明上次向省监管平台提交的日期（submitted），"
                                "无法判断年度提交（三.2(4)）",
                                f"{r['title_zh']} ({r['title_en']}) is on file, but the index does not say when it was "
                                "last submitted to the platform (submitted), so the yearly submission (三.2(4)) cannot "
                                "be judged") for r in unknown)
    else:
        verdict = Verdict.PASS
        reason = Said(f"要求的 {len(required)} 项{GROUP_ZH[group]}均已齐备且未过期（{docs.directory}），"
                      "经文件证明（非观测）",
                      f"all {len(required)} required item(s) present and unexpired in {docs.directory} (attested)")
    return [Finding(rule_id=rule_id, verdict=verdict, hosts=hosts, **reason.reason(), evidence=tuple(evidence),
                    details=details)]


def judge_materials(facts: DeploymentFacts) -> list[Finding]:
    return _judge_group(MATERIALS_ID, "materials", facts)


def judge_policies(facts: DeploymentFacts) -> list[Finding]:
    return _judge_group(POLICIES_ID, "policies", facts)


def judge_plans(facts: DeploymentFacts) -> list[Finding]:
    return _judge_group(PLANS_ID, "emergency-plans", facts)


_ATTESTED = ("Judged from the hospital's documents folder (ihcheck_documents_dir and its materials.yaml): an item "
             "is satisfied by a listed file that is present and unexpired; ihcheck does not read the paper's content. ")

MATERIALS_READING = Said(
    "依据医院文件目录（ihcheck_documents_dir 及其 materials.yaml）判定：索引列出、文件在册且未过期即满足"
    "该项；ihcheck 不阅读文件内容，所有结论均为“经文件证明”。除二(二)的接入申请表、等级保护任务告知书(回"
    "执)与备案证明、系统部署拓扑图、合作协议（索引 third_party: true 时要求）外，还要求三(一)/(二)须首先"
    "上传的《医疗机构执业许可证》和二(三)3 由省监管平台运营部门出具的《数据接入证明》。等级保护两份扫描件"
    "须每年提交（三.2(4)）：按索引中上次提交日期（submitted）判断，上次提交满一年未再提交为不符合，未写明"
    "提交日期为无法判定；证书签发时间长短本身不构成过期（只有索引写明的 expires 才算）。期限（三(一)/(二)"
    "）：本通知发布（2020-05-21）前已登记的互联网医院自发布之日起算，其他自开业之日起算；许可证、申请表和"
    "拓扑图 30 日，等级保护扫描件 90 日。",
    _ATTESTED + "Besides 二(二)'s application form, MLPS receipt and certificate, topology and agreement "
    "(required when the index says third_party: true), the checklist holds the 《医疗机构执业许可证》 "
    "(practice licence, the first paper to upload under 三(一)/(二)) and the 《数据接入证明》 "
    "(the platform operator's data-access certificate, 二(三)3). "
    "The MLPS receipt and certificate are submitted every year (三.2(4)): judged by the "
    "index's date of the last submission (submitted): fail when a year has passed since it, inconclusive when "
    "the index does not give it; a certificate's age is no expiry (only an expires the index gives is). "
    "Deadlines (三(一)/(二)): a hospital registered before the notice's publication (2020-05-21) counts from "
    "publication, any other from its opening; 30 days for the licence, form and topology, 90 days for the MLPS "
    "scans.",
)

MATERIALS = Rule(
    id=MATERIALS_ID,
    title="The access materials are on file: practice licence, application form, MLPS receipt and certificate "
    "(submitted yearly), topology, data-access certificate, agreement",
    title_zh="接入省监管平台需提交的材料齐备：执业许可证、接入申请表、等级保护任务告知书(回执)与备案证明（每年提交）、"
    "系统部署拓扑图、数据接入证明、合作协议",
    clause=cite("GD2020:2.2", interpretation=MATERIALS_READING),
    severity=Severity.HIGH,
    tags=("documents",),
    needs=("documents",),
    judge=judge_materials,
)

POLICIES = Rule(
    id=POLICIES_ID,
    title="The eight internet-hospital management policies are on file",
    title_zh="八项互联网医院管理制度齐备",
    clause=cite("GD2020:3.2.2", interpretation=_ATTESTED + "Due 30 days from opening (三(二))."),
    severity=Severity.MEDIUM,
    tags=("documents",),
    needs=("documents",),
    judge=judge_policies,
)

EMERGENCY_PLANS = Rule(
    id=PLANS_ID,
    title="Emergency plans for power loss, network loss, equipment failure and security incidents are on file",
    title_zh="停电、断网、设备故障、网络信息安全等突发事件的应急预案齐备",
    clause=cite("GD2020:3.2.3", interpretation=
                  _ATTESTED + "One file may cover several plans (list them all under its items). "
                  "Due 30 days from opening (三(二))."),
    severity=Severity.MEDIUM,
    tags=("documents",),
    needs=("documents",),
    judge=judge_plans,
)

RULES: tuple[Rule, ...] = (MATERIALS, POLICIES, EMERGENCY_PLANS)  # the catalogue lists them in this order
