"""One table of output formats (ihcheck.formats): each command's `--format` choices and help, and `check --report`'s
help and parser, list exactly the table's formats; every renderer it names is a real function; the report formats
are exactly what reports.render renders."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from checker.errors import InputError
from ihcheck import formats
from ihcheck.cli import app
from ihcheck.outputs import parse_report
from reports.render import Format

COMMANDS = {"check": "check", "rules": "rules", "remediate": "remediate", "report": "report", "diff": "diff",
            "fleet": "fleet"}


def _command(name: str) -> typer.core.TyperCommand:
    root = typer.main.get_command(app)
    return root.commands[name]  # type: ignore[attr-defined,no-any-return]


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_each_commands_format_option_is_the_tables(command: str) -> None:
    [option] = [p for p in _command(command).params if "--format" in getattr(p, "opts", ())]
    parsed = getattr(option, "type_descriptor").annotation  # noqa: B009  (typer's own attribute, not click's)
    assert tuple(m.value for m in parsed) == formats.names(command)  # the choices typer parses
    text = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"}, terminal_width=200).output
    listed = re.search(r"^\s+--format \[?([A-Za-z|-]+)\]?", text, re.MULTILINE)  # one choice shows as ANSIBLE
    assert listed is not None and tuple(listed.group(1).lower().split("|")) == formats.names(command), text
    said = " ".join(text.split())
    for name in formats.names(command):  # the help says what each is for, from the same table
        assert f"{name}, {formats.BY_NAME[name].summary}" in said


def test_check_report_help_and_parser_list_exactly_the_report_formats() -> None:
    text = " ".join(CliRunner().invoke(app, ["check", "--help"], env={"COLUMNS": "200"},
                                       terminal_width=200).output.split())
    listed = re.search(r"Also write a report \(([^)]*)\)", text)
    assert listed is not None and tuple(listed.group(1).split(", ")) == formats.names("check --report")
    assert formats.names("check --report") == formats.names("report")
    with pytest.raises(InputError, match=re.escape(f"(known: {', '.join(formats.names('report'))})")):
        parse_report("docx:out.docx")
    for name in formats.names("check --report"):
        assert parse_report(f"{name}:out{formats.BY_NAME[name].extension}").fmt.value == name


def test_report_formats_are_what_the_renderer_renders_and_every_renderer_exists() -> None:
    assert {f.value for f in Format} == set(formats.names("report"))
    for fmt in formats.FORMATS:
        assert fmt.renderers and fmt.extension.startswith(".")
        for command in fmt.renderers:
            assert command in formats.COMMANDS
            assert callable(fmt.renderer(command)), (fmt.name, command)
    assert {f.name for f in formats.FORMATS if f.needs_out} == {"pdf", "xlsx"}


def test_a_binary_report_needs_out() -> None:
    result = CliRunner().invoke(app, ["report", "/nonexistent", "--format", "xlsx"])
    assert result.exit_code != 0
