"""Many commands in one round trip, each still its own output: the envelope and its parser.

A host's independent commands (identity, ss, ps, dpkg-query, routes, …) go to the host as one shell
script over one channel, so a host costs one login shell and one round trip instead of one per
command. Each command runs exactly as it would alone, in a subshell of its own with no input
(`(timeout … sh -c 'CMD') </dev/null`, so not even an `exit` in it can end the batch); the script only
frames it: before it, a begin marker on stdout and on stderr; after it, a newline and an end
marker carrying its exit status. The parser takes each command's stdout and stderr as the bytes
between its markers (minus the one newline the envelope added), so every command becomes its own
Observation with its own output and SHA-256, exactly as if it had run on a channel of its own.

The markers carry a random nonce, and the script never spells marker and nonce together (printf
joins them at run time), so no command's output — not even `ps` listing this very script — can forge
one. The envelope itself is not evidence: nothing a host printed is lost or added.

The parser is incremental: outputs are fed as they arrive and a command is complete once both its
stdout and stderr end markers have come, so probes waiting on an early command start while the
late ones still run, and a host deadline keeps whatever was complete.
"""

from __future__ import annotations

import re
import secrets
import shlex
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

_MARK = "@@ihcheck-batch:"


@dataclass(frozen=True)
class Framed:
    """One command's share of a batch's output."""

    index: int
    exit_status: int | None
    stdout: bytes
    stderr: bytes


def script(commands: list[str], nonce: str) -> str:
    """The envelope for `commands` (each already a complete shell command), run by `sh`.

    >>> print(script(["echo hi"], "n0"))  # doctest: +NORMALIZE_WHITESPACE
    printf '%s%s:%d:b\\n' @@ihcheck-batch: n0 0; printf '%s%s:%d:b\\n' @@ihcheck-batch: n0 0 >&2;
    (echo hi) </dev/null; r=$?;
    printf '\\n%s%s:%d:e:%d\\n' @@ihcheck-batch: n0 0 $r; printf '\\n%s%s:%d:e\\n' @@ihcheck-batch: n0 0 >&2
    """
    mark = shlex.quote(_MARK)
    parts = []
    for i, command in enumerate(commands):
        parts.append(
            f"printf '%s%s:%d:b\\n' {mark} {nonce} {i}; printf '%s%s:%d:b\\n' {mark} {nonce} {i} >&2;\n"
            f"({command}) </dev/null; r=$?;\n"
            f"printf '\\n%s%s:%d:e:%d\\n' {mark} {nonce} {i} $r; printf '\\n%s%s:%d:e\\n' {mark} {nonce} {i} >&2"
        )
    return "\n".join(parts)


def new_nonce() -> str:
    return secrets.token_hex(12)


STDIN_COMMAND = "exec sh -s"  # the envelope read from stdin: `ps` on the host then shows just this


def remote_command(commands: list[str], nonce: str) -> str:
    """The envelope as one command line under `sh`, whatever the user's login shell is (for transports
    that cannot feed stdin)."""
    return f"exec sh -c {shlex.quote(script(commands, nonce))}"


@dataclass
class _Stream:
    pattern_begin: re.Pattern[bytes]
    pattern_end: re.Pattern[bytes]
    buffer: bytearray = field(default_factory=bytearray)
    done: dict[int, tuple[bytes, int | None]] = field(default_factory=dict)
    current: int | None = None
    start: int = 0

    def feed(self, data: bytes) -> None:
        self.buffer += data
        while True:
            if self.current is None:
                match = self.pattern_begin.search(self.buffer)
                if match is None:
                    return
                self.current = int(match.group(1))
                self.start = match.end()
                continue
            match = self.pattern_end.search(self.buffer, self.start)
            if match is None or int(match.group(1)) != self.current:
                return
            status = int(match.group(2)) if match.lastindex and match.lastindex >= 2 and match.group(2) else None
            self.done[self.current] = (bytes(self.buffer[self.start:match.start()]), status)
            del self.buffer[:match.end()]
            self.current = None


class BatchParser:
    """Feed stdout and stderr chunks as they arrive; `on_complete` gets each command once it is whole.

    Thread-safe: stdout and stderr are usually pumped by two threads, and a command completes on whichever
    of its two end markers arrives last."""

    def __init__(self, nonce: str, on_complete: Callable[[Framed], None]) -> None:
        mark = re.escape(_MARK.encode() + nonce.encode())
        self._out = _Stream(re.compile(mark + rb":(\d+):b\n"), re.compile(rb"\n" + mark + rb":(\d+):e:(\d+)\n"))
        self._err = _Stream(re.compile(mark + rb":(\d+):b\n"), re.compile(rb"\n" + mark + rb":(\d+):e()\n"))
        self._on_complete = on_complete
        self._emitted: set[int] = set()
        self._lock = threading.Lock()

    def feed_stdout(self, data: bytes) -> None:
        self._feed(self._out, data)

    def feed_stderr(self, data: bytes) -> None:
        self._feed(self._err, data)

    def _feed(self, stream: _Stream, data: bytes) -> None:
        with self._lock:
            stream.feed(data)
            ready = sorted((self._out.done.keys() & self._err.done.keys()) - self._emitted)
            self._emitted.update(ready)
            for i in ready:  # in order, under the lock: observation ids follow the batch's order
                self._on_complete(Framed(i, self._out.done[i][1], self._out.done.pop(i)[0], self._err.done.pop(i)[0]))

    @property
    def completed(self) -> set[int]:
        return set(self._emitted)


def split(stdout: bytes, stderr: bytes, nonce: str) -> list[Framed]:
    """A whole batch's output at once (for transports that cannot stream), command by command.

    >>> m = b"@@ihcheck-batch:n"
    >>> out = m + b":0:b\\nhi\\n\\n" + m + b":0:e:0\\n" + m + b":1:b\\nx\\n" + m + b":1:e:3\\n"
    >>> err = m + b":0:b\\n\\n" + m + b":0:e\\n" + m + b":1:b\\nboom\\n\\n" + m + b":1:e\\n"
    >>> [(f.index, f.exit_status, f.stdout, f.stderr) for f in split(out, err, "n")]
    [(0, 0, b'hi\\n', b''), (1, 3, b'x', b'boom\\n')]
    """
    found: list[Framed] = []
    parser = BatchParser(nonce, found.append)
    parser.feed_stdout(stdout)
    parser.feed_stderr(stderr)
    return found
