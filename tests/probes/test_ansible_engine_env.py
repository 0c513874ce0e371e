"""The Ansible engine leaves the checker's own environment alone.

It once put the venv's bin first on this process's PATH to find ansible-playbook, which then shadowed
commands for the rest of the process (in a test worker: pynetdicom's storescp over dcmtk's).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from ihcheck.run import run_check


def test_ansible_engine_finds_ansible_without_touching_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    venv_bin = str(Path(sys.executable).parent)
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p != venv_bin)
    monkeypatch.setenv("PATH", path)  # ansible-playbook is not on it: the engine must still find it
    inventory = tmp_path / "inventory.yml"
    inventory.write_text("all:\n  hosts:\n    localhost:\n      ansible_connection: local\n"
                         f"      ansible_python_interpreter: {sys.executable}\n")
    result = run_check(inventory, engine="ansible", ansible_dir=tmp_path / "runner",
                       rule_ids=["GD2020-1.2.3-servers"]).result
    [host] = result.facts.hosts
    assert host.reachable and host.transport == "ansible", host.unreachable_reason
    assert os.environ["PATH"] == path


def test_ansible_gets_its_own_default_forks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --forks, Ansible runs DEFAULT_ANSIBLE_FORKS forks (processes, each a copy of its controller), not
    the direct engine's 32 connections."""
    import probes.ansible_engine
    from probes.fleet_defaults import DEFAULT_ANSIBLE_FORKS

    forks: list[int] = []
    real_play = probes.ansible_engine._run_play

    def spy(private_dir: Path, inventory: str, hosts: list[str], n: int, envvars: dict[str, str], **kw: object) -> None:
        forks.append(n)
        real_play(private_dir, inventory, hosts, n, envvars, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(probes.ansible_engine, "_run_play", spy)
    path = tmp_path / "inventory.yml"
    path.write_text("all:\n  hosts:\n    localhost:\n      ansible_connection: local\n"
                    f"      ansible_python_interpreter: {sys.executable}\n")
    [host] = run_check(path, engine="ansible", rule_ids=["GD2020-1.2.3-servers"]).result.facts.hosts
    assert host.reachable, host.unreachable_reason
    assert forks == [DEFAULT_ANSIBLE_FORKS] == [16]
