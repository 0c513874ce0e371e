"""Observations: the raw record of every command a probe ran, so evidence can cite it.

Probes never hand a rule a bare string; they hand it facts whose `observations` name the
records here. The SHA-256 of stdout is taken at collection time so a report or a bundle can
show that the excerpt it quotes is what the host printed. Secrets (probes.redact) are masked as the
observation is recorded, before the digest: what the checker keeps never contained them.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, overload

from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler
from pydantic_core import core_schema

from probes.redact import Redactor


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


class Observation(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(description="unique within one run: '<host>#<n>'")
    host: str
    transport: str = Field(description="how the host was reached, e.g. paramiko, local, podman")
    command: str = Field(description="the command line as run, or the library call for in-process probes")
    exit_status: int | None = Field(description="None when the command could not be started")
    stdout: str
    stderr: str
    started_at: datetime
    ended_at: datetime
    stdout_sha256: str
    host_key_fingerprint: str | None = Field(
        default=None, description="SHA256 fingerprint of the SSH host key the command ran behind"
    )
    ended_by_checker: str | None = Field(
        default=None, description="why the checker ended the command (its deadline, the output cap, an interrupt)")
    truncated: bool = Field(default=False, description="output beyond the cap was not kept")
    redacted: dict[str, int] = Field(
        default_factory=dict, description="secrets masked in command, stdout and stderr when recorded, by kind")

    @property
    def ok(self) -> bool:
        return self.exit_status == 0


class Spool:
    """One run's observation output on disk: an append-only file in a directory of its own, removed when the
    spool is no longer referenced, at interpreter exit (also after Ctrl-C or an error), or by `close`.

    `directory` is where that directory is made (a bundle's parent, so the output stays on the bundle's
    disk); the system's temporary directory when None. Text is stored as UTF-8 with surrogatepass, so any
    `str` (a surrogate-escaped byte too) reads back equal."""

    def __init__(self, directory: Path | None = None) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="ihcheck-observations-", dir=directory)
        self.path = Path(self._dir.name) / "output.spool"
        self._lock = threading.Lock()
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        self._end = 0

    def write(self, stdout: str, stderr: str) -> tuple[int, int, int]:
        """Appends both texts; returns (offset, stdout bytes, stderr bytes)."""
        out, err = stdout.encode("utf-8", "surrogatepass"), stderr.encode("utf-8", "surrogatepass")
        with self._lock:
            offset = self._end
            data = out + err
            written = 0
            while written < len(data):
                written += os.write(self._fd, data[written:])
            self._end += len(data)
        return offset, len(out), len(err)

    def read(self, offset: int, stdout_bytes: int, stderr_bytes: int) -> tuple[str, str]:
        data = os.pread(self._fd, stdout_bytes + stderr_bytes, offset)
        if len(data) != stdout_bytes + stderr_bytes:
            raise OSError(f"observation spool {self.path}: output at {offset} cut short")
        return (data[:stdout_bytes].decode("utf-8", "surrogatepass"),
                data[stdout_bytes:].decode("utf-8", "surrogatepass"))

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1
        self._dir.cleanup()

    def __del__(self) -> None:
        if getattr(self, "_fd", -1) >= 0:
            os.close(self._fd)
            self._fd = -1


@dataclass(frozen=True, slots=True)
class Spooled:
    """What the run holds of a recorded observation: its metadata and where its output lies in the spool.

    Plain slots rather than an `Observation` with empty output: a pydantic instance carries a `__dict__` and a
    set of its field names (~2.5 kB together), five times the metadata itself at a few hundred bytes."""

    id: str
    host: str
    transport: str
    command: str
    exit_status: int | None
    started_at: datetime
    ended_at: datetime
    stdout_sha256: str
    host_key_fingerprint: str | None
    ended_by_checker: str | None
    truncated: bool
    redacted: tuple[tuple[str, int], ...]
    spool: Spool
    offset: int
    stdout_bytes: int
    stderr_bytes: int

    @classmethod
    def of(cls, obs: Observation, spool: Spool, command: str) -> Spooled:
        """`obs` with its output written to `spool` (`command` is obs.command, held once per run)."""
        offset, stdout_bytes, stderr_bytes = spool.write(obs.stdout, obs.stderr)
        return cls(id=obs.id, host=obs.host, transport=obs.transport, command=command, exit_status=obs.exit_status,
                   started_at=obs.started_at, ended_at=obs.ended_at, stdout_sha256=obs.stdout_sha256,
                   host_key_fingerprint=obs.host_key_fingerprint, ended_by_checker=obs.ended_by_checker,
                   truncated=obs.truncated, redacted=tuple(obs.redacted.items()), spool=spool, offset=offset,
                   stdout_bytes=stdout_bytes, stderr_bytes=stderr_bytes)

    @property
    def meta(self) -> Observation:
        """The observation without its output (stdout and stderr empty), nothing read from the spool."""
        return self._whole("", "")

    def load(self) -> Observation:
        """The observation whole, its output read back from the spool."""
        return self._whole(*self.spool.read(self.offset, self.stdout_bytes, self.stderr_bytes))

    def _whole(self, stdout: str, stderr: str) -> Observation:
        return Observation(id=self.id, host=self.host, transport=self.transport, command=self.command,
                           exit_status=self.exit_status, stdout=stdout, stderr=stderr, started_at=self.started_at,
                           ended_at=self.ended_at, stdout_sha256=self.stdout_sha256,
                           host_key_fingerprint=self.host_key_fingerprint, ended_by_checker=self.ended_by_checker,
                           truncated=self.truncated, redacted=dict(self.redacted))


class Observations(Sequence[Observation]):
    """A run's observations in order, each read back whole when asked for (from the spool, or held)."""

    __slots__ = ("_entries",)

    def __init__(self, entries: Iterable[Observation | Spooled] = ()) -> None:
        self._entries: tuple[Observation | Spooled, ...] = tuple(entries)

    @property
    def entries(self) -> tuple[Observation | Spooled, ...]:
        return self._entries

    def __len__(self) -> int:
        return len(self._entries)

    @overload
    def __getitem__(self, index: int) -> Observation: ...

    @overload
    def __getitem__(self, index: slice) -> Observations: ...

    def __getitem__(self, index: int | slice) -> Observation | Observations:
        if isinstance(index, slice):
            return Observations(self._entries[index])
        entry = self._entries[index]
        return entry.load() if isinstance(entry, Spooled) else entry

    def __iter__(self) -> Iterator[Observation]:
        for entry in self._entries:
            yield entry.load() if isinstance(entry, Spooled) else entry

    def metadata(self) -> Iterator[Observation]:
        """Each observation without reading its output (stdout and stderr empty when spooled)."""
        for entry in self._entries:
            yield entry.meta if isinstance(entry, Spooled) else entry

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Observations | list | tuple):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Observations({len(self)} observations)"

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        """Validated from a list of observations (or taken as is); serialised exactly as a tuple of them."""
        items = handler.generate_schema(tuple[Observation, ...])
        from_items = core_schema.no_info_after_validator_function(cls, items)
        return core_schema.union_schema(
            [core_schema.is_instance_schema(cls), from_items],
            serialization=core_schema.plain_serializer_function_ser_schema(tuple, return_schema=items),
        )


_COMMANDS_KEPT = 1024


class ObservationLog:
    """Numbers and keeps the observations of one run; shared by all hosts' probes (thread-safe)."""

    def __init__(self, spool_dir: Path | None = None) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, int] = {}
        self._items: list[Observation | Spooled] = []
        self._spool_dir = spool_dir
        self._spool: Spool | None = None
        self._commands: dict[str, str] = {}
        self._redacted_commands: dict[bytes, tuple[str, dict[str, int]]] = {}  # by the raw line's digest

    def _redacted_command(self, command: str) -> tuple[str, dict[str, int]]:
        """The command line redacted, and what was masked in it, worked out once per distinct line: a fleet's
        hosts run the same lines, and redacting each host's copy again was a tenth of the redaction's CPU (a
        line is a few hundred characters to kilobytes of script). Kept by the raw line's digest, never the line: a
        secret in it is not held longer than its run. At most _COMMANDS_KEPT lines are kept (lines carrying a
        host's own marker never repeat), so the table stays small whatever the fleet's size."""
        key = hashlib.blake2b(command.encode("utf-8", "surrogatepass"), digest_size=20).digest()
        known = self._redacted_commands.get(key)
        if known is None:
            red = Redactor()
            known = red.text(command), dict(red.counts)
            if len(self._redacted_commands) < _COMMANDS_KEPT:
                self._redacted_commands[key] = known
        return known

    def _spool_for_output(self) -> Spool:
        if self._spool is None:  # made at the first record: a log that records nothing leaves no directory
            self._spool = Spool(self._spool_dir)
        return self._spool

    def record(
        self,
        *,
        host: str,
        transport: str,
        command: str,
        exit_status: int | None,
        stdout: str,
        stderr: str,
        started_at: datetime,
        ended_at: datetime | None = None,
        host_key_fingerprint: str | None = None,
        ended_by_checker: str | None = None,
        truncated: bool = False,
    ) -> Observation:
        """The whole observation, for the probe that ran the command to parse; the log keeps its metadata and
        writes its output to the spool."""
        # Redacted here, once: nothing downstream (table, JSON, bundle, reports) ever holds the secret.
        command, masked = self._redacted_command(command)
        red = Redactor()
        red.counts.update(masked)
        stdout, stderr = red.output(stdout), red.output(stderr)
        with self._lock:
            n = self._counters.get(host, 0) + 1
            self._counters[host] = n
            obs = Observation(
                id=f"{host}#{n}",
                host=host,
                transport=transport,
                command=command,
                exit_status=exit_status,
                stdout=stdout,
                stderr=stderr,
                started_at=started_at,
                ended_at=ended_at or now(),
                stdout_sha256=sha256_text(stdout),
                host_key_fingerprint=host_key_fingerprint,
                ended_by_checker=ended_by_checker,
                truncated=truncated,
                redacted=dict(sorted(red.counts.items())),
            )
            command = self._commands.setdefault(command, command)  # hosts run the same commands: held once
            self._items.append(Spooled.of(obs, self._spool_for_output(), command))
            return obs

    def all(self) -> Observations:
        with self._lock:
            return Observations(self._items)

    @classmethod
    def continuing(cls, observations: Sequence[Observation]) -> ObservationLog:
        """A log that numbers on after `observations` (which it keeps, and whose spool it goes on writing
        to), so ids stay unique within a run."""
        entries = observations.entries if isinstance(observations, Observations) else tuple(observations)
        log = cls()
        for entry in entries:
            number = int(entry.id.rpartition("#")[2])
            log._counters[entry.host] = max(log._counters.get(entry.host, 0), number)
            if isinstance(entry, Spooled):
                log._spool = entry.spool
        log._items = list(entries)
        return log


def now() -> datetime:
    return datetime.now(UTC)
