"""Checks that keep running: a systemd timer, the last N bundles kept, metrics for Prometheus, drift in the log.

GD2020 三 asks for 日常监管 (day-to-day supervision) and QH2019 for dynamic monitoring, while a check runs only when
someone types it. `ihcheck schedule install` writes a oneshot service and its timer (unit files, not instructions
to copy by hand) and the run's configuration; the service runs `ihcheck schedule run`, which checks, writes a signed
bundle into a folder of its own, keeps the newest N, writes node_exporter textfile metrics (per-rule verdict, last
run time, duration, hosts unreachable) with prometheus_client, says in the log every rule whose verdict changed
since the previous run, and submits the bundle to a registry when one is configured.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from checker.errors import InputError, describe_validation_error
from probes.limits import read_text_limited

UNIT = "ihcheck-check"
CONFIG = Path("/etc/ihcheck/schedule.yml")
METRICS = Path("/var/lib/prometheus/node-exporter/ihcheck.prom")  # Debian's node_exporter textfile directory


class ScheduleConfig(BaseModel):
    """/etc/ihcheck/schedule.yml: what each scheduled run checks and where it keeps what it made."""

    model_config = ConfigDict(extra="forbid")

    inventory: Path
    rules: list[str] = Field(default_factory=list, description="only these rules (default: all)")
    state_dir: Path = Path("/var/lib/ihcheck/scheduled")
    keep: int = Field(default=14, ge=1, le=10_000, description="bundles kept, the newest")
    metrics_file: Path | None = METRICS
    sign_key: Path | None = None
    registry_url: str | None = Field(default=None, pattern=r"^https?://")
    registry_token_file: Path | None = None
    forks: int = Field(default=32, ge=1, le=1024)
    host_timeout: float = Field(default=900, ge=0)


def load_config(path: Path) -> ScheduleConfig:
    text = read_text_limited(path, "schedule configuration")
    try:
        config = ScheduleConfig.model_validate(yaml.safe_load(text))
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not YAML: {str(exc).splitlines()[0]}") from None
    except ValidationError as exc:
        where, message = describe_validation_error(exc)
        raise InputError(f"{path}: {where}: {message}") from None
    if config.registry_url and config.registry_token_file is None:
        raise InputError(f"{path}: registry_token_file: required with registry_url")
    return config


def units(executable: str, config: Path, on_calendar: str) -> dict[str, str]:
    """The service and its timer. Exit 1 (something fails) and 2 (inconclusive) are verdicts, not a broken run."""
    service = f"""[Unit]
Description=ihcheck scheduled compliance check (日常监管)
Documentation=man:ihcheck(1)
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
ExecStart={executable} schedule run --config {config}
SuccessExitStatus=1 2
Nice=10
IOSchedulingClass=idle
TimeoutStartSec=6h
"""
    timer = f"""[Unit]
Description=Run the ihcheck compliance check on a schedule

[Timer]
OnCalendar={on_calendar}
RandomizedDelaySec=15min
Persistent=true

[Install]
WantedBy=timers.target
"""
    return {f"{UNIT}.service": service, f"{UNIT}.timer": timer}


def install(config: ScheduleConfig, *, root: Path, on_calendar: str, executable: str,
            enable: bool) -> list[Path]:
    """Write the configuration and the units under `root` (/ on the machine itself); enable the timer if asked."""
    written: list[Path] = []
    config_path = root / CONFIG.relative_to("/")
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text("# ihcheck schedule run: see `ihcheck schedule install --help`\n"
                           + yaml.safe_dump(config.model_dump(mode="json"), allow_unicode=True, sort_keys=False),
                           encoding="utf-8")
    written.append(config_path)
    unit_dir = root / "etc/systemd/system"
    unit_dir.mkdir(parents=True, exist_ok=True)
    for name, text in units(executable, CONFIG, on_calendar).items():
        (unit_dir / name).write_text(text, encoding="utf-8")
        written.append(unit_dir / name)
    if enable:
        for argv in (["systemctl", "daemon-reload"], ["systemctl", "enable", "--now", f"{UNIT}.timer"]):
            done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
            if done.returncode != 0:
                raise InputError(f"{' '.join(argv)}: {done.stderr.strip() or done.returncode}")
    return written


def _runs(state: Path) -> list[Path]:
    runs = state / "runs"
    return sorted(p for p in runs.iterdir() if p.is_dir()) if runs.is_dir() else []


def metrics(result: Any, started: float, seconds: float, path: Path) -> None:
    """node_exporter textfile metrics, written atomically by prometheus_client."""
    from prometheus_client import CollectorRegistry, Gauge, write_to_textfile

    registry = CollectorRegistry()
    verdict = Gauge("ihcheck_rule_verdict", "1 for the rule's verdict in the last run (worst over hosts)",
                    ["rule", "verdict"], registry=registry)
    for rule_id, value in result.summary["rules"].items():
        for name in ("pass", "fail", "inconclusive", "error", "not_applicable"):
            verdict.labels(rule=rule_id, verdict=name).set(1 if value == name else 0)
    Gauge("ihcheck_last_run_timestamp_seconds", "when the last run started", registry=registry).set(started)
    Gauge("ihcheck_last_run_duration_seconds", "how long the last run took", registry=registry).set(seconds)
    Gauge("ihcheck_last_run_exit_code", "0 all pass, 1 something fails, 2 inconclusive", registry=registry).set(
        result.exit_code)
    hosts = result.facts.hosts
    Gauge("ihcheck_hosts", "hosts in the inventory", registry=registry).set(len(hosts))
    Gauge("ihcheck_hosts_unreachable", "hosts the last run could not reach", registry=registry).set(
        sum(1 for h in hosts if not h.reachable))
    path.parent.mkdir(parents=True, exist_ok=True)
    write_to_textfile(str(path), registry)


def drift_lines(previous: Path | None, current: Path) -> list[str]:
    """One line per rule whose verdict changed since the previous run (the journal keeps them)."""
    if previous is None:
        return ["ihcheck: first scheduled run: no earlier verdicts to compare"]
    from reports.drift import diff, load_side

    changes = diff(load_side(previous), load_side(current))["rules"]
    if not changes:
        return ["ihcheck: drift: no verdict changed since the previous run"]
    return [f"ihcheck: drift: {c['rule_id']}: {c['old']} → {c['new']}{' (worse)' if c['worse'] else ''}: "
            f"{c['reason_zh'] or c['reason']}" for c in changes]


def run(config: ScheduleConfig, say: Any = print) -> int:
    """One scheduled run; returns the check's exit code."""
    from ihcheck.run import run_check
    from reports.bundle import write_bundle
    from reports.files import write_atomic
    from reports.keys import SigningKeys

    started_wall, started = time.time(), time.monotonic()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")  # two runs in one second keep apart
    folder = config.state_dir / "runs" / stamp
    folder.mkdir(parents=True, exist_ok=False)
    previous = next((p / "result.json" for p in reversed(_runs(config.state_dir)) if p != folder
                     and (p / "result.json").is_file()), None)
    checked = run_check(config.inventory, rule_ids=config.rules or None, forks=config.forks,
                        host_timeout=config.host_timeout or None, spool_dir=folder)
    result = checked.result
    keys = SigningKeys.load(config.sign_key) if config.sign_key else SigningKeys.generate(ephemeral=True)
    written = write_bundle(result, config.inventory, folder / "bundle", keys=keys, waivers=list(checked.waivers),
                           waivers_file=checked.waivers_file)
    # schema /2, as `ihcheck check --format json` writes it: outputs by reference (the bundle beside holds them)
    write_atomic(folder / "result.json", result.write_json)
    seconds = time.monotonic() - started
    for line in drift_lines(previous, folder / "result.json"):
        say(line)
    if config.metrics_file is not None:
        metrics(result, started_wall, seconds, config.metrics_file)
    for old in _runs(config.state_dir)[:-config.keep]:
        shutil.rmtree(old)
    if config.registry_url:
        tarball = written.directory.with_name(written.directory.name + ".tar.gz")
        done = subprocess.run([sys.executable, "-m", "ihcheck", "submit", str(tarball), "--to", config.registry_url,
                               "--token-file", str(config.registry_token_file)], capture_output=True, text=True,
                              timeout=300, check=False)
        say(f"ihcheck: submit to {config.registry_url}: "
            + ("accepted" if done.returncode == 0 else f"failed: {(done.stderr or done.stdout).strip()[:300]}"))
    say(f"ihcheck: scheduled run {stamp}: exit {result.exit_code} in {seconds:.1f} s; bundle {written.directory}")
    return int(result.exit_code)
