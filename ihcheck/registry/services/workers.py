"""Intake in several processes: verifying a bundle is CPU work (reading the archive, hashing every file, two
signatures), so one process takes in one bundle at a time per core at best. `take_all(…, workers=N)` hands
bundles to N processes, each with its own Django and its own database connection, configured as this one
is (the same data folder, the same database).

The workers need no coordination of their own: the database keeps intake correct when several take in at
once. A bundle is one row by the unique index on its manifest digest (a worker that loses the race reports
"already held"); the action log stays one chain under its lock (PostgreSQL's advisory lock, SQLite's
immediate write transaction); a hospital's latest bundle is decided under its row lock; the stored archive's
name is its digest. Several `ihcheck registry intake --workers N` or `watch` processes on other machines
against the same PostgreSQL and the same storage rely on the same guarantees.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar


@dataclass(frozen=True)
class Outcome:
    """One bundle's intake, as the CLI reports it (picklable: it crosses from a worker)."""

    path: str
    taken: bool  # verified and held (newly or already)
    created: bool  # a new record
    line: str  # "taken in: …", "already held: …" or the refusal's one-line reason
    settled: bool = True  # False: a dropped file still being written, handed back (services.dropfolder)


Job = TypeVar("Job")
Run = Callable[[Callable[[Job], Outcome], list[Job]], Iterator[Outcome]]


def take_one(path: str, *, via: str, actor: str) -> Outcome:
    from ihcheck.registry.services import intake

    name = intake.one_line(Path(path).name)
    try:
        taken = intake.take_file(Path(path), via=via, actor=actor)
    except intake.Refused as exc:
        return Outcome(path, False, False, intake.one_line(str(exc)))
    b = taken.bundle
    return Outcome(path, True, taken.created, f"{'taken in' if taken.created else 'already held'}: {name} → "
                   f"{b.hospital.uscc} {b.digest[:16]}… signed {b.signed_at.isoformat()} worst {b.worst}")


def _start_worker(data: str, database: dict[str, Any]) -> None:
    """A worker process: Django configured on the parent's data folder and on the parent's database as it is
    connected (which may differ from what the environment says, e.g. in tests). Ctrl-C is the parent's to
    handle (it ends the pool), not each worker's to print a traceback for."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from ihcheck.registry.settings import configure

    configure(data=Path(data))
    from django.db import connections

    connections.close_all()
    connections.settings["default"] = connections.configure_settings({"default": database})["default"]
    with contextlib.suppress(AttributeError):  # no connection opened yet
        del connections["default"]


def _in_process(take: Callable[[Any], Outcome], jobs: list[Any]) -> Iterator[Outcome]:
    for job in jobs:
        yield take(job)


@contextlib.contextmanager
def pool(workers: int) -> Iterator[Run[Any]]:
    """`run(take, jobs)`: each job taken by this process (workers=1) or by one of `workers` processes started
    once for the pool's life (a watcher keeps them between looks); outcomes in the order they finish."""
    if workers <= 1:
        yield _in_process
        return
    import multiprocessing

    from django.conf import settings
    from django.db import connections

    database = dict(connections["default"].settings_dict)
    connections.close_all()  # a forked connection must never be shared; spawned workers open their own
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited connection or lock
    with context.Pool(workers, initializer=_start_worker,
                      initargs=(str(settings.IHCHECK_REGISTRY_DATA), database)) as processes:
        yield lambda take, jobs: processes.imap_unordered(take, jobs)


def take_all(paths: Iterable[Path], *, via: str, actor: str, workers: int = 1) -> Iterator[Outcome]:
    """Each bundle taken in, by this process (workers=1) or by a pool of `workers` processes; outcomes in the
    order they finish."""
    jobs = [str(p) for p in paths]
    with pool(min(workers, len(jobs))) as run:
        yield from run(partial(take_one, via=via, actor=actor), jobs)
