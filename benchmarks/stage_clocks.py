"""Where a real check's CPU goes, stage by stage: each stage's thread CPU clock, summed over hosts and threads.

    .venv/bin/python benchmarks/stage_clocks.py check -i INVENTORY [any `ihcheck check` option …]

Runs `ihcheck check` in this process with a thread-CPU clock (`time.thread_time`) around each stage the checker's
CPU a host is made of: connecting, the channel loop that reads a host's batch, paramiko's transport thread, the
batch parser, recording an observation (redaction, digest, spool), each probe's parsing, fact sharing, judging,
building and writing the result. It prints each stage's CPU and calls, and what the SSH exchange cost in
packets and wake-ups, then the process's CPU.

Why not only a sampling profiler (`fleet.py --profile`, py-spy): with 32 hosts at once most of a run's threads
wait on the interpreter lock, and a sampler counts a waiting thread as busy unless it can tell (py-spy put judging
at half of a 200-host run where it takes 0.35 s of CPU in all). A thread's own CPU clock counts only what it
ran. Stages nest (a batch feed holds the recording of what it completed): read each line as inclusive.
Point it at the fleet lab (simulator/netns_fleet.py; `fleet.py` boots one) or any inventory.
"""

from __future__ import annotations

import atexit
import collections
import functools
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

_started = time.process_time()
_cpu: collections.defaultdict[str, float] = collections.defaultdict(float)
_calls: collections.Counter[str] = collections.Counter()
_lock = threading.Lock()


def clocked(label: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """`function` with its calling thread's CPU time added to `label`."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        began = time.thread_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent = time.thread_time() - began
            with _lock:
                _cpu[label] += spent
                _calls[label] += 1

    return wrapper


def count(label: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _lock:
            _calls[label] += 1
        return function(*args, **kwargs)

    return wrapper


def patch(owner: Any, name: str, label: str, how: Callable[[str, Callable[..., Any]], Callable[..., Any]] = clocked,
          ) -> None:
    """Replace `owner.name` (a function, method or classmethod) by itself under `how`."""
    import inspect

    found = inspect.getattr_static(owner, name)
    if isinstance(found, classmethod):
        setattr(owner, name, classmethod(how(label, found.__func__)))
    else:
        setattr(owner, name, how(label, found))


def instrument() -> None:
    import paramiko.packet
    import paramiko.transport

    import ihcheck.run
    import probes.batch
    import probes.facts.sharing
    import probes.observation
    import probes.redact
    import probes.transport.paramiko_ssh as paramiko_ssh
    import reports.result
    from probes import families

    patch(paramiko_ssh._ParamikoTransport, "connect", "connect (the calling thread)")
    patch(paramiko_ssh._ParamikoTransport, "_exchange", "channel loop (reading a batch, with its feeds)")
    patch(paramiko.transport.Transport, "run", "paramiko's transport thread")
    patch(paramiko.packet.Packetizer, "read_message", "packets read", count)
    patch(probes.batch.BatchParser, "_feed", "  batch feed (with recording)")
    patch(probes.observation.ObservationLog, "record", "    record an observation (redaction, digest, spool)")
    patch(probes.redact.Redactor, "output", "      redact an output")
    patch(probes.observation.Spooled, "of", "      spool an output")
    patch(probes.facts.sharing.SharedRecords, "share", "share equal records")
    for probe in (families.IDENTITY, *families.PROBES):
        object.__setattr__(probe, "collect", clocked(f"probe {probe.name} (parsing)", probe.collect))
    patch(ihcheck.run, "evaluate", "judge (evaluate)")
    patch(ihcheck.run, "load_inventory", "load the inventory")
    patch(reports.result.CheckResult, "build", "build the result")
    patch(reports.result.CheckResult, "write_json", "write the result JSON")


def report() -> None:
    total = time.process_time() - _started
    print(f"\nstage_clocks: process CPU {total:.2f} s", file=sys.stderr)
    for label, spent in sorted(_cpu.items(), key=lambda item: -item[1]):
        print(f"  {spent:8.3f} s {_calls[label]:8d} calls  {label}", file=sys.stderr)
    print(f"  packets read {_calls['packets read']}", file=sys.stderr)


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] != "check":
        print(__doc__, file=sys.stderr)
        return 64
    instrument()
    atexit.register(report)
    from ihcheck.cli import main as ihcheck_main

    sys.argv = ["ihcheck", *sys.argv[1:]]
    result: int = ihcheck_main()
    return result


if __name__ == "__main__":
    sys.exit(main())
