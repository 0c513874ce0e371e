"""A container reached with `podman exec` (the simulator's hosts)."""

from __future__ import annotations

from probes.inventory import InventoryHost
from probes.transport.base import TransportOptions
from probes.transport.process import _ProcessTransport


class _PodmanTransport(_ProcessTransport):
    name = "podman"

    def __init__(self, host: InventoryHost, options: TransportOptions) -> None:
        super().__init__(options)
        self._container = host.address

    def argv(self, command: str) -> list[str]:
        return ["podman", "exec", self._container, "sh", "-c", command]
