"""An inventory cannot run commands on the checker, and is parsed (and rendered) once per run."""

from __future__ import annotations

from pathlib import Path

import pytest

from ihcheck.cli import main

EX_DATAERR = 65


def _inventory(tmp_path: Path) -> tuple[Path, Path]:
    counter = tmp_path / "ran"
    path = tmp_path / "inv.yml"
    path.write_text("all:\n  hosts:\n    localhost:\n      ansible_connection: local\n"
                    f"      ihcheck_datacenter: \"{{{{ lookup('pipe', 'echo x >> {counter}; echo dc1') }}}}\"\n")
    return path, counter


def test_a_pipe_lookup_is_refused_and_never_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, counter = _inventory(tmp_path)
    assert main(["check", "-i", str(path), "--bundle", str(tmp_path / "b")]) == EX_DATAERR
    assert "lookup 'pipe' refused" in capsys.readouterr().err
    assert not counter.exists()
    assert not (tmp_path / "b").exists()


def test_an_allowed_lookup_runs_once_even_with_a_bundle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It ran twice with --bundle: the bundle writer parsed the inventory again."""
    path, counter = _inventory(tmp_path)
    code = main(["check", "-i", str(path), "--allow-inventory-lookups", "--bundle", str(tmp_path / "b"),
                 "--rule", "GD2020-1.2.3-servers"])
    assert code in (0, 1, 2), capsys.readouterr().err
    assert counter.read_text() == "x\n"
    hosts = (tmp_path / "b" / "inventory" / "hosts.json").read_text()
    assert '"datacenter": "dc1"' in hosts
