"""A running scenario, as the simulator records it: shared by deploy.py (which boots it) and inventory.py
(which writes its Ansible inventory), so neither imports the other."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from simulator import spec
from simulator.layout import Layout
from simulator.power import BmcCredentials

INVENTORY = "inventory.yml"


@dataclass(frozen=True)
class Deployment:
    """A running scenario: where its containers are and where its keys and inventory live."""

    scenario: str
    spec: spec.Scenario
    layout: Layout
    state: Path
    bmc: dict[str, BmcCredentials]
    attestations: dict[str, Path]

    @property
    def private_key(self) -> Path:
        return self.state / "id_ed25519"

    @property
    def known_hosts(self) -> Path:
        return self.state / "known_hosts"

    @property
    def identities(self) -> Path:
        return self.state / "identities.json"

    @property
    def inventory(self) -> Path:
        return self.state / INVENTORY

    @property
    def echo_url(self) -> str:
        return f"http://{self.layout.internet().address('inet')}/ip"

    @property
    def measure_endpoints(self) -> tuple[str, ...]:
        return self.layout.measure_endpoints()

    def host_address(self, host: str) -> str:
        """The LAN address the checker reaches a hospital host at."""
        return self.layout.boxes[host].address("lan")
