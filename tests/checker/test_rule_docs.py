"""docs/rules/ is generated from the rule table (`ihcheck rules --docs docs/rules`), so it cannot drift."""

from __future__ import annotations

from pathlib import Path

from checker.catalogue import CATALOGUE
from ihcheck.cli import main
from ihcheck.rule_docs import explain, pages

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules"


def test_committed_rule_docs_are_what_the_table_generates() -> None:
    wanted = pages()
    have = {p.name: p.read_text(encoding="utf-8") for p in DOCS.glob("*.md")}
    stale = sorted(n for n in wanted.keys() | have.keys() if wanted.get(n) != have.get(n))
    assert stale == [], f"docs/rules is stale ({stale[:5]}…): run `ihcheck rules --docs docs/rules`"


def test_a_rule_page_says_clause_reading_verdicts_and_its_judged_examples(tmp_path: Path) -> None:
    rule = next(r for r in CATALOGUE if r.id == "GD2020-1.2.3-power")
    page = explain(rule)
    assert page.index("存放服务器的机房应当具备双路供电或紧急发电设施") < page.index("dual-circuit power supply")
    for heading in ("## 条款 Clause", "## ihcheck 的理解 How ihcheck reads it", "## 结论 Verdicts", "## 示例 Examples"):
        assert heading in page
    assert "### 符合 pass" in page and "### 不符合 fail" in page and "### 无法判定 inconclusive" in page
    assert "shared/" not in page
    # without the repository's examples (an installed wheel) the page says where they are instead
    assert "docs/rules/" in explain(rule, tmp_path / "none")


def test_explain_prints_one_rule_and_refuses_an_unknown_id(capsys) -> None:
    assert main(["rules", "--explain", "GD2020-1.2.5-isps", "--format", "markdown"]) == 0
    assert capsys.readouterr().out.startswith("# GD2020-1.2.5-isps\n")
    assert main(["rules", "--explain", "GD2020-9-nothing"]) != 0
    assert "unknown rule id 'GD2020-9-nothing'" in capsys.readouterr().err
