"""The default result reads in one screen: a line per rule, then what did not pass and why, then the summary.

Recorded scenarios (tests/data/scenarios) give real findings. The default demo's screen is rendered from the
recording of the default deployment (`compliant`, its MLPS host baseline and documents kept, as the demo checks
them) by the demo's own printer, and must fit 60 lines at 80 columns naming every rule that did not pass (issue 25);
a result in which every rule of the catalogue passes on four hosts tests the folding beside it.
"""

from __future__ import annotations

import io
import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from rich.cells import cell_len

from checker.catalogue import CATALOGUE
from checker.engine import evaluate
from checker.model import Evidence, Finding, Verdict
from ihcheck.cli import print_result
from ihcheck.result_view import WIDE, _without_host, print_demo, wrap_mixed
from ihcheck.terminal import console
from probes.facts import DeploymentFacts
from reports.result import CheckResult
from tests.reports.scenario_bundles import SCENARIOS, scenario_result


def _shown(result: CheckResult, width: int, *, detail: bool = False) -> list[str]:
    buffer = io.StringIO()
    print_result(result, console(file=buffer, width=width, color_system=None, highlight=False), detail=detail)
    return buffer.getvalue().splitlines()


def _all_pass(tmp_path: Path, failing: tuple[str, str] | None = None) -> CheckResult:
    """Every rule of the catalogue passing on four hosts, its MLPS items attested on two of them; `failing`
    (rule id, host) fails that one finding."""
    base = scenario_result("compliant", tmp_path / "inventory.yml")
    hosts = [h.name for h in base.facts.hosts]
    findings = []
    for rule in CATALOGUE:
        if rule.scope == "deployment":
            findings.append(Finding(rule_id=rule.id, verdict=Verdict.PASS, hosts=tuple(hosts), reason="ok",
                                    reason_zh="符合"))
            continue
        for i, host in enumerate(hosts):
            basis = "attested" if i % 2 else "observed"
            if failing == (rule.id, host):
                findings.append(Finding(rule_id=rule.id, verdict=Verdict.FAIL, hosts=(host,),
                                        reason=f"{host}: an empty password", reason_zh=f"{host}：空口令"))
                continue
            findings.append(Finding(rule_id=rule.id, verdict=Verdict.PASS, hosts=(host,), reason="ok", reason_zh="符合",
                                    evidence=(Evidence(host=host, statement="seen", basis=basis),)))
    return CheckResult.build(rules=CATALOGUE, facts=base.facts, findings=findings, observations=[],
                             started_at=base.started_at, finished_at=base.finished_at)


def _demo_screen(width: int, *, detail: bool = False) -> tuple[CheckResult, list[str]]:
    """What `ihcheck demo` prints for the default deployment: its recorded facts judged by today's catalogue."""
    recorded = json.loads((SCENARIOS / "compliant.json").read_text(encoding="utf-8"))
    facts = DeploymentFacts.model_validate(recorded["facts"]).model_copy(
        update={"inventory": "ihcheck-demo/inventory.yml"})
    assert all(h.baseline is not None for h in facts.hosts) and facts.documents is not None, "as the demo sees it"
    when = datetime.fromisoformat(recorded["facts"]["collected_at"].replace("Z", "+00:00"))
    result = CheckResult.build(rules=CATALOGUE, facts=facts, findings=evaluate(facts, CATALOGUE), observations=[],
                               started_at=when, finished_at=when + timedelta(seconds=9))
    buffer = io.StringIO()
    print_demo(result, console(file=buffer, width=width, color_system=None, highlight=False), scenario="compliant",
               expected=dict(recorded["expect"]), report=Path("ihcheck-demo/report.html"),
               out_dir=Path("ihcheck-demo"), detail=detail)
    return result, buffer.getvalue().splitlines()


@pytest.mark.parametrize("width", [80, 200])
def test_the_default_demo_fits_one_screen_and_names_every_rule_that_did_not_pass(width: int) -> None:
    result, lines = _demo_screen(width)
    assert max(cell_len(line) for line in lines) <= width
    assert len(lines) <= 60, len(lines)
    assert len({f.rule_id for f in result.findings}) == len(CATALOGUE)
    not_passed = {f.rule_id for f in result.findings if f.verdict != Verdict.PASS}
    assert not_passed, "the default hospital declares no Qinghai programme: those rules do not apply"
    text = "\n".join(lines)
    for rule in CATALOGUE:
        row = _row_of(lines, rule.id)
        if rule.id in not_passed:  # its own row, and named again with the reason it did not pass
            assert row.startswith(rule.id + " ") and text.count(rule.id) >= 2, rule.id
            verdict = next(f.verdict for f in result.findings if f.rule_id == rule.id)
            assert (f"{verdict.value}" in row) if width >= WIDE else ("- 全院" in row), row
        else:
            assert ("符合 pass" in row) if width >= WIDE else ("✓" in row), row
    reason = next(f.reason for f in result.findings if f.rule_id in not_passed)
    assert reason[:60] in re.sub(r"\s+", " ", " ".join(x.strip() for x in lines))
    assert lines[-3] == "报告 report: ihcheck-demo/report.html" and "--detail" in lines[-1]
    assert "unexpected:" not in text  # the recording still gives what the scenario expects


def test_the_default_demos_detail_gives_every_finding() -> None:
    result, short = _demo_screen(200)
    _, detail = _demo_screen(200, detail=True)
    flat = re.sub(r"\s+", "", "\n".join(detail))
    assert len(detail) > 3 * len(short)
    for finding in result.findings:
        assert re.sub(r"\s+", "", finding.reason)[:40] in flat


@pytest.mark.parametrize("width", [80, 200])
def test_every_rule_passing_fits_one_screen_and_each_rule_has_its_line(width: int, tmp_path: Path) -> None:
    lines = _shown(_all_pass(tmp_path), width)
    assert max(cell_len(line) for line in lines) <= width
    assert len(lines) <= 60 - 3, len(lines)  # the demo adds its three closing lines
    for rule in CATALOGUE:
        row = _row_of(lines, rule.id)
        assert ("符合 pass" in row) if width >= WIDE else ("✓" in row), row
    tail = " ".join(lines[-3:])
    assert f"{len(_all_pass(tmp_path).findings)} findings: " in tail and "attested, not observed" in tail


def _row_of(lines: list[str], rule_id: str) -> str:
    """The rule's own row, or the row of passing MLPS items whose range of ids (`…-01…04`) includes it."""
    for line in lines:
        first = line.split(" ", 1)[0]
        if first == rule_id:
            return line
        if "…" in first:
            start, end = first.split("…")
            stem, low = start.rsplit("-", 1)
            if rule_id.startswith(stem + "-") and low <= rule_id.rsplit("-", 1)[-1] <= end:
                return line
    raise AssertionError(f"no row for {rule_id}")


@pytest.mark.parametrize("width", [80, 200])
def test_an_mlps_item_that_did_not_pass_keeps_its_own_row_between_its_folded_siblings(width: int,
                                                                                      tmp_path: Path) -> None:
    failing_id = "GD2020-1.2.1-l3-ces1-07"
    lines = _shown(_all_pass(tmp_path, failing=(failing_id, "db1")), width)
    assert max(cell_len(line) for line in lines) <= width
    own = [line for line in lines if line.startswith(failing_id + " ")]
    assert len(own) == 1 and ("不符合 fail" if width >= WIDE else "1✗ 3✓") in own[0], own
    ids = [line.split(" ", 1)[0] for line in lines]
    # its family (items 05-11) folds on either side of it, never over it
    assert "GD2020-1.2.1-l3-ces1-05…06" in ids and "GD2020-1.2.1-l3-ces1-08…11" in ids, ids
    assert "空口令" in "\n".join(lines)


@pytest.mark.parametrize("scenario", ["single-isp", "slow-uplink", "pacs-down", "whitelist-lapsed"])
@pytest.mark.parametrize("width", [80, 200])
def test_every_rule_that_did_not_pass_is_named_with_its_reason(scenario: str, width: int, tmp_path: Path) -> None:
    result = scenario_result(scenario, tmp_path / "inventory.yml")
    lines = _shown(result, width)
    text = "\n".join(lines)
    assert max(cell_len(line) for line in lines) <= width
    flat = re.sub(r"\s+", "", text)
    failing = {f.rule_id for f in result.findings if f.verdict in (Verdict.FAIL, Verdict.INCONCLUSIVE, Verdict.ERROR)}
    assert failing, "the scenario faults something"
    listed, reasons = flat.split("条规则rules", 1)[1].split("──", 1)[1].split("\n", 1)[0], flat
    for rule_id in failing:
        # named in the list of rules and again beside its reasons
        assert flat.count(rule_id) >= 2, rule_id
        for finding in (f for f in result.findings if f.rule_id == rule_id and f.verdict != Verdict.PASS):
            reason = _without_host(finding.reason, finding.hosts)
            assert re.sub(r"\s+", "", reason)[:40] in flat or f"{rule_id}(" in flat.split("morereasons:")[-1], (
                rule_id, finding.reason)
    assert listed and reasons
    # what passed is listed, not explained
    passing = next(f for f in result.findings if f.verdict == Verdict.PASS)
    assert re.sub(r"\s+", "", passing.reason)[:40] not in flat or passing.rule_id in failing


@pytest.mark.parametrize("width", [80, 200])
def test_detail_gives_every_finding_with_its_evidence(width: int, tmp_path: Path) -> None:
    result = scenario_result("single-isp", tmp_path / "inventory.yml")
    short, detail = _shown(result, width), _shown(result, width, detail=True)
    flat = re.sub(r"\s+", "", "\n".join(detail))
    assert len(detail) > len(short) and max(cell_len(line) for line in detail) <= width
    if width < WIDE:  # a block a finding, headed by its verdict and rule
        heads = [line for line in detail if line.split(" ", 3)[2:3] in ([f.verdict.value] for f in result.findings)]
        assert len(heads) == len(result.findings)
    for finding in result.findings:
        assert re.sub(r"\s+", "", finding.reason)[:40] in flat
        for item in finding.evidence:
            assert re.sub(r"\s+", "", item["statement"])[:30] in flat


def test_a_fix_the_catalogue_knows_is_shown_under_the_failure(tmp_path: Path) -> None:
    result = scenario_result("single-isp", tmp_path / "inventory.yml")
    failing = next(f for f in result.findings if f.verdict == Verdict.FAIL)
    fixed = failing.model_copy(update={"details": {**failing.details, "remediation": "add a second provider"}})
    result = result.model_copy(update={"findings": tuple(fixed if f is failing else f for f in result.findings)})
    text = "\n".join(_shown(result, 80))
    assert "整改 Fix: add a second provider" in text


@pytest.mark.parametrize("width", [40, 80, 200])
def test_mixed_chinese_and_english_wraps_between_characters_and_at_spaces_never_inside_a_word(width: int) -> None:
    from rich.text import Text

    text = "所有上行链路均经同一家运营商出网（模拟身份）：China Telecom (AS4134)；要求至少 2 家 " * 3
    lines = wrap_mixed(Text(text), width, first=0, indent=2)
    assert all(cell_len(line.plain) <= width for line in lines) and len(lines) > 1
    assert re.sub(r"\s+", "", "".join(line.plain for line in lines)) == re.sub(r"\s+", "", text)
    words = set(re.findall(r"[A-Za-z0-9()]+", text))
    for line in lines:
        assert set(re.findall(r"[A-Za-z0-9()]+", line.plain)) <= words, line.plain  # no word cut in two
        assert not line.plain.lstrip().startswith(("，", "；", "）", "：")), line.plain
    assert all(line.plain.startswith("  ") for line in lines[1:])
