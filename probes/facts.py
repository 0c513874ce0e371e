"""Typed facts: what probes saw, each carrying the observation ids it was read from.

Facts are the only thing rules see. A fact family is `None` when its probe did not run or
could not observe; the reason is in `HostFacts.errors` (the probe broke) or in the fact's
own `notes` (it ran but could not see, e.g. process names hidden without privileges).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from probes.documents import DocumentFacts
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
