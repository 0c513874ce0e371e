"""Observations: the raw record of every command a probe ran, so evidence can cite it.

Probes never hand a rule a bare string; they hand it facts whose `observations` name the
records here. The SHA-256 of stdout is taken at collection time so a report or a bundle can
show that the excerpt it quotes is what the host printed. Secrets (probes.redact) are masked as the
observation is recorded, before the digest: what the checker keeps never contained them.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

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


class ObservationLog:
    """Numbers and keeps the observations of one run; shared by all hosts' probes (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, int] = {}
        self._items: list[Observation] = []

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
        # Redacted here, once: nothing downstream (table, JSON, bundle, reports) ever holds the secret.
        red = Redactor()
        command, stdout, stderr = red.text(command), red.output(stdout), red.output(stderr)
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
            self._items.append(obs)
            return obs

    def all(self) -> list[Observation]:
        with self._lock:
            return list(self._items)

    @classmethod
    def continuing(cls, observations: list[Observation]) -> ObservationLog:
        """A log that numbers on after `observations` (which it keeps), so ids stay unique within a run."""
        log = cls()
        for obs in observations:
            number = int(obs.id.rpartition("#")[2])
            log._counters[obs.host] = max(log._counters.get(obs.host, 0), number)
        log._items = list(observations)
        return log


def now() -> datetime:
    return datetime.now(UTC)
