"""Which machine answered: two inventory entries reaching one machine are one server."""

from __future__ import annotations

from probes.facts.base import Fact


class MachineIdentity(Fact):
    """Which machine answered: two inventory entries reaching one machine are one server."""

    hostname: str
    machine_id: str | None = None
    os: str | None = None
    virtualization: str | None = None

    @property
    def key(self) -> str:
        return f"machine-id:{self.machine_id}" if self.machine_id else f"hostname:{self.hostname}"

