"""Established TCP connections: who talks to whom (the links between hosts)."""

from __future__ import annotations

from probes.facts.base import Fact, Record


class OutboundConnection(Record):
    """Established TCP connections this host opened (its local port is not one it listens on), one row
    per peer service and process: e.g. an application server's pool of connections to its database."""

    peer_address: str
    peer_port: int
    process: str | None = None
    count: int = 1


class InboundConnections(Record):
    """Established TCP connections to one port this host listens on, counted rather than listed (a web
    server may hold thousands)."""

    port: int
    count: int
    peers: int  # distinct peer addresses



class ConnectionFacts(Fact):
    outbound: tuple[OutboundConnection, ...] = ()
    inbound: tuple[InboundConnections, ...] = ()
    owners_visible: bool = True  # False when ss could not name the processes (no root / SYS_PTRACE)

