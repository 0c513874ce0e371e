"""The one error tree maps to the one exit-code table in main(), for every sub-command."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.errors import EnvironmentProblem, ExitCode, InputError
from ihcheck.cli import main
from simulator.deploy import SimulatorError
from simulator.image import ImageError
from simulator.podman import PodmanError
from simulator.spec import SpecError


def test_simulator_errors_are_environment_and_spec_errors_input() -> None:
    for error in (SimulatorError, ImageError, PodmanError):
        assert issubclass(error, EnvironmentProblem) and error.exit_code == ExitCode.ENVIRONMENT and int(ExitCode.ENVIRONMENT) == 69
    assert issubclass(SpecError, InputError) and SpecError.exit_code == ExitCode.INPUT and int(ExitCode.INPUT) == 65


def test_sim_up_without_podman_is_one_line_and_exit_69(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no podman, no runc
    assert main(["sim", "up", "compliant"]) == ExitCode.ENVIRONMENT
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "podman" in err and "Traceback" not in err, err


def test_a_bad_spec_is_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("hosts: [\n", encoding="utf-8")
    assert main(["sim", "up", str(spec)]) == ExitCode.INPUT
    assert capsys.readouterr().err.count("\n") == 1
