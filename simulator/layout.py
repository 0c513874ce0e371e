"""The topology of a running scenario: which containers, on which networks, at which addresses.

Pure: from the spec and the subnets podman gave the networks, compute names and addresses. The
topology is a contract other modules (the probes, the tests) rely on:

* networks (all `--internal`): `ihc-<scenario>-lan`, one `ihc-<scenario>-wan-<uplink>` per
  uplink, and `ihc-<scenario>-inet`, the simulated internet;
* a router per uplink (`router-<uplink>`): eth0 on its wan at .2, eth1 on inet at .10+i; it
  masquerades out of eth1, so its inet address is the uplink's public egress address;
* one `internet` container on inet at .2, serving `http://<ip>/ip` (IP echo) and one iperf3 server
  per uplink on 5201, 5202, …;
* the physical hospital's systems (spec `hospital:`, e.g. HIS/LIS and PACS): eth0 on lan at .100+i, no
  sshd, not in the inventory: the application hosts exchange with them;
* hospital hosts: eth0 on lan at .10+i, then eth1, eth2, ... on the wan of each uplink they use
  (in spec order) at .10+i, with a default route via that uplink's router (metric 100, 200, ...)
  and a policy route per source address, so binding to an interface or its address picks the uplink.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Literal

from simulator.spec import Scenario

Kind = Literal["host", "router", "internet", "hospital"]
HOSPITAL_OFFSET = 100  # hospital systems sit on the LAN at .100+i, clear of the hosts' .10+i
INTERNET = "internet"
IPERF_BASE_PORT = 5201


@dataclass(frozen=True)
class Nic:
    network: str  # network key: "lan", "wan-<uplink>" or "inet"
    interface: str
    address: str


@dataclass(frozen=True)
class Route:
    """A default route out of `interface` via `gateway`: in the main table, and in `table` for its source."""

    interface: str
    gateway: str
    source: str
    metric: int
    table: int
    uplink: str


@dataclass(frozen=True)
class Box:
    """One container."""

    key: str  # "app1", "router-ct", "internet"
    kind: Kind
    container: str
    nics: tuple[Nic, ...]
    services: tuple[str, ...] = ()  # hospital services it runs (hosts only)
    routes: tuple[Route, ...] = ()
    uplink: str | None = None  # routers only
    sysctls: tuple[str, ...] = ()
    sshd: bool = True

    def address(self, network: str) -> str:
        return next(n.address for n in self.nics if n.network == network)

    def addresses(self) -> list[str]:
        return [n.address for n in self.nics]


@dataclass(frozen=True)
class Layout:
    scenario: str
    networks: dict[str, str]  # key -> podman network name
    lan_subnet: str = ""  # the hospital LAN (also its management network, declared in the inventory)
    boxes: dict[str, Box] = field(default_factory=dict)

    def hosts(self) -> list[Box]:
        return [b for b in self.boxes.values() if b.kind == "host"]

    def hospital(self) -> list[Box]:
        """The physical hospital's systems (HIS/LIS, PACS): on the LAN, not inventory hosts."""
        return [b for b in self.boxes.values() if b.kind == "hospital"]

    def router(self, uplink: str) -> Box:
        return self.boxes[f"router-{uplink}"]

    def internet(self) -> Box:
        return self.boxes[INTERNET]

    def egress_address(self, uplink: str) -> str:
        """The uplink's simulated public address: what the IP-echo endpoint sees."""
        return self.router(uplink).address("inet")

    def iperf_ports(self) -> tuple[int, ...]:
        """One iperf3 server on the simulated internet per uplink, so a host's uplinks are measured at once."""
        routers = sum(1 for b in self.boxes.values() if b.kind == "router")
        return tuple(IPERF_BASE_PORT + n for n in range(max(1, routers)))

    def measure_endpoints(self) -> tuple[str, ...]:
        return tuple(f"{self.internet().address('inet')}:{port}" for port in self.iperf_ports())


def network_names(scenario: str, spec: Scenario) -> dict[str, str]:
    keys = ["lan", *(f"wan-{u}" for u in spec.uplinks), "inet"]
    return {key: f"ihc-{scenario}-{key}" for key in keys}


def container_name(scenario: str, key: str) -> str:
    return f"ihc-{scenario}-{key}"


def _at(subnet: ipaddress.IPv4Network, offset: int) -> str:
    address = subnet.network_address + offset
    if address not in subnet or address == subnet.broadcast_address:
        raise ValueError(f"subnet {subnet} too small for offset {offset}")
    return str(address)


def plan(scenario: str, spec: Scenario, subnets: dict[str, ipaddress.IPv4Network]) -> Layout:
    """Every container's networks and addresses, from the subnets of the created networks."""
    layout = Layout(scenario=scenario, networks=network_names(scenario, spec), lan_subnet=str(subnets["lan"]))
    inet = subnets["inet"]
    layout.boxes[INTERNET] = Box(INTERNET, "internet", container_name(scenario, INTERNET),
                                 (Nic("inet", "eth0", _at(inet, 2)),))
    for index, uplink in enumerate(spec.uplinks):
        key = f"router-{uplink}"
        wan = subnets[f"wan-{uplink}"]
        layout.boxes[key] = Box(
            key, "router", container_name(scenario, key),
            (Nic(f"wan-{uplink}", "eth0", _at(wan, 2)), Nic("inet", "eth1", _at(inet, 10 + index))),
            uplink=uplink, sysctls=("net.ipv4.ip_forward=1",),
        )
    for index, (name, host) in enumerate(spec.hosts.items()):
        nics = [Nic("lan", "eth0", _at(subnets["lan"], 10 + index))]
        routes = []
        for position, uplink in enumerate(spec.host_uplinks(name), start=1):
            nic = Nic(f"wan-{uplink}", f"eth{position}", _at(subnets[f"wan-{uplink}"], 10 + index))
            nics.append(nic)
            routes.append(Route(nic.interface, layout.router(uplink).address(f"wan-{uplink}"), nic.address,
                                metric=100 * position, table=100 + position, uplink=uplink))
        layout.boxes[name] = Box(name, "host", container_name(scenario, name), tuple(nics),
                                 services=host.services, routes=tuple(routes), sshd=host.sshd == "up")
    for index, (name, system) in enumerate(spec.hospital.items()):
        layout.boxes[name] = Box(name, "hospital", container_name(scenario, name),
                                 (Nic("lan", "eth0", _at(subnets["lan"], HOSPITAL_OFFSET + index)),),
                                 services=system.services, sshd=False)
    return layout
