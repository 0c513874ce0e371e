"""Run a process on the checker under a hard deadline and an output cap.

A hostile or broken host must not be able to stall or exhaust the checker. `subprocess.run(timeout=…)`
is not enough for that: it kills only the direct child, then waits for the pipes to close, and a
grandchild that ignores SIGTERM or detaches while holding stdout keeps them open for as long as it
likes. So every process runs here in a session of its own and is ended as a group (SIGTERM, a grace
period, then SIGKILL), the pipes are read against the deadline rather than until EOF, and whatever is
read beyond the cap is not kept: the process is ended instead, and the result says so.

`limits.Cancel` lets a run that is being interrupted (Ctrl-C) end every command in flight at once.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

# Per command: a few MiB is far above any legitimate probe output (a process list of a busy server is
# ~1 MiB) and far below what would hurt the checker if every host of a fleet sent it at once.
COMMAND_OUTPUT_CAP = 4 * 1024 * 1024
# Per host, over the whole run: the sum of what one host may make the checker hold.
HOST_OUTPUT_CAP = 32 * 1024 * 1024
# After SIGTERM, how long a process group gets before SIGKILL.
KILL_GRACE = 3.0
# After the command itself exited, how long its pipes are still read (output in flight, not stragglers).
AFTER_EXIT = 1.0


class Cancel:
    """A run-wide flag: once set, every bounded command still running is ended at its next poll."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason = ""

    def set(self, reason: str = "interrupted") -> None:
        self.reason = reason
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()


@dataclass(frozen=True)
class Bounded:
    """What a bounded process left behind. `ended` says why the checker ended it, if it did."""

    returncode: int | None
    stdout: bytes
    stderr: bytes
    ended: str | None = None  # "deadline", "output cap", "interrupted", or None when it exited by itself
    truncated: bool = False

    def stderr_with_note(self, text: str) -> str:
        if not self.ended:
            return text
        return (text + ("\n" if text and not text.endswith("\n") else "") + f"[ihcheck: {self.note}]")

    @property
    def note(self) -> str:
        return f"ended by the checker: {self.ended}" + (" (output truncated)" if self.truncated else "")


def _signal_group(pid: int, sig: signal.Signals) -> None:
    """Signal the process group `pid` leads, and every process of the session it leads: `timeout` moves
    itself and its command into a group of its own, which a group signal alone would miss."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
    for entry in os.scandir("/proc") if os.path.isdir("/proc") else ():
        if not entry.name.isdigit() or int(entry.name) == pid:
            continue
        with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
            if os.getsid(int(entry.name)) == pid:
                os.kill(int(entry.name), sig)


def run_bounded(
    argv: Sequence[str],
    *,
    timeout: float,
    cap: int = COMMAND_OUTPUT_CAP,
    env: dict[str, str] | None = None,
    cancel: Cancel | None = None,
    grace: float = KILL_GRACE,
) -> Bounded:
    """Run argv with stdin closed; return within timeout + grace + a fraction of a second, whatever it does.

    The process leads a new session, so SIGTERM/SIGKILL reach everything it started that stayed in its
    group. A child that left the group (setsid) and still holds a pipe is not waited for: reading stops
    at the deadline, the pipes are closed, and the result is marked ended by the deadline.
    """
    try:
        proc = subprocess.Popen(
            list(argv), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True, env=env, close_fds=True,
        )
    except OSError as exc:
        return Bounded(None, b"", f"cannot start {argv[0]!r}: {exc.strerror or exc}".encode())
    assert proc.stdout is not None and proc.stderr is not None
    out_buf, err_buf = bytearray(), bytearray()
    buffers: dict[int, bytearray] = {proc.stdout.fileno(): out_buf, proc.stderr.fileno(): err_buf}
    selector = selectors.DefaultSelector()
    for stream in (proc.stdout, proc.stderr):
        os.set_blocking(stream.fileno(), False)
        selector.register(stream, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    ended: str | None = None
    truncated = False
    kill_at: float | None = None
    exited_at: float | None = None
    try:
        while selector.get_map():
            now = time.monotonic()
            if ended is None:
                if cancel is not None and cancel.is_set():
                    ended = "interrupted"
                elif now >= deadline:
                    ended = f"deadline of {timeout:g} s"
                if ended is not None:
                    _signal_group(proc.pid, signal.SIGTERM)
                    kill_at = now + grace
            if kill_at is not None and now >= kill_at:
                _signal_group(proc.pid, signal.SIGKILL)
                break  # whatever still holds a pipe left our group: stop reading, close, move on
            if proc.poll() is not None:
                # The command exited; a child that detached from it may hold the pipes for as long as it
                # likes. Take what arrives within a moment, then stop reading.
                exited_at = exited_at or now
                if now - exited_at > AFTER_EXIT:
                    break
            wait = min(0.2, max(0.0, (kill_at or deadline) - now))
            for key, _ in selector.select(timeout=wait):
                fd = key.fd
                try:
                    chunk = os.read(fd, 65536)
                except BlockingIOError:
                    continue
                if not chunk:
                    selector.unregister(key.fileobj)
                    continue
                room = cap - len(out_buf) - len(err_buf)
                buffers[fd] += chunk[: max(0, room)]
                if len(chunk) > room and ended is None:
                    truncated = True
                    ended = f"output cap of {cap} bytes"
                    _signal_group(proc.pid, signal.SIGTERM)
                    kill_at = time.monotonic() + grace
        # Pipes closed: the process has exited or is about to; never wait beyond the kill point.
        limit = max(0.0, (kill_at or deadline + grace) - time.monotonic())
        try:
            returncode: int | None = proc.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            _signal_group(proc.pid, signal.SIGKILL)
            ended = ended or f"deadline of {timeout:g} s"
            try:
                returncode = proc.wait(timeout=1)
            except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL cannot be ignored
                returncode = None
    finally:
        selector.close()
        proc.stdout.close()
        proc.stderr.close()
        if ended is not None:  # nothing of a group the checker ended is left running
            _signal_group(proc.pid, signal.SIGKILL)
    return Bounded(None if ended else returncode, bytes(out_buf), bytes(err_buf), ended, truncated)


def decode(data: bytes) -> str:
    """Host output as text: UTF-8, undecodable bytes replaced (they stay visible as U+FFFD)."""
    return data.decode("utf-8", "replace")
