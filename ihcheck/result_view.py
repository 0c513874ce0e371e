"""What a person at the terminal reads after a check: one screen by default, everything with `--detail`.

The full table (every finding of every host with its evidence) ran to some 2,000 lines on the default
deployment, and the three lines that matter (what failed, where, what to do) scrolled away. So the default is:
one line per rule (its worst verdict and how many hosts pass, fail, are inconclusive or rest on a document;
MLPS items of one §8.1.4 family that all pass alike share a line, so a growing catalogue still fits a screen,
while an item that did not pass always has its own), then each rule that did not pass with its reasons
grouped by host and the fix where the catalogue has one, then the hosts that could not be reached, then the
one-line summary. `--detail` prints the full table as before; JSON and the reports are not touched. Chinese
first, English beside it, as in every other output.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from checker.model import VERDICT_ZH
from ihcheck.terminal import clean

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from reports.result import CheckResult, FindingOut

VERDICT_STYLE = {
    "pass": "bold green", "fail": "bold red", "inconclusive": "bold yellow",
    "error": "bold magenta", "not_applicable": "dim",
}
_MARK = {"pass": "✓", "fail": "✗", "inconclusive": "?", "error": "!", "not_applicable": "-"}
_ORDER = ("fail", "error", "inconclusive", "pass", "not_applicable")
_GROUPS_SHOWN = 3  # per rule, the distinct reasons shown before "… N more (--detail)"
_HOSTS_SHOWN = 6


def _text(value: object) -> str:
    """Host- or user-supplied text inside rich markup: control sequences stripped, markup escaped."""
    return escape(clean(value))


def _attested(finding: FindingOut) -> bool:
    return finding.verdict == "pass" and any(e.get("basis") == "attested" for e in finding.evidence)


@dataclass
class RuleLine:
    """A rule's findings folded into one line: its worst verdict, its hosts by verdict, the attested passes."""

    rule_id: str
    deployment: bool = False  # a fleet-level rule: one verdict for the whole deployment, not a count of hosts
    verdict: str = "pass"
    hosts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    attested: int = 0
    findings: list[FindingOut] = field(default_factory=list)

    def add(self, finding: FindingOut) -> None:
        self.findings.append(finding)
        # a deployment-level finding names every host it rests on; it is one verdict, counted once
        verdict = str(finding.verdict)
        self.hosts[verdict] += 1
        self.attested += _attested(finding)
        if _ORDER.index(verdict) < _ORDER.index(self.verdict) or len(self.findings) == 1:
            self.verdict = verdict

    def counts(self) -> str:
        if self.deployment:
            return f"{_MARK[self.verdict]} 全院" + (" 📄" if self.attested else "")  # one verdict, the deployment's
        parts = [f"{self.hosts[v]}{_MARK[v]}" for v in _ORDER if self.hosts.get(v)]
        return " ".join(parts) + (f" {self.attested}📄" if self.attested else "")


def rule_lines(result: CheckResult) -> list[RuleLine]:
    """One line per rule, in the order of the result's findings (the catalogue's)."""
    from checker.catalogue import CATALOGUE

    fleet = {r.id for r in CATALOGUE if r.scope == "deployment"}
    lines: dict[str, RuleLine] = {}
    for finding in result.findings:
        rule_id = finding.rule_id
        lines.setdefault(rule_id, RuleLine(rule_id, deployment=rule_id in fleet)).add(finding)
    return list(lines.values())


@dataclass
class FoldedLine:
    """Consecutive MLPS items of one GB/T 22239 §8.1.4 family that all passed on the same number of hosts, as one
    row: named by the range of ids, the title says how many items it stands for and how many rest partly on a
    document (each item's own count is in --detail)."""

    lines: list[RuleLine]
    family_zh: str
    family_en: str

    @property
    def rule_id(self) -> str:
        first, last = self.lines[0].rule_id, self.lines[-1].rule_id
        return f"{first}…{last.rsplit('-', 1)[-1]}"

    @property
    def verdict(self) -> str:
        return self.lines[0].verdict

    @property
    def attested(self) -> int:
        return sum(1 for line in self.lines if line.attested)

    def counts(self) -> str:
        same = len({line.attested for line in self.lines}) == 1
        return self.lines[0].counts() if same else f"{self.lines[0].counts().split(' ')[0]} 📄"

    def titles(self) -> tuple[str, str]:
        n, attested = len(self.lines), self.attested
        if attested and attested < n:  # the id already names the range: at 80 columns the family is what fits
            return (f"{self.family_zh}（{n} 项，{attested} 项含文件证明）",
                    f"{self.family_en} ({n} items, {attested} partly attested)")
        return f"{self.family_zh}（{n} 项）", f"{self.family_en} ({n} items)"


def _mlps_families() -> dict[str, tuple[str, str, str]]:
    """rule id -> (section, family in Chinese, in English) for the MLPS items of the catalogue."""
    from checker.catalogue import CATALOGUE
    from checker.catalogue.clauses.gbt22239 import ITEMS

    by_clause = {item.clause_id: item for item in ITEMS}
    families = {}
    for rule in CATALOGUE:
        item = by_clause.get(rule.standard.id) if rule.standard is not None and "mlps" in rule.tags else None
        if item is not None:
            families[rule.id] = (item.section, item.family_zh, item.family_en)
    return families


def fold(lines: list[RuleLine]) -> list[RuleLine | FoldedLine]:
    """Runs of two or more passing MLPS items of one family, passing on as many hosts, become one row; the rest
    stay."""
    families = _mlps_families()
    rows: list[RuleLine | FoldedLine] = []
    run: list[RuleLine] = []

    def close() -> None:
        if len(run) > 1:
            _, zh, en = families[run[0].rule_id]
            rows.append(FoldedLine(list(run), zh, en))
        else:
            rows.extend(run)
        run.clear()

    for line in lines:
        family = families.get(line.rule_id)
        foldable = family is not None and line.verdict == "pass"
        if run and not (foldable and family == families[run[0].rule_id] and dict(line.hosts) == dict(run[0].hosts)):
            close()
        if foldable:
            run.append(line)
        else:
            rows.append(line)
    close()
    return rows


def _short_path(path: str) -> str:
    """The inventory as the user would type it from here."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path
    return relative if not relative.startswith("../..") else path


def _titles() -> dict[str, tuple[str, str]]:
    from checker.catalogue import CATALOGUE

    return {r.id: (r.title_zh, r.title) for r in CATALOGUE}


def _short_titles() -> dict[str, tuple[str, str]]:
    """The titles of the one-screen table: an MLPS item's without the unit its id already names (`L3-CES1-04 `),
    its English without the Chinese family name and letter the Chinese gives just before it."""
    from checker.catalogue import CATALOGUE
    from checker.catalogue.clauses.gbt22239 import ITEMS

    by_clause = {item.clause_id: item for item in ITEMS}
    titles = _titles()
    for rule in CATALOGUE:
        zh, en = titles[rule.id]
        item = by_clause.get(rule.standard.id) if rule.standard is not None and "mlps" in rule.tags else None
        if item is not None:
            letter = f"{item.letter}) " if item.letter else ""
            zh, en = zh.removeprefix(f"{item.unit} "), en.removeprefix(f"{item.unit} {item.family_zh} {letter}")
        # a clause reference both titles open with ("8.1.3.1 a) "), once
        same = next((i for i, (a, b) in enumerate(zip(zh, en, strict=False)) if a != b), min(len(zh), len(en)))
        shared = zh[:same][:zh[:same].rfind(" ") + 1]
        titles[rule.id] = (zh, en[len(shared):] if len(shared) >= 4 else en)
    return titles


WIDE = 120  # from this many columns the table has room for the verdict in words; below, its mark says it


def _legend(rows: list[RuleLine | FoldedLine]) -> str:
    """What the marks of the Hosts column mean, for the marks the table uses."""
    used = {row.verdict for row in rows} | {v for row in rows if isinstance(row, RuleLine)
                                              for v, n in row.hosts.items() if n}
    parts = [f"{_MARK[v]} {VERDICT_ZH.get(v, '')} {v.replace('_', ' ')}" for v in _ORDER if v in used]
    if any(row.attested for row in rows):
        parts.append("📄 含文件证明 attested")
    return "  ".join(parts)


def _lines_of(parts: list[str], width: int, sep: str = "  ") -> list[str]:
    """Parts joined on as few lines as fit `width`, a line breaking only between parts."""
    lines: list[str] = []
    for part in parts:
        if lines and cell_len(lines[-1] + sep + part) <= width:
            lines[-1] += sep + part
        else:
            lines.append(part)
    return lines


def print_short(result: CheckResult, console: Console) -> None:
    """The default: a line per rule, then what did not pass and why, then the summary."""
    titles = _short_titles()
    lines = rule_lines(result)
    hosts = len(result.facts.hosts)
    # one line, the inventory's path cut short at the edge: every line of the screen is a rule's
    console.print(f"[bold]ihcheck {result.tool.version}[/bold] · {hosts} 台主机 hosts · {len(lines)} 条规则 rules · "
                  f"{_text(_short_path(result.inventory))}", no_wrap=True, overflow="ellipsis")
    wide = console.width >= WIDE
    # two spaces between columns (a pad and the box's divider), none at the edges
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, padding=(0, 1, 0, 0), expand=True)
    rows = fold(lines)
    # the id, the verdict and the counts are never cut (they name what failed); the title takes what is left
    ids = [clean(x.rule_id) for x in rows]
    verdicts = [f"{VERDICT_ZH.get(x.verdict, '')} {x.verdict}" for x in rows]
    counts = [x.counts() for x in rows]
    table.add_column("规则 Rule", no_wrap=True, min_width=max(map(cell_len, ids), default=8))
    if wide:
        table.add_column("判定 Verdict", no_wrap=True, min_width=max(map(cell_len, verdicts), default=8))
    table.add_column("主机 Hosts", no_wrap=True, min_width=max(map(cell_len, counts), default=4))
    table.add_column("检查内容 What", no_wrap=True, overflow="ellipsis", ratio=1)
    for row, rule_id, verdict, count in zip(rows, ids, verdicts, counts, strict=True):
        title_zh, title = row.titles() if isinstance(row, FoldedLine) else titles.get(row.rule_id, ("", ""))
        what = " ".join(part for part in (_text(title_zh), f"[dim]{_text(title)}[/dim]" if title else "") if part)
        style = VERDICT_STYLE[row.verdict]
        cells = [escape(rule_id), *([f"[{style}]{verdict}[/]"] if wide else []), f"[{style}]{count}[/]", what]
        table.add_row(*cells)
    console.print(table)
    for line in _lines_of(_legend(rows).split("  "), console.width):
        console.print(f"[dim]{line}[/dim]")
    _print_problems(lines, titles, console)
    _print_problems(lines, titles, console, verdicts=("not_applicable",))
    _print_unreached(result, console)
    console.print()
    print_summary(result, console)


@dataclass
class Problem:
    """One reason shared by findings that did not pass: the rules that gave it and the hosts it was given for."""

    verdict: str
    reason_zh: str
    reason: str
    fix: str
    rules: list[str] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)


def _without_host(reason: str, hosts: tuple[str, ...]) -> str:
    """A per-host reason says whose it is ("db1: …"); the name is listed apart, so equal reasons group."""
    for host in hosts:
        for sep in (": ", "："):
            if reason.startswith(host + sep):
                return reason[len(host) + len(sep):]
    return reason


_NOT_PASSED = ("fail", "error", "inconclusive")


def problems(lines: list[RuleLine], verdicts: tuple[str, ...] = _NOT_PASSED) -> tuple[list[Problem], dict[str, int]]:
    """What did not pass, grouped by reason across rules and hosts (34 MLPS items blind on one host for the same
    reason are one problem, not 34), worst first; at most `_GROUPS_SHOWN` reasons a rule, the rest counted."""
    found: dict[tuple[str, str, str, str], Problem] = {}
    per_rule: dict[str, int] = defaultdict(int)
    left: dict[str, int] = defaultdict(int)
    for line in lines:
        for finding in line.findings:
            verdict = str(finding.verdict)
            if verdict not in verdicts:
                continue
            fix = str(finding.details.get("remediation") or "")
            hosts = finding.hosts
            key = (verdict, _without_host(finding.reason_zh, hosts), _without_host(finding.reason, hosts), fix)
            if key not in found and per_rule[line.rule_id] >= _GROUPS_SHOWN:
                left[line.rule_id] += 1
                continue
            problem = found.setdefault(key, Problem(verdict, key[1], key[2], fix))
            if line.rule_id not in problem.rules:
                problem.rules.append(line.rule_id)
                per_rule[line.rule_id] += 1
            problem.hosts += [h for h in finding.hosts if h not in problem.hosts]
    ordered = sorted(found.values(), key=lambda p: _ORDER.index(p.verdict))
    return ordered, dict(left)


def _print_problems(lines: list[RuleLine], titles: dict[str, tuple[str, str]], console: Console,
                    verdicts: tuple[str, ...] = _NOT_PASSED) -> None:
    """Each reason something did not pass: the rules (every one named), the hosts, both languages, the fix.
    For `not_applicable`, the rules and why they do not apply, without the hosts (it is the deployment's)."""
    found, left = problems(lines, verdicts)
    with_hosts = verdicts == _NOT_PASSED
    for problem in found:
        style = VERDICT_STYLE[problem.verdict]
        rules = ", ".join(_text(r) for r in problem.rules)
        title = ""
        if len(problem.rules) == 1:
            title_zh, title_en = titles.get(problem.rules[0], ("", ""))
            title = f" {_text(title_zh)} [dim]{_text(title_en)}[/dim]"
        console.print()
        # what follows the mark is indented, its wrapped lines too: each block reads apart at 80 columns
        mark = f"{_MARK[problem.verdict]} {VERDICT_ZH.get(problem.verdict, '')} {problem.verdict}"
        print_wrapped(console, f"[{style}]{mark}[/] [bold]{rules}[/bold]{title}", first=0)
        names = problem.hosts or ["—"]
        shown = ", ".join(_text(n) for n in names[:_HOSTS_SHOWN])
        more = f" +{len(names) - _HOSTS_SHOWN}" if len(names) > _HOSTS_SHOWN else ""
        if with_hosts:
            print_wrapped(console, f"[dim]主机 hosts:[/dim] {shown}{more}")
        print_wrapped(console, _text(problem.reason_zh or problem.reason))
        if problem.reason_zh:
            print_wrapped(console, f"[dim]{_text(problem.reason)}[/dim]")
        if problem.fix:
            print_wrapped(console, f"[cyan]整改 Fix:[/cyan] {_text(problem.fix)}")
    if left:
        counted = ", ".join(f"{_text(rule)} ({n})" for rule, n in left.items())
        console.print(f"\n[dim]其他理由 more reasons: {counted}: --detail[/dim]")


_NO_LINE_START = frozenset("，。、；：？！）】」』》〉”’·…")  # closing marks stay with what they close
_NO_LINE_END = frozenset("（【「『《〈“‘")  # opening marks with what they open


def wrap_mixed(text: Text, width: int, *, first: int = 2, indent: int = 2) -> list[Text]:
    """`text` broken into lines of `width` cells, the first indented `first`, the rest `indent`: English breaks at
    a space, Chinese between any two characters (rich breaks only at spaces, and moved a whole clause of Chinese,
    which has none, to a line of its own, or cut a word to fit it)."""
    plain, lines = text.plain, []
    start, used, allowed, limit, after_wide = 0, 0, -1, max(width - first, 8), False
    i = 0
    while i < len(plain):
        cells = cell_len(plain[i])
        if (plain[i] == " " or cells == 2 or after_wide) and plain[i] not in _NO_LINE_START and (
                i == 0 or plain[i - 1] not in _NO_LINE_END):
            allowed = i  # a line may end just before this character
        if used + cells > limit and i > start:
            cut = allowed if allowed > start else i
            lines.append(text[start:cut])
            start = cut
            while start < len(plain) and plain[start] == " ":
                start += 1
            used, allowed, limit = cell_len(plain[start:i]), -1, max(width - indent, 8)
            if start > i:
                i, after_wide = start, False
                continue
        used += cells
        after_wide = cells == 2
        i += 1
    lines.append(text[start:])
    return [Text(" " * (first if n == 0 else indent)) + line for n, line in enumerate(lines)]


def print_wrapped(console: Console, markup: str, *, first: int = 2, indent: int = 2) -> None:
    """A line of a problem's block, wrapped by `wrap_mixed`, its continuation lines indented two (a bullet's
    four, under its text)."""
    indent = 4 if markup.startswith("• ") else indent
    for line in wrap_mixed(Text.from_markup(markup, emoji=False), console.width, first=first, indent=indent):
        line.rstrip()
        console.print(line, no_wrap=True, overflow="ignore", crop=False)


def _print_unreached(result: CheckResult, console: Console) -> None:
    for host in result.facts.hosts:
        if not host.reachable:
            reason = _text(host.unreachable_reason or "")
            console.print(f"[yellow]无法连接 unreachable:[/] {_text(host.name)} ({_text(host.address)}): {reason}")
        for probe, problem in host.errors.items():
            console.print(f"[magenta]探针出错 probe error:[/] {_text(host.name)} {probe}: {_text(problem)}")


def _finding_lines(finding: FindingOut, titles: dict[str, tuple[str, str]]) -> list[str]:
    """What a finding checks, why it was judged so and the evidence, as lines of markup."""
    # what the rule checks in Chinese first, its English beside it (a result from another catalogue has neither)
    title_zh, title = titles.get(finding.rule_id, ("", ""))
    lines = ([f"[bold]{escape(title_zh)}[/bold]"] if title_zh else []) + ([f"[dim]{escape(title)}[/dim]"]
                                                                          if title else [])
    if finding.reason_zh:  # the reason in Chinese first, its English dimmed beneath
        lines += [_text(finding.reason_zh), f"[dim]{_text(finding.reason)}[/dim]"]
    else:
        lines.append(_text(finding.reason))
    for item in finding.evidence:
        obs = f" [dim]\\[{', '.join(item['observations'])}][/dim]" if item["observations"] else ""
        basis = "" if item["basis"] == "observed" else f" [italic]({item['basis']})[/italic]"
        lines.append(f"• {_text(item['statement'])}{basis}{obs}")
    return lines


def print_detail(result: CheckResult, console: Console) -> None:
    """`--detail`: every finding of every host, with the evidence behind it: a table from 120 columns; below, a
    block a finding (in a table of 80 columns the reason had 27 of them, and a finding ran to 40 lines)."""
    titles = _titles()
    if console.width < WIDE:
        console.print(f"[bold]ihcheck {result.tool.version}[/bold] — {_text(result.inventory)}")
        for finding in result.findings:
            verdict = str(finding.verdict)
            waived = f" [dim]waived ({_text(finding.waiver.ticket)})[/dim]" if finding.waiver else ""
            console.print()
            mark = f"{_MARK[verdict]} {VERDICT_ZH.get(verdict, '')} {verdict}"
            print_wrapped(console, f"[{VERDICT_STYLE[verdict]}]{mark}[/] [bold]{escape(finding.rule_id)}[/bold]"
                          f"{waived} [dim]主机 hosts:[/dim] {_text(', '.join(finding.hosts))}", first=0)
            for line in _finding_lines(finding, titles):
                print_wrapped(console, line)
        console.print()
        _print_unreached(result, console)
        print_summary(result, console)
        return
    table = Table(title=f"ihcheck {result.tool.version} — {_text(result.inventory)}", show_lines=True)
    table.add_column("规则\nRule", overflow="fold", max_width=max(16, console.width // 5))
    table.add_column("判定\nVerdict", no_wrap=True)
    table.add_column("主机\nHosts", max_width=max(12, console.width // 8))
    # fold, not ellipsis: a Chinese title has no spaces to wrap at (rich measures its double-width cells)
    table.add_column("检查内容与理由\nWhat and why", overflow="fold")
    for finding in result.findings:
        verdict = str(finding.verdict)
        waived = f"\n[dim]waived ({_text(finding.waiver.ticket)})[/dim]" if finding.waiver else ""
        table.add_row(finding.rule_id, f"[{VERDICT_STYLE[verdict]}]{VERDICT_ZH.get(verdict, '')}\n{verdict}[/]{waived}",
                      _text(", ".join(finding.hosts)), "\n".join(_finding_lines(finding, titles)))
    console.print(table)
    _print_unreached(result, console)
    print_summary(result, console)


def print_summary(result: CheckResult, console: Console) -> None:
    """One line: how many findings of each verdict, and the exit code."""
    counts = ", ".join(f"{n} {v}" for v, n in result.summary["verdicts"].items() if n)
    # a pass that cites a document is not all observation: say how many, so nobody reads them as seen on a host
    attested = sum(1 for f in result.findings if _attested(f))
    if attested:
        counts += f" ({attested} attested, not observed)"
    line = f"{len(result.findings)} findings: {counts}; exit code {result.exit_code}"
    if cell_len(line) > console.width:  # broken where it reads, not inside "exit code 0"
        line = line.replace("; exit code", ";\nexit code")
    console.print(line)


def print_demo(result: CheckResult, console: Console, *, scenario: str, expected: Mapping[str, str], report: Path,
               out_dir: Path, detail: bool = False) -> None:
    """What `ihcheck demo` leaves on the screen: the result, any verdict the scenario did not expect, and where
    the report, the evidence and the result went (a line each, so that at 80 columns no path breaks in two)."""
    (print_detail if detail else print_short)(result, console)
    got = result.summary["rules"]
    for rule_id, want in expected.items():  # a rule left out by --rule was not checked
        if rule_id in got and got[rule_id] != want:
            console.print(f"[red]unexpected:[/] {rule_id}: scenario {_text(repr(scenario))} expects {want}, "
                          f"got {got[rule_id]}")
    console.print(f"报告 report: {_text(report)}")
    console.print(f"证据 evidence: {_text(out_dir / 'bundle')} · 结果 result: {_text(out_dir / 'result.json')}")
    console.print(f"每条结论 every finding: --detail · 模拟部署 {_text(repr(scenario))} 已拆除 torn down")
