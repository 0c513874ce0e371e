"""Audio/video systems and the protocol exchanges that proved them alive (or not)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from probes.facts.base import Fact, Observed, Record
from probes.facts.services import MatchedBy

HandshakeOutcome = Literal["alive", "silent", "refused", "malformed", "unreachable"]


class Handshake(Observed):
    """One protocol exchange the checker had with an A/V endpoint, and what came back."""

    protocol: Literal["stun", "sip", "janus", "http"]
    transport: Literal["udp", "tcp"]
    target: str = Field(description="address:port the checker sent to")
    outcome: HandshakeOutcome
    detail: str


class AvSystem(Record):
    """An audio/video system: an A/V service found on a host, or an endpoint the inventory declares."""

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

