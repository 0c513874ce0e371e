"""What a progress sink must accept: the shell hands one to the simulator and to the gathering of hosts.

Only the shell (ihcheck.progress) decides how progress looks (rich's live bar on a terminal, a plain line every
few seconds elsewhere); everything below it reports to this protocol, and `SILENT` where nobody watches (tests,
benchmarks, a library caller).
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from rich.progress import TaskID
else:
    TaskID = int

__all__ = ["FINISHED", "HostsReport", "ProgressLike", "TaskID", "silent"]


class ProgressLike(Protocol):
    """What callers need of a progress display: rich's `Progress` and `PlainProgress` both are one."""

    def add_task(self, description: str, start: bool = ..., total: float | None = ..., completed: int = ...,
                 visible: bool = ..., **fields: Any) -> TaskID: ...

    def update(self, task_id: TaskID, *, total: float | None = ..., completed: float | None = ...,
               advance: float | None = ..., description: str | None = ..., visible: bool | None = ...,
               refresh: bool = ..., **fields: Any) -> None: ...

    def advance(self, task_id: TaskID, advance: float = ...) -> None: ...

    def __enter__(self) -> Any: ...

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> Any: ...


class _Silent:
    """A sink that shows nothing."""

    def __init__(self) -> None:
        self._next = 0

    def add_task(self, description: str, start: bool = True, total: float | None = 100.0, completed: int = 0,
                 visible: bool = True, **fields: Any) -> TaskID:
        self._next += 1
        return self._next  # type: ignore[return-value]  # rich's TaskID is a NewType of int

    def update(self, task_id: TaskID, *, total: float | None = None, completed: float | None = None,
               advance: float | None = None, description: str | None = None, visible: bool | None = None,
               refresh: bool = False, **fields: Any) -> None:
        return None

    def advance(self, task_id: TaskID, advance: float = 1) -> None:
        return None

    def __enter__(self) -> _Silent:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        return None


def silent() -> ProgressLike:
    """A sink that shows nothing, for callers nobody watches."""
    return _Silent()


FINISHED = frozenset({"done", "unreachable", "timed out"})  # a host's last event


class HostsReport:
    """How the gathering of hosts reports to a sink: one task for the fleet (`kind="fleet"`: hosts finished of all,
    with the latest event) and one per host (`kind="host"`: what it is doing). The sink shows the kind it wants
    (ihcheck.progress: a row per host on a terminal, the fleet's line elsewhere) and ignores the other."""

    def __init__(self, sink: ProgressLike, hosts: list[str]) -> None:
        self.sink = sink
        self.count = len(hosts)
        self.finished: set[str] = set()
        self.fleet = sink.add_task(f"checking {self.count} host(s)", total=self.count, kind="fleet")
        self.rows = {h: sink.add_task(f"{h}: waiting", total=None, kind="host") for h in hosts}

    def __call__(self, host: str, event: str) -> None:
        if event in FINISHED:
            self.finished.add(host)
        self.sink.update(self.rows[host], description=f"{host}: {event}")
        self.sink.update(self.fleet, completed=len(self.finished),
                         description=f"checking {self.count} host(s); {host}: {event}")
