"""`ihcheck sim ...`: boot, inspect and tear down simulated deployments.

Mounted by ihcheck.cli as `ihcheck sim`. The simulator's errors belong to the one error tree
(checker/errors.py): a bad spec is input (65), no podman, no image or a daemon that never answered is
the environment (69); `main()` prints them as one line.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.table import Table

from checker.errors import ExitCode
from ihcheck.progress import progress_for
from ihcheck.terminal import console

app = typer.Typer(help="Simulated internet-hospital deployments: real containers, real daemons, real uplinks.",
                  no_args_is_help=True, rich_markup_mode=None)
_err = console(stderr=True)
T = TypeVar("T")


def _guarded(action: Callable[[], T]) -> T:
    """Run an action; an interrupted boot says what it cleaned up (other errors reach main())."""
    try:
        return action()
    except KeyboardInterrupt:
        _err.print("interrupted; containers of an unfinished boot were removed")
        raise typer.Exit(ExitCode.INTERRUPTED) from None


@app.command()
def up(scenario: Annotated[str, typer.Argument(help="scenario name (e.g. compliant) or path to a YAML spec")],
       timeout: Annotated[float, typer.Option(help="seconds to wait for every daemon to answer")] = 90) -> None:
    """Build images if needed, boot SCENARIO, wait until every daemon answers, write its inventory."""
    from simulator import deploy

    _guarded(lambda: deploy.up(scenario, ready_timeout=timeout, progress=progress_for(_err)))


@app.command()
def down(scenario: Annotated[str | None, typer.Argument(help="scenario to stop (default: all)")] = None) -> None:
    """Remove a scenario's containers, networks and state (every scenario when none is named)."""
    from simulator import deploy

    removed = _guarded(lambda: deploy.down(scenario))
    typer.echo(f"removed: {', '.join(removed)}" if removed else "nothing was running")


@app.command()
def status() -> None:
    """What the simulator runs: each scenario, its containers' states, its inventory."""
    from simulator import deploy

    found = _guarded(deploy.status)
    if not found:
        typer.echo("no simulated scenario is running")
        return
    table = Table("scenario", "containers", "inventory")
    for each in found:
        states = ", ".join(f"{box}={state}" for box, state in each.containers.items()) or "(networks only)"
        table.add_row(each.scenario, states, str(each.inventory or "-"))
    console().print(table)


@app.command()
def inventory(scenario: Annotated[str, typer.Argument(help="a running scenario")],
              output: Annotated[Path | None, typer.Option("-o", "--output", help="file (default: stdout)")] = None,
              ) -> None:
    """Print (or write with -o) the Ansible inventory of a running scenario."""
    from simulator import deploy

    if output is not None:
        written = _guarded(lambda: deploy.write_inventory(scenario, output))
        typer.echo(str(written))
        return
    path = _guarded(lambda: deploy.load(scenario)).inventory
    typer.echo(path.read_text(encoding="utf-8"), nl=False)


@app.command()
def prune(dry_run: Annotated[bool, typer.Option("--dry-run", help="only list what would be removed")] = False) -> None:
    """Remove cached images that no shipped scenario's current recipe and no container uses."""
    from simulator.deploy import prune_images

    removed = _guarded(partial(prune_images, dry_run=dry_run))
    for name in removed:
        typer.echo(f"{'would remove' if dry_run else 'removed'} {name}")
    if not removed:
        typer.echo("nothing to prune")


@app.command()
def scenarios() -> None:
    """List the shipped scenarios and what each simulates."""
    from simulator import spec

    def describe(name: str) -> str:
        return spec.load(name)[1].description

    for name in spec.shipped_scenarios():
        typer.echo(f"{name:22} {_guarded(partial(describe, name))}")

