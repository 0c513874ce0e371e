"""`--engine`, `--forks` and `--host-timeout` on the command line: usage errors before any host is contacted."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.errors import InputError
from ihcheck.cli import main
from ihcheck.run import AUTO_ANSIBLE_HOSTS, choose_engine

ROOT = Path(__file__).resolve().parents[2]


def test_auto_picks_by_fleet_size() -> None:
    assert choose_engine("auto", AUTO_ANSIBLE_HOSTS) == "direct"
    assert choose_engine("auto", AUTO_ANSIBLE_HOSTS + 1) == "ansible"
    assert choose_engine("ansible", 1) == "ansible" and choose_engine("direct", 10**6) == "direct"
    with pytest.raises(InputError, match="--engine"):
        choose_engine("salt", 3)


@pytest.mark.parametrize("argv", [["--forks", "0"], ["--engine", "salt"], ["--host-timeout", "-1"]])
def test_bad_fleet_options_are_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "-i", str(ROOT / "inventories/localhost.yml"), *argv]) == 64
    assert "usage error" in capsys.readouterr().err
