"""A scheduled run hands its signed bundle in to the registry when one is configured (issue 25): the service unit's
own command, run against a live registry, and the registry holding the bundle under the enrolled hospital."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest

from ihcheck.cli import main
from ihcheck.registry.models import Bundle
from ihcheck.registry.services import enrol
from tests.registry.conftest import USCC_A, Signed, _use
from tests.registry.conftest import enrol as enrol_hospital


@pytest.fixture(scope="module")
def backend(registry_data: Path) -> str:
    """The embedded SQLite only: what is tested is the scheduled run's hand-in, not the database."""
    from ihcheck.registry.settings import database_settings

    _use(database_settings(None, registry_data))
    return "sqlite"


def test_the_scheduled_run_submits_its_bundle_to_the_configured_registry(
        live_server: str, hospital_a: Signed, tmp_path: Path) -> None:
    hospital = enrol_hospital(USCC_A, hospital_a)
    token_file = tmp_path / "token"
    token_file.write_text(enrol.issue_token(hospital, actor="t") + "\n")
    keys = tmp_path / "keys"
    hospital_a.keys.write(keys)
    inventory = tmp_path / "inventory.yml"
    inventory.write_text("all:\n  hosts:\n    me: {ansible_connection: local}\n")
    root = tmp_path / "root"
    assert main(["schedule", "install", "-i", str(inventory), "--root", str(root), "--sign-key", str(keys),
                 "--registry", live_server, "--token-file", str(token_file), "--state-dir", str(tmp_path / "state"),
                 "--metrics-file", str(tmp_path / "ihcheck.prom")]) == 0
    config = root / "etc/ihcheck/schedule.yml"
    config.write_text(config.read_text().replace("rules: []", "rules: [GD2020-1.2.3-servers]"))
    unit = (root / "etc/systemd/system/ihcheck-check.service").read_text()
    exec_start = next(x for x in unit.splitlines() if x.startswith("ExecStart="))[len("ExecStart="):]
    argv = [str(config) if w == "/etc/ihcheck/schedule.yml" else w for w in shlex.split(exec_start)]

    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode in (0, 1, 2), done.stderr
    assert f"submit to {live_server}: accepted" in done.stderr, done.stderr
    held = Bundle.objects.get()
    assert held.hospital == hospital and held.via == "http"
    assert held.key.ed25519 == hospital_a.keys.public().fingerprints()[0]
