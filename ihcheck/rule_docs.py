"""Per-rule documentation generated from the rule table, as ruff and ansible-lint generate theirs.

One text per rule, Chinese first and English beside it: the clause it cites (and the standard's item),
how ihcheck reads it, what each verdict means, what the finding rests on (observed, declared, attested),
and the rule's own examples judged again (tests/data/facts/<rule-id>/<verdict>.json). The same Markdown is
`ihcheck rules --explain ID` in the terminal and docs/rules/<id>.md in the repository (`ihcheck rules
--docs docs/rules`); tests/checker/test_rule_docs.py fails when the committed pages drift from the table.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from checker.catalogue import CATALOGUE, CATALOGUE_VERSION
from checker.engine import evaluate
from checker.model import VERDICT_ZH, Clause, Rule, Verdict
from probes.facts import DeploymentFacts

# The rules' example facts, in a checkout of the repository (an installed wheel has no tests/).
EXAMPLES = Path(__file__).resolve().parents[1] / "tests" / "data" / "facts"

# What each verdict means for any rule; the rule's reading (its interpretation) says when it applies.
MEANING: dict[Verdict, tuple[str, str]] = {
    Verdict.PASS: ("观测到（规则允许时经文件证明）的事实满足条款",
                   "the facts observed (or attested, where the rule allows it) satisfy the clause"),
    Verdict.FAIL: ("观测到的事实与条款相悖", "the facts observed contradict the clause"),
    Verdict.INCONCLUSIVE: ("未能观测到足以判定的事实，原因随结论给出",
                           "not enough could be observed to decide; the reason says what was missing"),
    Verdict.ERROR: ("探针出错（异常、无法解析的输出），不是对主机的判断",
                    "a probe broke (an exception, unparseable output); not a statement about the host"),
    Verdict.NOT_APPLICABLE: ("条款不适用于该部署", "the clause does not apply to this deployment"),
}
BASIS_ZH = {"observed": "观测", "declared": "声明", "attested": "文件证明", "simulated": "模拟"}
SCOPE_ZH = {"deployment": "整个部署", "host": "逐台主机"}


def _source(clause: Clause) -> list[str]:
    d = clause.document
    cited = "，".join(p for p in (d.issuer_zh, d.number, d.issued) if p)
    issuer_en = f", {d.issuer_en}" if d.issuer_en else ""
    lines = [f"《{d.title_zh}》（{cited}）{clause.ref}", "", f"*{d.title_en}*{issuer_en}, {clause.ref}"]
    if d.url:
        lines += ["", f"<{d.url}>"]
    return lines


def _quote(text: str) -> list[str]:
    """A blockquote of the clause as printed: a leading "3." stays a clause number, not a Markdown list."""
    return ["> " + re.sub(r"^(\d+)\.", r"\1\\.", text)]


def _examples(rule: Rule, examples: Path) -> list[str]:
    found = sorted((examples / rule.id).glob("*.json")) if examples.is_dir() else []
    if not found:
        return ["（本安装中没有示例 No examples in this installation: see docs/rules/ in the repository.）"]
    lines: list[str] = []
    order = [v.value for v in Verdict]
    for path in sorted(found, key=lambda p: order.index(p.stem) if p.stem in order else len(order)):
        facts = DeploymentFacts.model_validate_json(path.read_text(encoding="utf-8"))
        findings = evaluate(facts, [rule])
        bases = Counter(e.basis.value for f in findings for e in f.evidence)
        rests = "，".join(f"{BASIS_ZH[b]} {n}" for b, n in sorted(bases.items())) or "无"
        rests_en = ", ".join(f"{b} {n}" for b, n in sorted(bases.items())) or "none"
        lines += [f"### {VERDICT_ZH[Verdict(path.stem)]} {path.stem}", "",
                  f"示例事实 Facts: `tests/data/facts/{rule.id}/{path.name}` ({facts.inventory})", ""]
        for finding in findings:
            hosts = ", ".join(finding.hosts) or "—"
            lines += [f"- **{VERDICT_ZH[finding.verdict]} {finding.verdict.value}** ({hosts})",
                      f"  - {finding.reason_zh}", f"  - {finding.reason}"]
        lines += ["", f"依据 Rests on: {rests} / {rests_en}", ""]
    return lines


def explain(rule: Rule, examples: Path = EXAMPLES) -> str:
    """The rule's page, in Markdown."""
    c, s = rule.clause, rule.standard
    lines = [f"# {rule.id}", "", f"**{rule.title_zh}**", "", rule.title, "",
             "| 严重程度 Severity | 范围 Scope | 标签 Tags | 状态 Status | 始于 Since | 所需事实 Needs |",
             "|---|---|---|---|---|---|",
             f"| {rule.severity.value} | {SCOPE_ZH[rule.scope]} {rule.scope} | {', '.join(rule.tags)} | "
             f"{rule.status.value} | {rule.since} | {', '.join(rule.needs)} |", "",
             "## 条款 Clause", "", *_source(c), "", *_quote(c.text_zh), "", *_quote(c.text_en), ""]
    if s is not None:
        lines += ["## 标准要求 Standard item", "", *_source(s), "", *_quote(s.text_zh), "", *_quote(s.text_en), ""]
    if rule.read_with:
        lines += ["## 参照 Read with", ""]
    for other in rule.read_with:
        lines += [*_source(other), "", *_quote(other.text_zh), "", *_quote(other.text_en), ""]
    readings = [r for x in (c, s) if x is not None for r in (x.interpretation_zh, x.interpretation) if r]
    if readings:  # the Chinese reading first where the rule has one
        lines += ["## ihcheck 的理解 How ihcheck reads it", "", *(line for r in readings for line in (r, ""))]
    lines += ["## 结论 Verdicts", ""]
    for verdict in (Verdict.PASS, Verdict.FAIL, Verdict.INCONCLUSIVE, Verdict.ERROR):
        zh, en = MEANING[verdict]
        lines.append(f"- **{VERDICT_ZH[verdict]} {verdict.value}**：{zh} — {en}")
    if rule.blind_hint is not None:
        lines.append(f"- 无法观测时 When a host cannot show it: {rule.blind_hint.zh} — {rule.blind_hint.en}")
    lines += ["", "观测与证明 Observed and attested: 只有从主机看到的才是“观测”；清单变量是“声明”，文件是“文件证明”，"
              "两者都不会被记作观测。Only what was seen on a host is observed; an inventory variable is declared and "
              "a document attested, never observed.", "", "## 示例 Examples", "", *_examples(rule, examples)]
    return "\n".join(lines).rstrip() + "\n"


def index() -> str:
    """docs/rules/README.md: the catalogue, one line a rule."""
    lines = [f"# 规则 Rules (catalogue {CATALOGUE_VERSION})", "",
             "Generated by `ihcheck rules --docs docs/rules` from the rule table (checker/catalogue); do not edit.", "",
             "| Rule | 检查内容 What it checks | Status | Tags |", "|---|---|---|---|"]
    for r in CATALOGUE:
        lines.append(f"| [`{r.id}`]({r.id}.md) | {r.title_zh}<br>{r.title} | {r.status.value} | {', '.join(r.tags)} |")
    return "\n".join(lines) + "\n"


def pages(examples: Path = EXAMPLES) -> dict[str, str]:
    """Every page of docs/rules/, by file name."""
    return {"README.md": index(), **{f"{r.id}.md": explain(r, examples) for r in CATALOGUE}}


def write(directory: Path, examples: Path = EXAMPLES) -> list[Path]:
    """Write docs/rules/ afresh: a page no rule has any more is removed. Returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    wanted = pages(examples)
    for stale in directory.glob("*.md"):
        if stale.name not in wanted:
            stale.unlink()
    written = []
    for name, text in wanted.items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
