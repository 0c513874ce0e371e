"""The links between hosts, derived from observed connections; judges nothing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from probes.facts.connections import OutboundConnection
from probes.facts.host import HostFacts
from probes.facts.services import ServiceInstance


class HostLink(NamedTuple):
    """Connections one inventory host holds open to a port another one listens on."""

    client: HostFacts
    server: HostFacts
    connection: OutboundConnection
    service: ServiceInstance | None  # what listens on that port, when the server's services were seen


def _held_addresses(host: HostFacts, via_uplinks: bool) -> set[str]:
    """The addresses a host was reached at or observed holding, loopback and wildcards excluded."""
    held = {host.address}
    if via_uplinks:
        held.update(a for u in (host.uplinks.uplinks if host.uplinks else ()) for a in u.addresses)
    held.update(s.address for svc in (host.services.services if host.services else ()) for s in svc.sockets)
    return {a for a in held if a not in ("0.0.0.0", "::", "*") and not a.startswith(("127.", "::1"))}


def host_links(hosts: Sequence[HostFacts], *, via_uplinks: bool = True) -> list[HostLink]:
    """Which hosts talk to which: each host's outbound connections whose peer is another host of the set.
    Derived from observed facts for the db-app split evidence and the topology diagram, judging nothing.
    `via_uplinks` False leaves out the uplinks family (for a rule that does not gather it)."""
    owner = {address: host for host in hosts for address in _held_addresses(host, via_uplinks)}
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
