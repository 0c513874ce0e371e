"""Host-supplied text reaches the terminal without control sequences; CLI messages are text, not markup."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from rich.cells import cell_len

from checker.catalogue import CATALOGUE
from checker.model import Verdict
from ihcheck.cli import main, print_result
from ihcheck.result_view import WIDE
from ihcheck.terminal import clean, console
from tests.reports.conftest import make_result

HOSTILE = "db1\x1b]0;owned\x07\x1b[2J\x1b[31mRED\x1b[0m\x9b31m\x08\x00 [bold]markup[/bold] :pile_of_poo:"


def test_clean_strips_escape_sequences_and_controls() -> None:
    text = clean(HOSTILE)
    assert not any(ord(c) < 32 or 0x7f <= ord(c) <= 0x9f for c in text)
    assert "RED" in text and "owned" not in text


@pytest.mark.parametrize("detail", [False, True])
def test_host_text_in_the_table_reaches_the_terminal_clean(detail: bool, tmp_path: Path) -> None:
    result, _ = make_result(tmp_path)
    # a failing finding: the short view shows the reasons of what did not pass, the detail view every reason
    finding = result.findings[0].model_copy(update={"reason": HOSTILE, "reason_zh": HOSTILE, "verdict": Verdict.FAIL,
                                                    "hosts": (HOSTILE,)})
    result = result.model_copy(update={"findings": (finding, *result.findings[1:])})
    buffer = io.StringIO()
    print_result(result, console(file=buffer, width=200, color_system=None), detail=detail)
    shown = buffer.getvalue()
    assert "\x1b" not in shown and "\x9b" not in shown and "\x00" not in shown
    assert "[bold]markup[/bold]" in shown and ":pile_of_poo:" in shown  # printed as written, not interpreted


@pytest.mark.parametrize("rule", [":pile_of_poo:", "begin:end:step", "[red]x[/red]"])
def test_messages_are_text_not_markup(rule: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inventory = tmp_path / "inv.yml"
    inventory.write_text("all:\n  hosts:\n    h: {ansible_connection: local}\n")
    assert main(["check", "-i", str(inventory), "--rule", rule]) == 65
    err = capsys.readouterr().err
    assert repr(rule) in err.replace("\n", "") and "💩" not in err



@pytest.mark.parametrize("width", [80, 200])
def test_rule_titles_show_in_chinese_first_then_english_whole_at_any_width(width: int, tmp_path: Path) -> None:
    """CJK characters take two cells: the table must fit the width and fold a title, never cut it with '…'."""
    result, _ = make_result(tmp_path)
    buffer = io.StringIO()
    print_result(result, console(file=buffer, width=width, color_system=None), detail=True)
    lines = buffer.getvalue().splitlines()
    assert max(cell_len(line) for line in lines) <= width
    if width >= WIDE:  # the last column's cells, top to bottom, without the spaces wrapping and padding put there
        text = re.sub(r"\s+", "", "".join(line.split("│")[-2] for line in lines if line.count("│") == 5))
    else:  # a block a finding: its heading names the rule, then the titles, wrapped to the full width
        text = re.sub(r"\s+", "", "\n".join(lines))
    rules = {r.id: r for r in CATALOGUE}
    at = 0
    for finding in result.findings:
        rule = rules[finding.rule_id]
        if width < WIDE:
            at = text.index(finding.rule_id, at)
        zh = text.index(re.sub(r"\s+", "", rule.title_zh), at)
        at = text.index(re.sub(r"\s+", "", rule.title), zh)
    assert "…" not in text
    assert {"符合", "pass"} <= set(buffer.getvalue().split())
