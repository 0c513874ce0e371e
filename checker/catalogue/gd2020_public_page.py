"""Guangdong 2020 四(二) 亮证经营: the licence, the schedules, the reply time limit and the fees, published.

The patient-facing pages the hospital declares are fetched and (when declared script-rendered) rendered from the
checker; this rule searches their visible text for the four things the clause names. The licence is found by its
number, known from the hospital's own materials (the 执业许可证's `number` in the documents index), so a page that
merely says "执业许可证" does not pass. Which place of the system is "prominent" (主要位置) is the hospital's
declaration and the screenshot's to show a person: the rule says what was found where, not how prominent it is.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from checker.catalogue.clauses import cite
from checker.catalogue.common import all_hosts
from checker.model import Basis, Evidence, Finding, Rule, Said, Severity, Status, Verdict
from probes.facts import DeploymentFacts
from probes.facts.public_pages import FetchedPage

RULE_ID = "GD2020-4.2-public-page"
LICENCE_ITEM = "practice-licence"
EXCERPT = 60  # characters of page text quoted around a find

_TIME = r"(?:\d+\s*(?:分钟|小时|个?工作日|天|日|h|min))"
_MONEY = r"(?:\d+(?:\.\d+)?\s*元|[¥￥]\s*\d+(?:\.\d+)?)"
_DAYS = r"(?:周[一二三四五六日天]|星期[一二三四五六日天]|[上下]午|\d{1,2}\s*[:：]\s*\d{2})"
# What counts as each item, as a patient would read it: a word the notice uses and the figure that makes it real.
PATTERNS: dict[str, re.Pattern[str]] = {
    # a schedule is often a table: its heading and its first time slot may stand on different lines
    "schedule": re.compile(rf"(?:出诊|排班|坐诊)[\s\S]{{0,120}}?{_DAYS}|{_DAYS}[^\n]{{0,40}}?(?:出诊|坐诊)"),
    "reply_time_limit": re.compile(rf"(?:回复|答复|响应)[^\n]{{0,30}}?{_TIME}|{_TIME}[^\n]{{0,12}}?(?:回复|答复|响应)"),
    "fees": re.compile(rf"(?:收费|费用|诊查费|咨询费|挂号费|价格|诊金)[^\n]{{0,40}}?{_MONEY}"),
}
ITEMS: dict[str, Said] = {
    "licence": Said("《医疗机构执业许可证》（登记号）", "the practice licence (its number)"),
    "schedule": Said("出诊排班", "the consultation schedule"),
    "reply_time_limit": Said("问诊咨询回复时限", "the reply time limit"),
    "fees": Said("收费", "the fees"),
}

READING = Said(
    "检查医院声明的面向患者的页面（ihcheck_public_pages，从检查机发起只读 GET，按声明用系统 Chromium 渲染）："
    "执业许可证以医院材料索引中《医疗机构执业许可证》的登记号（number）在页面文字中出现为准；出诊排班须有“出诊/排班/坐诊”"
    "及星期或时段；回复时限须有“回复/答复/响应”及时长；收费须有收费类词语及金额。符合：四项都在已读取的页面上找到。"
    "不符合：所有声明页面均已读取，仍缺少其中一项（执业许可证须已知登记号）。无法判定：未声明页面，或有页面未能读取"
    "且有项目未找到，或材料未注明执业许可证登记号。“主要位置”由医院声明、截图供人工查看，ihcheck 不判断显著程度。",
    "The patient-facing pages the hospital declares (ihcheck_public_pages) are fetched read-only from the checker "
    "and, where declared script-rendered, rendered in the system Chromium. The licence counts as published when the "
    "number of the 医疗机构执业许可证 stated in the hospital's materials index appears in a page's text; the schedule "
    "needs 出诊/排班/坐诊 with a weekday or time; the reply time limit needs 回复/答复/响应 with a duration; the fees "
    "need a fee word with an amount. Pass: all four found on the pages read. Fail: every declared page was read and "
    "one is missing (the licence only when its number is known). Inconclusive: no page declared, a page could not "
    "be read while something is missing, or the materials state no licence number. Which place is prominent "
    "(主要位置) is the hospital's declaration and the screenshot's to show: ihcheck does not judge prominence.",
)


@dataclass(frozen=True)
class Found:
    url: str
    excerpt: str


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def excerpt(text: str, start: int, end: int) -> str:
    """A short quote of page text around [start, end): one line, printable characters only, at most EXCERPT long.

    >>> excerpt("许可证\\n登记号：PDY-7\\x1b[31m 号", 4, 13)
    '许可证 登记号：PDY-7[31m 号'
    """
    lo, hi = max(0, start - 12), min(len(text), max(end, start + 1) + 12)
    quote = "".join(c for c in text[lo:hi].replace("\n", " ") if c.isprintable())
    return quote.strip()[:EXCERPT]


def find_licence(text: str, number: str) -> int | None:
    """Where the licence number appears, spaces and full-width forms ignored (None: it does not).

    >>> find_licence("执业许可证登记号： PDY 6010 544", "PDY60105 44"), find_licence("执业许可证", "PDY1") is None
    (10, True)
    """
    squashed, wanted = _squash(text), _squash(number)
    at = squashed.find(wanted) if wanted else -1
    if at < 0:
        return None
    seen = 0  # map the squashed offset back into `text`
    for i, c in enumerate(text):
        if not re.match(r"\s", unicodedata.normalize("NFKC", c) or " "):
            if seen == at:
                return i
            seen += len(unicodedata.normalize("NFKC", c))
    return None


def search(pages: tuple[FetchedPage, ...], number: str | None) -> dict[str, Found]:
    found: dict[str, Found] = {}
    for page in pages:
        if not page.read:
            continue
        text = page.text
        if number and "licence" not in found:
            at = find_licence(text, number)
            if at is not None:
                found["licence"] = Found(page.page.url, excerpt(text, at, at + len(number)))
        for item, pattern in PATTERNS.items():
            match = None if item in found else pattern.search(text)
            if match is not None:
                found[item] = Found(page.page.url, excerpt(text, match.start(), match.end()))
    return found


def _page_evidence(page: FetchedPage) -> Evidence:
    what = f"public page {page.page.url} ({page.page.rendering})"
    if page.status is not None:
        what += f": HTTP {page.status}, {page.size} bytes, sha256 {page.sha256}, sm3 {page.sm3}"
    if page.tls_verified:
        what += ", TLS verified"
    if page.rendered_sha256:
        what += f"; rendered DOM sha256 {page.rendered_sha256}"
    if page.screenshot_sha256:
        what += f"; screenshot sha256 {page.screenshot_sha256} sm3 {page.screenshot_sm3} " \
                f"(observation {page.screenshot_observation})"
    if page.error:
        what += f"; not read: {page.error}"
    return Evidence(statement=what, observations=page.observations)


def judge_public_page(facts: DeploymentFacts) -> list[Finding]:
    hosts = all_hosts(facts)
    fetched = facts.public_pages

    def finding(verdict: Verdict, said: Said, evidence: list[Evidence], details: dict[str, object]) -> list[Finding]:
        return [Finding(rule_id=RULE_ID, verdict=verdict, hosts=hosts, **said.reason(), evidence=tuple(evidence),
                        details=details)]

    if fetched is None or not fetched.pages:
        notes = "; ".join(fetched.notes) if fetched is not None and fetched.notes else ""
        return finding(Verdict.INCONCLUSIVE, Said(
            "清单未声明面向患者的公示页面（ihcheck_public_pages）" + (f"：{notes}" if notes else ""),
            "no patient-facing page is declared (ihcheck_public_pages)" + (f": {notes}" if notes else "")), [], {})
    docs = facts.documents
    licences = [d for d in docs.for_item(LICENCE_ITEM) if d.present] if docs is not None else []
    number = next((d.number for d in licences if d.number), None)
    evidence = [Evidence(basis=Basis.DECLARED, statement="pages declared by the hospital (ihcheck_public_pages): "
                         + ", ".join(p.page.url for p in fetched.pages))]
    evidence += [Evidence(basis=Basis.ATTESTED, statement=f"医疗机构执业许可证 {d.file} (sha256 {d.sha256})"
                          + (f", number {d.number}" if d.number else ", no number stated in the index"))
                 for d in licences]
    evidence += [_page_evidence(p) for p in fetched.pages]
    evidence += [Evidence(statement=n) for n in fetched.notes]
    found = search(fetched.pages, number)
    unread = [p for p in fetched.pages if not p.read]
    details: dict[str, object] = {
        "licence_number": number, "basis": "observed (pages), attested (licence number)",
        "found": {k: {"url": v.url, "excerpt": v.excerpt} for k, v in found.items()},
        "unread": [p.page.url for p in unread],
    }
    evidence += [Evidence(statement=f"{ITEMS[k].en} found at {v.url}: 「{v.excerpt}」") for k, v in found.items()]
    where = Said.join((ITEMS[k] + f" @ {v.url}「{v.excerpt}」" for k, v in found.items()), "；", "; ")
    missing = [k for k in ITEMS if k not in found]
    if not missing:
        return finding(Verdict.PASS, Said("四项公示信息均已找到：", "all four items are published: ") + where,
                       evidence, details)
    absent = Said.join((ITEMS[k] for k in missing), "、", ", ")
    if not unread and (number or "licence" not in missing):
        read_all = Said("所有声明页面均已读取，未公示：", "every declared page was read; not published: ")
        also = Said("（已找到：", " (found: ") + where + Said("）", ")") if found else Said("", "")
        return finding(Verdict.FAIL, read_all + absent + also, evidence, details)
    why: list[Said] = []
    if number is None:
        why.append(Said("材料索引未注明《医疗机构执业许可证》的登记号（在 materials.yaml 中为 practice-licence 写明 "
                        "number），无法核对页面上的许可证",
                        "the materials index states no number for the practice licence (give `number` for "
                        "practice-licence in materials.yaml): the licence on the page cannot be checked"))
    why += [Said(f"{p.page.url} 未能读取：{p.error or '无文字'}", f"{p.page.url} not read: {p.error or 'no text'}")
            for p in unread]
    return finding(Verdict.INCONCLUSIVE, Said("未找到：", "not found: ") + absent + Said("；", "; ")
                   + Said.join(why), evidence, details)


PUBLIC_PAGE = Rule(
    id=RULE_ID,
    title="Licence-displayed operation: the licence, schedules, reply time limit and fees are published",
    title_zh="亮证经营：公布执业许可证、出诊排班、问诊咨询回复时限和收费",
    clause=cite("GD2020:4.2.2", interpretation=READING),
    severity=Severity.MEDIUM,
    tags=("public-page",),
    needs=("public_pages", "documents"),
    judge=judge_public_page,
    since="2026.12",
    status=Status.PREVIEW,
)

RULES: tuple[Rule, ...] = (PUBLIC_PAGE,)
