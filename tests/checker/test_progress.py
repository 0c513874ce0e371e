"""Long work shows progress also when output is not a terminal: plain lines every few seconds, not a live bar.

The clock is driven by the test (`tick(now)`), so nothing here depends on how busy the machine is; the
one test of the background thread waits for a line to appear instead of sleeping a fixed time.
"""

from __future__ import annotations

import io
import time

from rich.console import Console
from rich.progress import Progress

from ihcheck.progress import PlainProgress, progress_for


def plain(every: float = 5.0) -> tuple[PlainProgress, io.StringIO, list[float]]:
    buffer = io.StringIO()
    clock = [100.0]
    progress = PlainProgress(Console(file=buffer, width=200, color_system=None), every=every,
                             clock=lambda: clock[0])
    return progress, buffer, clock


def test_a_line_every_few_seconds_while_a_task_runs_and_one_when_it_ends() -> None:
    progress, buffer, clock = plain()
    task = progress.add_task("building images", total=3)
    progress.tick(103.0)
    assert buffer.getvalue() == ""  # short work stays silent
    clock[0] = 104.0
    progress.update(task, description="building images: debootstrap: I: Retrieving Release")
    progress.tick(105.0)
    assert buffer.getvalue().splitlines() == ["[   5 s] building images: debootstrap: I: Retrieving Release (0/3)"]
    progress.tick(107.0)
    assert len(buffer.getvalue().splitlines()) == 1  # not before another 5 s
    progress.advance(task)
    progress.tick(110.0)
    progress.tick(115.0)
    clock[0] = 116.0
    progress.update(task, completed=3, description="images ready")
    progress.tick(130.0)  # a finished task says nothing more
    assert buffer.getvalue().splitlines()[1:] == [
        "[  10 s] building images: debootstrap: I: Retrieving Release (1/3)",
        "[  15 s] building images: debootstrap: I: Retrieving Release (1/3)",
        "[  16 s] images ready (3/3) done",
    ]


def test_tasks_without_a_total_and_text_that_looks_like_markup() -> None:
    progress, buffer, _ = plain()
    progress.add_task("[bold]app1[/bold]: uplinks", total=None)
    quick = progress.add_task("networks", total=2)
    progress.update(quick, completed=2)  # ended before its first line: no line at all
    progress.tick(106.0)
    assert buffer.getvalue() == "[   6 s] [bold]app1[/bold]: uplinks\n"


def test_the_thread_prints_while_work_goes_on_and_stops_with_the_block() -> None:
    buffer = io.StringIO()
    with PlainProgress(Console(file=buffer, width=200, color_system=None), every=0.05) as progress:
        progress.add_task("sim up: waiting for services", total=4)
        deadline = time.monotonic() + 30
        while "waiting for services (0/4)" not in buffer.getvalue() and time.monotonic() < deadline:
            time.sleep(0.02)
    assert "waiting for services (0/4)" in buffer.getvalue()
    assert progress._thread is not None and not progress._thread.is_alive()


def test_a_terminal_gets_the_live_bar_anything_else_plain_lines() -> None:
    bar = progress_for(Console(file=io.StringIO(), force_terminal=True))
    assert isinstance(bar, Progress) and bar.live.transient  # gone when done: the demo's result keeps its screen
    assert isinstance(progress_for(Console(file=io.StringIO())), PlainProgress)


def test_a_long_check_shows_hosts_done_in_plain_lines() -> None:
    """The gathering reports to a sink (probes.progress.HostsReport); off a terminal the shell shows the fleet's line."""
    from ihcheck.progress import gather_display
    from probes.progress import HostsReport

    buffer = io.StringIO()
    console = Console(file=buffer, width=200, color_system=None)
    with gather_display(console, 2, every=0.05) as sink:
        note = HostsReport(sink, ["app1", "db1"])
        note("app1", "connecting")
        note("db1", "uplinks")
        note("db1", "done")
        deadline = time.monotonic() + 30
        while "(1/2)" not in buffer.getvalue() and time.monotonic() < deadline:
            time.sleep(0.02)  # the check goes on; lines come every `every` seconds meanwhile
        note("app1", "unreachable")
        note("app1", "done")  # an unreachable host's end counts once
    lines = buffer.getvalue().splitlines()
    # a loaded machine may print an earlier state first too; the states and the last line are certain
    assert any(line.endswith("] checking 2 host(s); db1: done (1/2)") for line in lines), lines
    assert lines[-1].endswith("] checking 2 host(s); app1: unreachable (2/2) done"), lines
    assert sum(line.endswith(" done") for line in lines) == 1
    assert not any(line.split("] ", 1)[-1].startswith(("app1:", "db1:")) for line in lines)  # no host rows here


def test_a_terminal_shows_a_row_per_host_and_a_big_fleet_nothing() -> None:
    from rich.progress import Progress as RichProgress

    from ihcheck.progress import PROGRESS_ROWS, gather_display
    from probes.progress import HostsReport

    terminal = Console(file=io.StringIO(), force_terminal=True)
    display = gather_display(terminal, 2)
    HostsReport(display, ["app1", "db1"])
    inner = display.inner  # type: ignore[attr-defined]
    assert isinstance(inner, RichProgress)
    assert [t.description for t in inner.tasks] == ["app1: waiting", "db1: waiting"]
    quiet = gather_display(terminal, PROGRESS_ROWS + 1)
    assert not hasattr(quiet, "inner")
    assert not hasattr(gather_display(None, 2), "inner")
