"""Typed facts: what probes saw, each carrying the observation ids it was read from.

Facts are the only thing rules see. A fact family is `None` when its probe did not run or
could not observe; the reason is in `HostFacts.errors` (the probe broke) or in the fact's
own `notes` (it ran but could not see, e.g. process names hidden without privileges).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from probes.documents import DocumentFacts
from probes.exchange_facts import ObservedExchange, PushStatus
from probes.inventory import Declarations


class Fact(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    observations: tuple[str, ...] = Field(default=(), description="ids of the observations this was read from")
    notes: tuple[str, ...] = Field(default=(), description="limits of what could be observed")


class MachineIdentity(Fact):
    """Which machine answered: two inventory entries reaching one machine are one server."""

    hostname: str
    machine_id: str | None = None
    os: str | None = None
    virtualization: str | None = None

    @property
    def key(self) -> str:
        return f"machine-id:{self.machine_id}" if self.machine_id else f"hostname:{self.hostname}"


Role = Literal["database", "application", "av"]
MatchedBy = Literal["process", "port"]


class ListeningSocket(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    protocol: Literal["tcp", "udp"]
    address: str
    port: int
    process: str | None = None
    pid: int | None = None


class OutboundConnection(BaseModel):
    """Established TCP connections this host opened (its local port is not one it listens on), one row
    per peer service and process: e.g. an application server's pool of connections to its database."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    peer_address: str
    peer_port: int
    process: str | None = None
    count: int = 1


class InboundConnections(BaseModel):
    """Established TCP connections to one port this host listens on, counted rather than listed (a web
    server may hold thousands)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    port: int
    count: int
    peers: int  # distinct peer addresses


class ServiceInstance(BaseModel):
    """A recognised server program on a host, and the role the role table gives it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    engine: str
    label: str
    role: Role
    matched_by: MatchedBy
    processes: tuple[str, ...] = ()
    pids: tuple[int, ...] = ()
    sockets: tuple[ListeningSocket, ...] = ()

    def describe(self) -> str:
        who = ", ".join(f"{p}" for p in self.processes) or "an unidentified process"
        pids = f" (pid {', '.join(map(str, self.pids))})" if self.pids else ""
        where = ", ".join(f"{s.address}:{s.port}/{s.protocol}" for s in self.sockets)
        listening = f" listening on {where}" if where else " running (no listening socket seen)"
        how = "" if self.matched_by == "process" else " [identified by well-known port only]"
        return f"{who}{pids}{listening} → {self.label} ({self.role}){how}"


class ServiceFacts(Fact):
    sockets: tuple[ListeningSocket, ...] = ()
    services: tuple[ServiceInstance, ...] = ()
    installed: tuple[str, ...] = Field(default=(), description="recognised server packages installed")
    process_owners_visible: bool = Field(description="whether listening sockets could be tied to processes")

    def roles(self) -> set[Role]:
        return {s.role for s in self.services}

    def of_role(self, role: Role) -> list[ServiceInstance]:
        return [s for s in self.services if s.role == role]


class GeoIdentity(BaseModel):
    """Where an internet address is registered and who announces it, as looked up offline (see probes.geo)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    address: str
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2 code; HK, MO and TW are their own")
    country_name: str | None = None
    region: str | None = None
    city: str | None = None
    asn: int | None = None
    as_org: str | None = None
    isp: str | None = None
    network: str | None = Field(default=None, description="the registered network the address falls in")
    private: bool = Field(default=False, description="a private, shared or reserved address: locates nothing")
    simulated: bool = Field(default=False, description="read from the simulator's identity table, not a database")
    source: str = Field(description="which table answered: the geoip2fast data version or the simulated table")

    def provider_keys(self) -> tuple[str, ...]:
        """Keys under which two identities are the same provider: equal ASN, or equal ISP/organisation name."""
        keys = [f"asn:{self.asn}"] if self.asn is not None else []
        keys += [f"name:{' '.join(n.casefold().split())}" for n in (self.isp, self.as_org) if n]
        return tuple(dict.fromkeys(keys))

    def provider(self) -> str | None:
        name = self.isp or self.as_org
        if name and self.asn is not None:
            return f"{name} (AS{self.asn})"
        return name or (f"AS{self.asn}" if self.asn is not None else None)

    def describe(self) -> str:
        if self.private:
            return f"{self.address} is a private/reserved address ({self.country_name or 'not routable'})"
        place = ", ".join(p for p in (self.city, self.region, self.country_name or self.country) if p)
        who = self.provider()
        text = f"{self.address} → {place or 'country unknown'} [{self.country or '??'}]"
        text += f", {who}" if who else ""
        return text + (" (simulated identity)" if self.simulated else f" ({self.source})")


class EgressPath(BaseModel):
    """The address one uplink presents to the outside, as an echo service saw it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    interface: str | None = Field(description="the interface bound to (None: the host's default route)")
    gateway: str | None = None
    address: str | None = Field(default=None, description="the caller's address as the echo service reported it")
    identity: GeoIdentity | None = None
    error: str | None = Field(default=None, description="why no address (or no identity) was obtained")
    observations: tuple[str, ...] = ()


class CloudRegion(BaseModel):
    """The region a cloud provider's instance metadata service says the machine runs in."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: Literal["alibaba", "tencent", "huawei", "aws"]
    region: str
    country: str | None = Field(default=None, description="ISO code of the region's territory; None if unknown")
    url: str
    observations: tuple[str, ...] = ()


class EgressFacts(Fact):
    """Signals of where a host is: its egress addresses per uplink, cloud region, timezone, NTP servers."""

    echo_url: str | None = None
    paths: tuple[EgressPath, ...] = ()
    cloud_metadata_url: str | None = None
    cloud: CloudRegion | None = None
    timezone: str | None = None
    ntp_servers: tuple[str, ...] = ()
    supporting_observations: tuple[str, ...] = Field(default=(), description="timezone and NTP observations")


class Throughput(BaseModel):
    """One direction of one uplink, measured with iperf3 against the measurement endpoint."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    direction: Literal["upload", "download"]
    mbps: float | None = Field(default=None, description="receiver-side TCP goodput in steady state")
    margin_mbps: float | None = Field(default=None, description="± half-width: statistical + method uncertainty")
    statistical_mbps: float | None = None
    method_mbps: float | None = None
    samples_mbps: tuple[float, ...] = Field(default=(), description="receiver-side steady-state interval rates")
    sender_mbps: float | None = None
    retransmits: int | None = None
    seconds: float | None = None
    error: str | None = None
    observations: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.mbps is None or self.margin_mbps is None:
            return f"{self.direction}: not measured ({self.error or 'no result'})"
        return f"{self.direction} {self.mbps:.2f} ± {self.margin_mbps:.2f} Mbps"


class Uplink(BaseModel):
    """One way out of the host: an interface with a default route, its egress identity and its throughput."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    interface: str
    gateways: tuple[str, ...] = ()
    metric: int | None = None
    tables: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    egress: EgressPath | None = None
    upload: Throughput | None = None
    download: Throughput | None = None


class UplinkFacts(Fact):
    echo_url: str | None = None
    measure_endpoints: tuple[str, ...] = ()
    uplinks: tuple[Uplink, ...] = ()


class PowerSupplyUnit(BaseModel):
    """One power supply, as a BMC's Power Supply sensor (live) or an SMBIOS type 39 record (boot-time) reports it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    source: Literal["ipmi", "dmi"]
    via: str = Field(description="where it was read: 'BMC 10.0.0.9:623 (lanplus)', 'in-band IPMI', 'SMBIOS'")
    present: bool | None = Field(description="None when the reading does not say")
    healthy: bool | None = Field(description="present and no failure/AC-lost/critical state; None when unknown")
    states: tuple[str, ...] = Field(default=(), description="the asserted states as the tool printed them")
    observation: str

    def describe(self) -> str:
        state = ", ".join(self.states) or "no state asserted"
        return f"power supply {self.name} ({self.via}): {state}"


class UpsReading(BaseModel):
    """One UPS as NUT's upsc (or the kernel's power_supply class) reports it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(description="as queried, e.g. ups@localhost, or a /sys/class/power_supply entry")
    status: tuple[str, ...] = Field(description="ups.status flags, e.g. ('OL',) or ('OB', 'LB')")
    battery_charge: float | None = None
    input_voltage: float | None = None
    model: str | None = None
    observation: str

    @property
    def on_line_power(self) -> bool:
        """On utility power with a usable battery: standing by to carry the load if the feed fails."""
        return "OL" in self.status and not {"LB", "RB", "FSD", "OFF", "BYPASS"} & set(self.status)

    def describe(self) -> str:
        extra = [f"battery {self.battery_charge:g}%" if self.battery_charge is not None else "",
                 f"input {self.input_voltage:g} V" if self.input_voltage is not None else "", self.model or ""]
        detail = ", ".join(e for e in extra if e)
        return f"UPS {self.name}: status {' '.join(self.status) or '(none)'}" + (f" ({detail})" if detail else "")


class SysfsPowerSupply(BaseModel):
    """An entry of /sys/class/power_supply: mains adapters, batteries, USB-attached UPSes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    type: str
    online: bool | None = None
    status: str | None = None
    observation: str


class PowerAttestation(BaseModel):
    """A document the hospital supplies for what no OS can see (a second utility feed, a generator)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    sha256: str
    size: int
    observation: str


class PowerFacts(Fact):
    psus: tuple[PowerSupplyUnit, ...] = ()
    ups: tuple[UpsReading, ...] = ()
    sysfs: tuple[SysfsPowerSupply, ...] = ()
    attestation: PowerAttestation | None = None


HandshakeOutcome = Literal["alive", "silent", "refused", "malformed", "unreachable"]


class Handshake(BaseModel):
    """One protocol exchange the checker had with an A/V endpoint, and what came back."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    protocol: Literal["stun", "sip", "janus", "http"]
    transport: Literal["udp", "tcp"]
    target: str = Field(description="address:port the checker sent to")
    outcome: HandshakeOutcome
    detail: str
    observation: str


class AvSystem(BaseModel):
    """An audio/video system: an A/V service found on a host, or an endpoint the inventory declares."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    source: Literal["discovered", "declared"]
    engine: str | None = Field(default=None, description="role-table engine id for discovered services")
    matched_by: MatchedBy | None = None
    listening: tuple[str, ...] = Field(default=(), description="sockets it listens on, as address:port/protocol")
    address: str | None = Field(default=None, description="the IP the checker reached it at")
    handshakes: tuple[Handshake, ...] = ()
    not_attempted: str | None = Field(default=None, description="why no handshake was tried")

    @property
    def alive(self) -> bool:
        return any(h.outcome == "alive" for h in self.handshakes)

    def describe(self) -> str:
        where = f" listening on {', '.join(self.listening)}" if self.listening else ""
        what = f"{self.name}{where}" if self.source == "discovered" else f"declared endpoint {self.name}"
        if self.not_attempted:
            return f"{what}: no handshake ({self.not_attempted})"
        tried = "; ".join(f"{h.protocol.upper()} {h.target}/{h.transport} → {h.outcome}: {h.detail}"
                          for h in self.handshakes)
        return f"{what}: {tried}"


class AvFacts(Fact):
    systems: tuple[AvSystem, ...] = ()
    host_address: str | None = Field(default=None, description="the IP the checker resolved the host to")


class ExchangeFacts(Fact):
    """The exchanges with the hospital systems this host declares, and the platform push log's last success."""

    exchanges: tuple[ObservedExchange, ...] = ()
    push: tuple[PushStatus, ...] = ()

    def named(self, name: str) -> ObservedExchange | None:
        return next((e for e in self.exchanges if e.endpoint.name == name), None)


class ConnectionFacts(Fact):
    outbound: tuple[OutboundConnection, ...] = ()
    inbound: tuple[InboundConnections, ...] = ()
    owners_visible: bool = True  # False when ss could not name the processes (no root / SYS_PTRACE)


class HostFacts(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    address: str
    groups: tuple[str, ...] = ()
    transport: str | None = None
    reachable: bool
    unreachable_reason: str | None = None
    host_key_fingerprint: str | None = None
    host_key_verified: bool = False
    declared: Declarations = Declarations()
    errors: dict[str, str] = Field(default_factory=dict, description="probe name → why it broke")
    identity: MachineIdentity | None = None
    services: ServiceFacts | None = None
    egress: EgressFacts | None = None
    uplinks: UplinkFacts | None = None
    power: PowerFacts | None = None
    av: AvFacts | None = None
    connections: ConnectionFacts | None = None
    exchange: ExchangeFacts | None = None

    def why_missing(self, probe: str) -> str:
        """A person-readable reason why a fact family is absent for this host."""
        if not self.reachable:
            return f"{self.name} unreachable ({self.unreachable_reason})"
        if probe in self.errors:
            return f"{self.name}: {probe} probe failed: {self.errors[probe]}"
        return f"{self.name}: {probe} not observed"


class DeploymentFacts(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    inventory: str
    collected_at: datetime
    hosts: tuple[HostFacts, ...]
    documents: DocumentFacts | None = Field(default=None, description="the documents folder (attested, not observed)")

    def reachable(self) -> list[HostFacts]:
        return [h for h in self.hosts if h.reachable]

    def unreachable(self) -> list[HostFacts]:
        return [h for h in self.hosts if not h.reachable]



class HostLink(NamedTuple):
    """Connections one inventory host holds open to a port another one listens on."""

    client: HostFacts
    server: HostFacts
    connection: OutboundConnection
    service: ServiceInstance | None  # what listens on that port, when the server's services were seen


def _held_addresses(host: HostFacts) -> set[str]:
    """The addresses a host was reached at or observed holding, loopback and wildcards excluded."""
    held = {host.address}
    held.update(a for u in (host.uplinks.uplinks if host.uplinks else ()) for a in u.addresses)
    held.update(s.address for svc in (host.services.services if host.services else ()) for s in svc.sockets)
    return {a for a in held if a not in ("0.0.0.0", "::", "*") and not a.startswith(("127.", "::1"))}


def host_links(hosts: Sequence[HostFacts]) -> list[HostLink]:
    """Which hosts talk to which: each host's outbound connections whose peer is another host of the set.
    Derived from observed facts for the db-app split evidence and the topology diagram, judging nothing."""
    owner = {address: host for host in hosts for address in _held_addresses(host)}
    links: list[HostLink] = []
    for client in hosts:
        for conn in client.connections.outbound if client.connections else ():
            server = owner.get(conn.peer_address)
            if server is None or server.name == client.name:
                continue
            service = next((s for s in (server.services.services if server.services else ())
                            if any(k.port == conn.peer_port and k.protocol == "tcp" for k in s.sockets)), None)
            links.append(HostLink(client, server, conn, service))
    return links
