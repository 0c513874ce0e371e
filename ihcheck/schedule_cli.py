"""`ihcheck schedule install|run`: the check on a systemd timer (see ihcheck.schedule)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Annotated

import typer

from checker.errors import InputError
from ihcheck.terminal import console

schedule_app = typer.Typer(help="Run the check on a schedule (systemd timer), keep bundles, export metrics.",
                           no_args_is_help=True, rich_markup_mode=None)
_err = console(stderr=True, highlight=False)


@schedule_app.command("install")
def schedule_install(
    inventory: Annotated[Path, typer.Option("-i", "--inventory", metavar="PATH", help="Inventory to check.")],
    on_calendar: Annotated[str, typer.Option("--on-calendar", help="systemd OnCalendar= of the timer.")] = "daily",
    keep: Annotated[int, typer.Option("--keep", min=1, help="Bundles kept, the newest.")] = 14,
    state_dir: Annotated[Path, typer.Option("--state-dir", help="Where runs keep their bundles.")] = Path(
        "/var/lib/ihcheck/scheduled"),
    metrics_file: Annotated[Path, typer.Option("--metrics-file", help="node_exporter textfile to write.")] = Path(
        "/var/lib/prometheus/node-exporter/ihcheck.prom"),
    sign_key: Annotated[Path | None, typer.Option("--sign-key", metavar="DIR", help="Keys to sign with.")] = None,
    registry_url: Annotated[str | None, typer.Option("--registry", metavar="URL", help="Submit each bundle to this "
                                                     "registry.")] = None,
    token_file: Annotated[Path | None, typer.Option("--token-file", metavar="FILE", help="The hospital's upload "
                                                    "token for --registry.")] = None,
    root: Annotated[Path, typer.Option("--root", help="Write under this directory instead of / (and do not "
                                       "enable).")] = Path("/"),
    no_enable: Annotated[bool, typer.Option("--no-enable", help="Write the units, do not enable the timer.")] = False,
) -> None:
    """Write /etc/ihcheck/schedule.yml and the ihcheck-check service and timer; enable the timer."""
    from pydantic import ValidationError

    from ihcheck.schedule import ScheduleConfig, install, load_config

    try:
        config = ScheduleConfig(inventory=inventory.resolve(), keep=keep, state_dir=state_dir,
                                metrics_file=metrics_file, sign_key=sign_key.resolve() if sign_key else None,
                                registry_url=registry_url,
                                registry_token_file=token_file.resolve() if token_file else None)
    except ValidationError as exc:
        raise InputError(f"schedule install: {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}") from None
    if not inventory.is_file() and not inventory.is_dir():
        raise InputError(f"--inventory {inventory}: not found")
    executable = shutil.which("ihcheck") or f"{sys.executable} -m ihcheck"
    enable = not no_enable and root == Path("/") and Path("/run/systemd/system").is_dir()
    written = install(config, root=root, on_calendar=on_calendar, executable=executable, enable=enable)
    load_config(written[0])  # what the service will read, read back
    for path in written:
        _err.print(f"wrote {path}", markup=False)
    _err.print("timer enabled: systemctl list-timers ihcheck-check.timer" if enable else
               "not enabled: systemctl daemon-reload && systemctl enable --now ihcheck-check.timer", markup=False)


@schedule_app.command("run")
def schedule_run(
    config_file: Annotated[Path, typer.Option("--config", metavar="FILE", help="The schedule configuration.")] = Path(
        "/etc/ihcheck/schedule.yml"),
) -> None:
    """One scheduled run (what the service does): check, bundle, keep the newest N, metrics, drift, submit."""
    from ihcheck.schedule import load_config, run

    config = load_config(config_file)
    raise typer.Exit(run(config, say=lambda line: _err.print(line, markup=False)))


def register(app: typer.Typer) -> None:
    app.add_typer(schedule_app, name="schedule")
