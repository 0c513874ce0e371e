"""Listening sockets, the server programs behind them and the role the role table gives each."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from probes.facts.base import Fact, Record

Role = Literal["database", "application", "av"]
MatchedBy = Literal["process", "port"]


class ListeningSocket(Record):
    protocol: Literal["tcp", "udp"]
    address: str
    port: int
    process: str | None = None
    pid: int | None = None



class ServiceInstance(Record):
    """A recognised server program on a host, and the role the role table gives it."""

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

