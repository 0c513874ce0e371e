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

    One `printf` a stream between two commands writes the end marker of the one and the begin marker of the next:
    each write becomes a packet of its own when the host answers quickly, and a packet costs the checker's SSH
    client about 0.1 ms of CPU (issue 26), so half the writes are that much less for every host. The bytes are the
    ones a printf per marker wrote.

    >>> print(script(["echo hi", "true"], "n0"))  # doctest: +NORMALIZE_WHITESPACE
    printf '%s%s:%d:b\\n' @@ihcheck-batch: n0 0; printf '%s%s:%d:b\\n' @@ihcheck-batch: n0 0 >&2;
    (echo hi) </dev/null; r=$?;
    printf '\\n%s%s:%d:e:%d\\n%s%s:%d:b\\n' @@ihcheck-batch: n0 0 $r @@ihcheck-batch: n0 1;
    printf '\\n%s%s:%d:e\\n%s%s:%d:b\\n' @@ihcheck-batch: n0 0 @@ihcheck-batch: n0 1 >&2;
    (true) </dev/null; r=$?;
    printf '\\n%s%s:%d:e:%d\\n' @@ihcheck-batch: n0 1 $r; printf '\\n%s%s:%d:e\\n' @@ihcheck-batch: n0 1 >&2
    """
    mark = shlex.quote(_MARK)
    if not commands:
        return ""
    parts = [f"printf '%s%s:%d:b\\n' {mark} {nonce} 0; printf '%s%s:%d:b\\n' {mark} {nonce} 0 >&2;"]
    for i, command in enumerate(commands):
        parts.append(f"({command}) </dev/null; r=$?;")
        if i + 1 < len(commands):
            parts.append(f"printf '\\n%s%s:%d:e:%d\\n%s%s:%d:b\\n' {mark} {nonce} {i} $r {mark} {nonce} {i + 1};\n"
                         f"printf '\\n%s%s:%d:e\\n%s%s:%d:b\\n' {mark} {nonce} {i} {mark} {nonce} {i + 1} >&2;")
        else:
            parts.append(f"printf '\\n%s%s:%d:e:%d\\n' {mark} {nonce} {i} $r; "
                         f"printf '\\n%s%s:%d:e\\n' {mark} {nonce} {i} >&2")
    return "\n".join(parts)


def new_nonce() -> str:
    return secrets.token_hex(12)


STDIN_COMMAND = "exec sh -s"  # the envelope read from stdin: `ps` on the host then shows just this


def remote_command(commands: list[str], nonce: str) -> str:
    """The envelope as one command line under `sh`, whatever the user's login shell is (for transports
    that cannot feed stdin)."""
    return f"exec sh -c {shlex.quote(script(commands, nonce))}"


# The markers' shapes, compiled once for every batch: the nonce is a group, checked against the batch's own (a
# pattern per batch cost four compilations a host, 1 ms of the checker's CPU, issue 26). A nonce holds no `:`
# or line break, so a match with the batch's nonce is exactly where a pattern spelling it out would match.
_MARK_RX = re.escape(_MARK.encode())
_BEGIN = re.compile(_MARK_RX + rb"([^:\n]*):(\d+):b\n")
_END_OUT = re.compile(rb"\n" + _MARK_RX + rb"([^:\n]*):(\d+):e:(\d+)\n")
_END_ERR = re.compile(rb"\n" + _MARK_RX + rb"([^:\n]*):(\d+):e()\n")
_LONGEST_TAIL = 64  # a marker's length past its nonce, with room to spare (an index and an exit status)


@dataclass
class _Stream:
    nonce: bytes
    pattern_end: re.Pattern[bytes]
    buffer: bytearray = field(default_factory=bytearray)
    done: dict[int, tuple[bytes, int | None]] = field(default_factory=dict)
    current: int | None = None
    start: int = 0
    scanned: int = 0  # the end marker is not before here: a chunk's arrival searches the new bytes, not all again

    def _ours(self, pattern: re.Pattern[bytes], pos: int) -> re.Match[bytes] | None:
        match = pattern.search(self.buffer, pos)
        while match is not None and match.group(1) != self.nonce:
            match = pattern.search(self.buffer, match.start() + 1)
        return match

    def feed(self, data: bytes) -> None:
        self.buffer += data
        while True:
            if self.current is None:
                match = self._ours(_BEGIN, 0)
                if match is None:
                    return
                self.current = int(match.group(2))
                self.start = self.scanned = match.end()
                continue
            match = self._ours(self.pattern_end, self.scanned)
            if match is None:
                self.scanned = max(self.start, len(self.buffer) - len(_MARK) - len(self.nonce) - _LONGEST_TAIL)
                return
            if int(match.group(2)) != self.current:
                return
            status = int(match.group(3)) if match.group(3) else None
            self.done[self.current] = (bytes(self.buffer[self.start:match.start()]), status)
            del self.buffer[:match.end()]
            self.current = None


class BatchParser:
    """Feed stdout and stderr chunks as they arrive; `on_complete` gets each command once it is whole.

    Thread-safe: stdout and stderr are usually pumped by two threads, and a command completes on whichever
    of its two end markers arrives last."""

    def __init__(self, nonce: str, on_complete: Callable[[Framed], None]) -> None:
        if ":" in nonce or "\n" in nonce:
            raise ValueError(f"a batch nonce holds no ':' or line break: {nonce!r}")
        self._out = _Stream(nonce.encode(), _END_OUT)
        self._err = _Stream(nonce.encode(), _END_ERR)
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
