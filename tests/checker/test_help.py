"""Every command's and group's help (`ihcheck --help` too) reads at 80 columns: option names whole, no line wider
than the terminal, each group's commands listed with their summaries whole, and examples at the end that use only
options the command really has (issue 25)."""

from __future__ import annotations

import shlex
from typing import Any

import pytest
import typer
from rich.cells import cell_len
from typer.testing import CliRunner

from ihcheck.cli import app
from ihcheck.examples import EXAMPLES, SUMMARIES


def _commands() -> dict[str, Any]:
    """Every command and every group, `ihcheck` itself as "", by the words typed after `ihcheck`."""
    root = typer.main.get_command(app)
    found: dict[str, Any] = {}

    def walk(command: Any, path: str) -> None:
        found[path] = command
        for name, sub in getattr(command, "commands", {}).items():  # a group (typer carries its own click)
            walk(sub, f"{path} {name}".strip())

    walk(root, "")
    return found


COMMANDS = _commands()
LEAVES = {path: command for path, command in COMMANDS.items() if not hasattr(command, "commands")}


def _help(path: str, width: int) -> str:
    result = CliRunner().invoke(app, [*path.split(), "--help"], env={"COLUMNS": str(width)}, terminal_width=width)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("path", sorted(COMMANDS))
@pytest.mark.parametrize("width", [80, 200])
def test_help_fits_with_every_option_name_whole_and_examples_at_the_end(path: str, width: int) -> None:
    text = _help(path, width)
    assert max(cell_len(line) for line in text.splitlines()) <= width  # cells: a Chinese character takes two
    for param in COMMANDS[path].params:
        assert param.name == "help" or getattr(param, "help", None), (path, param.name)  # says what it is for
        for name in getattr(param, "opts", []):
            if name.startswith("--"):
                assert name in text, (path, name)
    if hasattr(COMMANDS[path], "commands"):  # a group lists each command with its summary whole, none cut "..."
        listing = text.split("Commands:", 1)[1].split("Examples:", 1)[0]
        for name in COMMANDS[path].commands:
            row = next(line for line in listing.splitlines() if line.split()[:1] == [name])
            assert row.split(None, 1)[1] == SUMMARIES[f"{path} {name}".strip()], row
    assert "Examples:" in text and text.rstrip().endswith(EXAMPLES[path][-1]), path


def test_every_command_has_examples_and_a_summary_and_every_one_is_a_command() -> None:
    assert set(EXAMPLES) == set(COMMANDS)
    assert set(SUMMARIES) == set(COMMANDS) - {""}
    assert all(cell_len(line) <= 60 for line in SUMMARIES.values())


def _leaf(words: list[str]) -> str:
    """The command an example runs: the longest run of its words that names one."""
    return max((p for p in LEAVES if words[:len(p.split())] == p.split()), key=lambda p: len(p.split()))


@pytest.mark.parametrize(("path", "line"), [(p, line) for p, lines in EXAMPLES.items() for line in lines])
def test_each_example_parses_with_the_commands_real_options(path: str, line: str) -> None:
    words = shlex.split(line)
    assert words[0] == "ihcheck" and " ".join(words[1:]).startswith(path)
    path = _leaf(words[1:])  # a group's examples run its commands
    args = words[1 + len(path.split()):]
    command = COMMANDS[path]
    # parse only: an unknown option or a missing argument is an error here; nothing runs, no file is read
    with command.make_context(path, list(args), resilient_parsing=False) as ctx:
        assert ctx.params is not None
