"""Command-line manners: `python -m ihcheck`, shell completion, help text a person reads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ihcheck.cli import main

ROOT = Path(__file__).resolve().parents[2]
IHCHECK = Path(sys.executable).with_name("ihcheck")


def test_python_dash_m_runs_the_command_line() -> None:
    done = subprocess.run([sys.executable, "-m", "ihcheck", "--version"], capture_output=True, text=True,
                          cwd=ROOT, timeout=60, check=False)
    assert done.returncode == 0 and done.stdout.startswith("ihcheck "), done.stderr


@pytest.mark.parametrize("words,cword,expected", [("ihcheck ch", 1, "check"), ("ihcheck check --bu", 2, "--bundle"),
                                                  ("ihcheck report b --format s", 4, "sarif")])
def test_shell_completion(words: str, cword: int, expected: str) -> None:
    env = {**os.environ, "_IHCHECK_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
    done = subprocess.run([str(IHCHECK)], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert expected in done.stdout.split(), done.stdout + done.stderr


@pytest.mark.parametrize("command", [["check"], ["demo"], ["report"], ["fleet"], ["diff"], ["verify"]])
def test_help_shows_what_a_user_types_not_python_types(command: list[str],
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*command, "--help"]) == 0
    text = capsys.readouterr().out
    assert "--help" in text
    for noise in ("<bool>", "<list[", "<path>", "<str>", "<float>"):
        assert noise not in text, (noise, text)
