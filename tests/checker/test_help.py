"""Every command's help reads at 80 columns: option names whole, no line wider than the terminal, and examples
at the end that use only options the command really has (issue 25)."""

from __future__ import annotations

import shlex
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from ihcheck.cli import app
from ihcheck.examples import EXAMPLES


def _commands() -> dict[str, Any]:
    root = typer.main.get_command(app)
    found: dict[str, Any] = {}

    def walk(command: Any, path: str) -> None:
        if hasattr(command, "commands"):  # a group (typer carries its own copy of click)
            for name, sub in command.commands.items():
                walk(sub, f"{path} {name}".strip())
        else:
            found[path] = command

    walk(root, "")
    return found


COMMANDS = _commands()


def _help(path: str, width: int) -> str:
    result = CliRunner().invoke(app, [*path.split(), "--help"], env={"COLUMNS": str(width)}, terminal_width=width)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("path", sorted(COMMANDS))
@pytest.mark.parametrize("width", [80, 200])
def test_help_fits_with_every_option_name_whole_and_examples_at_the_end(path: str, width: int) -> None:
    text = _help(path, width)
    assert max(len(line) for line in text.splitlines()) <= width
    for param in COMMANDS[path].params:
        for name in getattr(param, "opts", []):
            if name.startswith("--"):
                assert name in text, (path, name)

    assert "Examples:" in text and text.rstrip().endswith(EXAMPLES[path][-1]), path


def test_every_command_has_examples_and_every_example_is_a_command() -> None:
    assert set(EXAMPLES) == set(COMMANDS)


@pytest.mark.parametrize(("path", "line"), [(p, line) for p, lines in EXAMPLES.items() for line in lines])
def test_each_example_parses_with_the_commands_real_options(path: str, line: str) -> None:
    words = shlex.split(line)
    assert words[0] == "ihcheck" and " ".join(words[1:]).startswith(path)
    args = words[1 + len(path.split()):]
    command = COMMANDS[path]
    # parse only: an unknown option or a missing argument is an error here; nothing runs, no file is read
    with command.make_context(path, list(args), resilient_parsing=False) as ctx:
        assert ctx.params is not None
