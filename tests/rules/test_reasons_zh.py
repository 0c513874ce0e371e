"""Every finding's reason is said in Chinese too, and says what the English says.

A regulator reads the Chinese first (issue 13), so a reason composed only in English is a defect. Two nets:
the source (every `Finding(...)` in the core gets its reason through `Said.reason()`, so no path can give an
English reason alone), and the words (every rule's example facts and every recorded scenario, judged: the
Chinese is Chinese, and carries the same figures and host names as the English beside it).
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from checker.catalogue import CATALOGUE, rule_by_id
from checker.engine import evaluate
from checker.model import Finding, Rule
from probes.facts import DeploymentFacts

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "tests" / "data" / "facts"
SCENARIOS = ROOT / "tests" / "data" / "scenarios"
CORE = [*sorted((ROOT / "checker" / "catalogue").glob("*.py")), ROOT / "checker" / "engine.py"]
CJK = re.compile(r"[\u4e00-\u9fff]")
FIGURE = re.compile(r"(?<![A-Za-z0-9_.\-])\d+(?:\.\d+)?")  # a figure, not the digit of a name (app1, sha256)


def plain_reasons(source: str) -> list[int]:
    """Lines of `source` that build a Finding with `reason=` but no `reason_zh=`."""
    return [node.lineno for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", "")) == "Finding"
            and "reason" in {k.arg for k in node.keywords} and "reason_zh" not in {k.arg for k in node.keywords}]


@pytest.mark.parametrize("path", CORE, ids=[p.name for p in CORE])
def test_no_finding_is_built_with_an_english_reason_alone(path: Path) -> None:
    plain = [f"{path.relative_to(ROOT)}:{line}" for line in plain_reasons(path.read_text(encoding="utf-8"))]
    assert plain == [], "give these findings their reason as Said(zh, en).reason(): " + ", ".join(plain)


def test_the_source_check_sees_a_plain_reason() -> None:
    assert plain_reasons('x = 1\nFinding(rule_id="x", verdict=v, hosts=(), reason="only English")\n') == [2]
    assert plain_reasons('Finding(rule_id="x", verdict=v, hosts=(), **Said("中文", "English").reason())\n') == []


def says_the_same(finding: Finding) -> list[str]:
    """What is wrong with a finding's Chinese reason beside its English one (empty: nothing)."""
    zh, en = finding.reason_zh, finding.reason
    if not CJK.search(zh):
        return [f"{finding.rule_id}: no Chinese reason beside {en!r}"]
    problems = [f"{finding.rule_id}: figure {n} of {en!r} missing from {zh!r}"
                for n in sorted(set(FIGURE.findall(en)) - set(FIGURE.findall(zh)))]
    problems += [f"{finding.rule_id}: host {h} of {en!r} missing from {zh!r}"
                 for h in finding.hosts if h in en and h not in zh]
    return problems


def _judged(path: Path, rules: list[Rule]) -> list[Finding]:
    record = json.loads(path.read_text(encoding="utf-8"))
    return evaluate(DeploymentFacts.model_validate(record.get("facts", record)), rules)


@pytest.mark.parametrize("example", sorted(str(p.relative_to(EXAMPLES)) for p in EXAMPLES.glob("*/*.json")))
def test_every_example_reason_is_said_in_chinese(example: str) -> None:
    findings = _judged(EXAMPLES / example, [rule_by_id(example.split("/")[0])])
    assert [p for f in findings for p in says_the_same(f)] == []


@pytest.mark.parametrize("scenario", sorted(p.name for p in SCENARIOS.glob("*.json")))
def test_every_scenario_reason_is_said_in_chinese(scenario: str) -> None:
    findings = _judged(SCENARIOS / scenario, list(CATALOGUE))
    assert [p for f in findings for p in says_the_same(f)] == []


def test_the_comparison_sees_a_missing_figure_and_a_missing_translation() -> None:
    english_only = Finding(rule_id="r", verdict="fail", hosts=("app1",), reason="app1: 6 Mbps", reason_zh="")
    wrong_figure = Finding(rule_id="r", verdict="fail", hosts=("app1",), reason="app1: 6 Mbps",
                           reason_zh="app1：带宽 8 Mbps")
    no_host = Finding(rule_id="r", verdict="fail", hosts=("app1",), reason="app1: 6 Mbps", reason_zh="带宽 6 Mbps")
    right = Finding(rule_id="r", verdict="fail", hosts=("app1",), reason="app1: 6 Mbps", reason_zh="app1：带宽 6 Mbps")
    assert len(says_the_same(english_only)) == 1
    assert "figure 6" in says_the_same(wrong_figure)[0]
    assert "host app1" in says_the_same(no_host)[0]
    assert says_the_same(right) == []
