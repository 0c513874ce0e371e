"""Every output format of every command: one table, from which each command's `--format` choices and help are made.

A format is a name, the extension its files take, and, for each command that accepts it, the function that renders
it there (`module:function`, resolved only when asked, so `ihcheck --help` imports nothing of it). `check --report
FORMAT:FILE` and `report --format` accept the same report formats (rendered by reports.render from a verified
bundle); the other commands have their own few. tests/checker/test_formats.py holds each command's help to this
table and each renderer to a real function.

To add a format: its renderer, one row here, and (for a report format) its member of reports.render.Format and
its branch of reports.render.render (CONTRIBUTING.md).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

REPORT = ("report", "check --report")  # the same renderers from a verified bundle, on both paths


@dataclass(frozen=True)
class OutputFormat:
    name: str
    extension: str  # of a file written in this format ("" for a terminal table written as text)
    renderers: dict[str, str] = field(default_factory=dict)  # command -> "module:function" rendering it there
    needs_out: bool = False  # binary: never to the terminal, only to --out FILE
    summary: str = ""  # a few words for the help

    def renderer(self, command: str) -> Callable[..., Any]:
        """The function rendering this format in `command` (imported now)."""
        module, _, name = self.renderers[command].partition(":")
        target: Any = importlib.import_module(module)
        for part in name.split("."):
            target = getattr(target, part)
        return target  # type: ignore[no-any-return]


def _report(name: str, extension: str, function: str, summary: str, needs_out: bool = False) -> OutputFormat:
    return OutputFormat(name, extension, dict.fromkeys(REPORT, f"reports.{function}"), needs_out, summary)


FORMATS: tuple[OutputFormat, ...] = (
    OutputFormat("table", ".txt", {"check": "ihcheck.cli:print_result", "rules": "ihcheck.cli:rules",
                                   "diff": "ihcheck.evidence_cli:diff", "fleet": "ihcheck.evidence_cli:_fleet_table"},
                 summary="for a person at a terminal"),
    OutputFormat("json", ".json", {"check": "reports.result:CheckResult.to_json",
                                   "rules": "checker.model:Rule.describe", "diff": "reports.drift:diff",
                                   **dict.fromkeys(REPORT, "reports.render:render_json")},
                 summary="for programs"),
    OutputFormat("markdown", ".md", {"rules": "ihcheck.rule_tables:rules_markdown"}, summary="the catalogue as a page"),
    OutputFormat("csv", ".csv", {"fleet": "reports.fleet:to_csv"}, summary="a spreadsheet's rows"),
    OutputFormat("html", ".html", {"fleet": "reports.fleet:to_html",
                                   **dict.fromkeys(REPORT, "reports.render:render_html")},
                 summary="a page"),
    _report("pdf", ".pdf", "render:render_pdf", "the page printed", needs_out=True),
    _report("junit", ".xml", "junit:render_junit", "for CI test reports"),
    _report("sarif", ".sarif", "sarif:render_sarif", "for code-scanning dashboards"),
    _report("oscal", ".json", "oscal:render_oscal", "OSCAL assessment results (with their catalog beside)"),
    _report("oscal-catalog", ".json", "oscal:render_oscal_catalog", "the OSCAL catalog alone"),
    _report("xlsx", ".xlsx", "xlsx:render_xlsx", "the assessor's workbook of MLPS items", needs_out=True),
    OutputFormat("ansible", ".yml", {"remediate": "reports.remediate:render_ansible"}, summary="a playbook"),
)
BY_NAME: dict[str, OutputFormat] = {f.name: f for f in FORMATS}
COMMANDS: tuple[str, ...] = ("check", "check --report", "report", "rules", "diff", "fleet", "remediate")


def names(command: str) -> tuple[str, ...]:
    """The formats `command` accepts, in table order."""
    if command not in COMMANDS:
        raise KeyError(command)
    return tuple(f.name for f in FORMATS if command in f.renderers)


@functools.cache
def choices(command: str) -> type[StrEnum]:
    """The `--format` choices of `command`, as the enum typer makes its option from (members `oscal_catalog` …)."""
    return StrEnum(f"{command.title().replace(' ', '').replace('-', '')}Format",  # type: ignore[return-value]
                   [(n.replace("-", "_"), n) for n in names(command)])


def default(command: str, name: str) -> Any:
    """The member of `choices(command)` named `name`: a command's default format."""
    if name not in names(command):
        raise KeyError(f"{command}: {name} is not one of its formats")
    return choices(command)(name)


def format_help(command: str, what: str = "Output format") -> str:
    """`--format`'s help: what each format is for."""
    return f"{what}: " + "; ".join(f"{f.name}, {f.summary}" for f in FORMATS if command in f.renderers) + "."


def report_help() -> str:
    """`check --report`'s help: the formats it writes, from the table (never a hand-kept list that drifts)."""
    return (f"Also write a report ({', '.join(names('check --report'))}) to FILE; repeatable. "
            "Rendered from the signed bundle.")


# The commands' --format types: to mypy a str enum, to typer the choices of this table.
if TYPE_CHECKING:
    CheckFormat = StrEnum
    RulesFormat = StrEnum
    RemediateFormat = StrEnum
    ReportFormat = StrEnum
    DiffFormat = StrEnum
    FleetFormat = StrEnum
else:
    CheckFormat, RulesFormat, RemediateFormat, ReportFormat, DiffFormat, FleetFormat = (
        choices(c) for c in ("check", "rules", "remediate", "report", "diff", "fleet"))
DEFAULT_CHECK, DEFAULT_RULES, DEFAULT_REMEDIATE = default("check", "table"), default("rules", "table"), default(
    "remediate", "ansible")
DEFAULT_REPORT, DEFAULT_DIFF, DEFAULT_FLEET = default("report", "html"), default("diff", "table"), default(
    "fleet", "table")
