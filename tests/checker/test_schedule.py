"""The scheduled check: `schedule install` writes units systemd accepts; running the service unit's own command
checks, keeps the newest N bundles, writes metrics Prometheus's own parser reads, and logs drift (issue 25)."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from ihcheck.cli import main

RULE = "GD2020-1.2.3-servers"


def _install(tmp_path: Path, keep: int = 2) -> tuple[Path, Path]:
    inventory = tmp_path / "inventory.yml"
    inventory.write_text("all:\n  hosts:\n    me: {ansible_connection: local}\n")
    root = tmp_path / "root"
    assert main(["schedule", "install", "-i", str(inventory), "--root", str(root), "--keep", str(keep),
                 "--state-dir", str(tmp_path / "state"), "--metrics-file", str(tmp_path / "metrics" / "ihcheck.prom"),
                 "--on-calendar", "*-*-* 03:00:00"]) == 0
    config = root / "etc/ihcheck/schedule.yml"
    text = config.read_text()
    config.write_text(text.replace("rules: []", f"rules: [{RULE}]"))  # one quick rule: the run, not the catalogue
    return root, config


def _exec_start(root: Path, config: Path) -> list[str]:
    unit = (root / "etc/systemd/system/ihcheck-check.service").read_text()
    line = next(x for x in unit.splitlines() if x.startswith("ExecStart="))
    return [config.as_posix() if w == "/etc/ihcheck/schedule.yml" else w for w in shlex.split(line[10:])]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_the_units_are_ones_systemd_accepts(tmp_path: Path) -> None:
    root, _ = _install(tmp_path)
    units = root / "etc/systemd/system"
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", str(units / "ihcheck-check.timer"),
                           str(units / "ihcheck-check.service")], capture_output=True, text=True, timeout=60,
                          check=False)
    problems = [line for line in done.stderr.splitlines() if "ihcheck-check" in line]
    assert done.returncode == 0 and not problems, done.stderr
    calendar = subprocess.run(["systemd-analyze", "calendar", "*-*-* 03:00:00"], capture_output=True, text=True,
                              timeout=30, check=False)
    assert calendar.returncode == 0


def test_the_service_command_keeps_bundles_writes_metrics_and_logs_drift(tmp_path: Path) -> None:
    root, config = _install(tmp_path, keep=2)
    argv = _exec_start(root, config)
    runs = []
    for _ in range(3):
        done = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode in (0, 1, 2), done.stderr  # a verdict, not a broken run (SuccessExitStatus=1 2)
        runs.append(done.stderr)
    assert "first scheduled run" in runs[0] and "no verdict changed" in runs[1]
    kept = sorted((tmp_path / "state" / "runs").iterdir())
    assert len(kept) == 2 and all((k / "bundle").is_dir() and (k / "result.json").is_file() for k in kept)

    families = {f.name: f for f in text_string_to_metric_families((tmp_path / "metrics/ihcheck.prom").read_text())}
    verdicts = {s.labels["verdict"]: s.value for s in families["ihcheck_rule_verdict"].samples
                if s.labels["rule"] == RULE}
    result = json.loads((kept[-1] / "result.json").read_text())
    # the schema `check --format json` writes: outputs by reference, held whole by the bundle beside it
    assert result["schema"] == "ihcheck.result/2" and all("stdout" not in o for o in result["observations"])
    assert verdicts[result["summary"]["rules"][RULE]] == 1 and sum(verdicts.values()) == 1
    assert families["ihcheck_hosts"].samples[0].value == 1
    assert families["ihcheck_hosts_unreachable"].samples[0].value == 0
    assert families["ihcheck_last_run_duration_seconds"].samples[0].value > 0

    # the previous run said otherwise: the next run logs the change
    previous = kept[-1] / "result.json"
    data = json.loads(previous.read_text())
    before = data["summary"]["rules"][RULE]
    data["summary"]["rules"][RULE] = "fail" if before != "fail" else "pass"
    for finding in data["findings"]:
        finding["verdict"] = data["summary"]["rules"][RULE]
    previous.write_text(json.dumps(data))
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    assert f"drift: {RULE}: {data['summary']['rules'][RULE]} → {before}" in done.stderr, done.stderr


def test_a_bad_configuration_is_one_line_naming_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "schedule.yml"
    config.write_text("inventory: /x\nkeep: 0\n")
    assert main(["schedule", "run", "--config", str(config)]) == 65
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "keep" in err and str(config) in err
