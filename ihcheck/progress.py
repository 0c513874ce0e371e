"""Progress that shows on long work also when output is not a terminal.

rich's live bar draws only on a terminal: in CI logs, under `nohup`, or piped to a file, an image
build of several minutes printed nothing and looked hung. `PlainProgress` offers the part of
`rich.progress.Progress` the simulator and the checker use (add_task, update, advance, a context
manager) and writes a plain line per unfinished task every few seconds instead, and a last line
when a task that has shown one completes. Work shorter than that stays silent, as a quick `check`
should. `progress_for` picks the bar or the lines from the console.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from probes.progress import ProgressLike

EVERY = 5.0  # seconds between the lines of a task that is still running


@dataclass
class _Task:
    description: str
    total: float | None
    completed: float
    started: float
    last_line: float
    done: bool = False
    shown: bool = False  # a line was printed: its completion gets one too


class PlainProgress:
    """Plain lines for a console that is not a terminal: `[  15 s] building images: common: Unpacking … (1/3)`.

    A background thread calls `tick()` twice a second; `tick(now)` is public so a test can drive the
    clock itself instead of sleeping. Descriptions are printed as text, never as markup.
    """

    def __init__(self, console: Console, every: float = EVERY, clock: Callable[[], float] = time.monotonic) -> None:
        self.console = console
        self.every = every
        self.clock = clock
        self._tasks: dict[TaskID, _Task] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> PlainProgress:
        self._thread = threading.Thread(target=self._run, name="plain-progress", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(min(0.5, self.every)):
            self.tick()

    def add_task(self, description: str, start: bool = True, total: float | None = 100.0, completed: int = 0,
                 visible: bool = True, **fields: Any) -> TaskID:
        now = self.clock()
        with self._lock:
            task_id = TaskID(len(self._tasks))
            task = _Task(description, total, completed, started=now, last_line=now)
            self._tasks[task_id] = task
        return task_id

    def update(self, task_id: TaskID, *, total: float | None = None, completed: float | None = None,
               advance: float | None = None, description: str | None = None, visible: bool | None = None,
               refresh: bool = False, **fields: Any) -> None:
        now = self.clock()
        with self._lock:
            task = self._tasks[task_id]
            if total is not None:
                task.total = total
            if completed is not None:
                task.completed = completed
            if advance is not None:
                task.completed += advance
            if description is not None:
                task.description = description
            if not task.done and task.total is not None and task.completed >= task.total:
                task.done = True
                if task.shown:  # the end of a task someone watched is worth a line at once
                    self._emit(task, now)

    def advance(self, task_id: TaskID, advance: float = 1) -> None:
        self.update(task_id, advance=advance)

    def tick(self, now: float | None = None) -> None:
        """A line for every unfinished task whose last line is `every` seconds old."""
        now = self.clock() if now is None else now
        with self._lock:
            for task in self._tasks.values():
                if not task.done and now - task.last_line >= self.every:
                    self._emit(task, now)

    def _emit(self, task: _Task, now: float) -> None:
        task.last_line, task.shown = now, True
        count = ""
        if task.total is not None:
            count = f" ({task.completed:.0f}/{task.total:.0f})" + (" done" if task.done else "")
        self.console.print(f"[{now - task.started:4.0f} s] {task.description}{count}", markup=False,
                           highlight=False, soft_wrap=True)


def progress_for(console: Console) -> ProgressLike:
    """rich's live bar on a terminal; plain lines every few seconds anywhere else (CI logs, files, pipes).

    The bar goes when the work is done (transient): a finished boot left a line per image, network and container
    above the demo's result, pushing its one screen past 60 lines; the line saying the deployment is up stays."""
    if not console.is_terminal:
        return PlainProgress(console)
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=True)


PROGRESS_ROWS = 50  # beyond this many hosts a row per host is noise: a terminal then shows nothing


class _Only:
    """A sink showing only the tasks of one `kind` (probes.progress.HostsReport reports both) on `inner`."""

    def __init__(self, inner: ProgressLike, kind: str) -> None:
        self.inner = inner
        self.kind = kind
        self._shown: set[TaskID] = set()
        self._hidden = 0

    def add_task(self, description: str, start: bool = True, total: float | None = 100.0, completed: int = 0,
                 visible: bool = True, **fields: Any) -> TaskID:
        if fields.pop("kind", None) != self.kind:
            self._hidden -= 1
            return TaskID(self._hidden)  # never a real task's id: rich counts from 0 upwards
        task = self.inner.add_task(description, start=start, total=total, completed=completed, visible=visible,
                                   **fields)
        self._shown.add(task)
        return task

    def update(self, task_id: TaskID, *, total: float | None = None, completed: float | None = None,
               advance: float | None = None, description: str | None = None, visible: bool | None = None,
               refresh: bool = False, **fields: Any) -> None:
        if task_id in self._shown:
            self.inner.update(task_id, total=total, completed=completed, advance=advance, description=description,
                              visible=visible, refresh=refresh, **fields)

    def advance(self, task_id: TaskID, advance: float = 1) -> None:
        if task_id in self._shown:
            self.inner.advance(task_id, advance)

    def __enter__(self) -> _Only:
        self.inner.__enter__()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.inner.__exit__(kind, value, traceback)


def gather_display(console: Console | None, hosts: int, every: float = EVERY) -> ProgressLike:
    """How the gathering of `hosts` hosts shows: a spinner row per host on a terminal (up to PROGRESS_ROWS hosts,
    nothing beyond), a line every few seconds on anything else (hosts done of all, the latest event), nothing
    when nobody watches."""
    from probes.progress import silent

    if console is None or (console.is_terminal and hosts > PROGRESS_ROWS):
        return silent()
    if console.is_terminal:
        return _Only(Progress(SpinnerColumn(), TextColumn("{task.description}"), console=console, transient=True),
                     "host")
    return _Only(PlainProgress(console, every=every), "fleet")
