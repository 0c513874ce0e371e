"""A transport whose every command is a bounded process on the checker (the base of local, podman, ssh, ansible)."""

from __future__ import annotations

from probes.bounded import Bounded, run_bounded
from probes.transport.base import TransportOptions


class _ProcessTransport:
    """A transport whose every command is one process on the checker (sh, ssh, podman exec)."""

    name = "local"
    runs_scripts = True  # a real shell on the other end: a host's commands can go as one batch (probes.batch)

    def __init__(self, options: TransportOptions) -> None:
        self._options = options

    def argv(self, command: str) -> list[str]:
        return ["sh", "-c", command]

    def run(self, command: str, *, timeout: float, cap: int) -> Bounded:
        return run_bounded(self.argv(command), timeout=timeout, cap=cap, cancel=self._options.cancel,
                           grace=self._options.kill_grace)

    def host_key_fingerprint(self) -> str | None:
        return None

    def close(self) -> None:
        return None
