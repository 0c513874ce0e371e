"""Which machine answered: two inventory entries reaching one machine are one server."""

from __future__ import annotations

from probes.facts.base import Fact


class MachineIdentity(Fact):
    """Which machine answered: two inventory entries reaching one machine are one server."""

    hostname: str
    machine_id: str | None = None
    os: str | None = None
    virtualization: str | None = None
    boot_id: str | None = None  # /proc/sys/kernel/random/boot_id: hosts sharing one are one running kernel

    @property
    def kernel(self) -> str | None:
        return f"boot_id:{self.boot_id}" if self.boot_id else None

    @property
    def key(self) -> str:
        return f"machine-id:{self.machine_id}" if self.machine_id else f"hostname:{self.hostname}"

