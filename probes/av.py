"""Audio/video systems: A/V services found on the host plus declared endpoints, each proven by a handshake.

Discovery reuses the services probe (its role table has the "av" rows: coturn, Kamailio, FreeSWITCH,
Asterisk, Janus, Jitsi, SRS), so a service is recognised the same way for every rule. Each one is
then asked, from the checker, in its own protocol (see probes.handshake): a listening socket only
says a program bound a port; an answer says it serves. Every exchange is kept as an observation
with what was sent and what came back.

Which socket is asked: an address the service bound explicitly, or the host's address when it bound
a wildcard; a service bound to loopback on a remote host cannot be reached from the checker and is
reported as not attempted. Up to three sockets are tried per service, the protocol's standard port
first, until one answers.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from typing import Literal

from probes import handshake, services
from probes.facts.av import AvFacts, AvSystem, Handshake
from probes.facts.declared import AvEndpoint
from probes.facts.services import ListeningSocket, ServiceInstance
from probes.transport import Session

Protocol = Literal["stun", "sip", "janus", "http"]
ENGINE_PROTOCOL: dict[str, Protocol] = {
    "coturn": "stun", "kamailio": "sip", "freeswitch": "sip", "asterisk": "sip", "janus": "janus",
}
KIND_PROTOCOL: dict[str, Protocol] = {
    "stun": "stun", "turn": "stun", "sip": "sip", "webrtc-gateway": "janus", "http": "http",
}
STANDARD_PORT: dict[Protocol, int] = {"stun": 3478, "sip": 5060, "janus": 8088, "http": 80}
LABEL: dict[Protocol, str] = {
    "stun": "STUN Binding Request (RFC 5389)", "sip": "SIP OPTIONS (RFC 3261)",
    "janus": "HTTP GET (Janus info)", "http": "HTTP GET",
}
JANUS_INFO = "/janus/info"
MAX_ATTEMPTS = 3
TIMEOUT = 3.0


def resolve(name: str) -> str | None:
    """The first address the checker's resolver gives for a host name (an IP literal is returned as is)."""
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        pass
    try:
        return str(socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)[0][4][0])
    except OSError:
        return None


def _target(sock: ListeningSocket, host_ip: str | None, local: bool) -> str | None:
    """Where the checker can reach a listening socket, or None when it cannot."""
    if sock.address in ("0.0.0.0", "::", "*", ""):
        return host_ip
    try:
        loopback = ipaddress.ip_address(sock.address).is_loopback
    except ValueError:
        return None
    return sock.address if local or not loopback else None


def _exchange(session: Session, protocol: Protocol, address: str, port: int, transport: Literal["udp", "tcp"],
              path: str, timeout: float) -> Handshake:
    if protocol == "stun":
        ex = handshake.stun_binding(address, port, transport, timeout)
    elif protocol == "sip":
        ex = handshake.sip_options(address, port, transport, timeout)
    else:
        ex = handshake.http_get(address, port, path, janus=protocol == "janus", timeout=timeout)
    binary = protocol == "stun"
    record = {
        "outcome": ex.outcome, "detail": ex.detail,
        "sent": ex.sent.hex() if binary else ex.sent.decode("utf-8", "replace"),
        "received": ex.received.hex() if binary else ex.received[:8192].decode("utf-8", "replace"),
        "parsed": ex.parsed,
    }
    what = LABEL[protocol] + (f" {path}" if protocol in ("janus", "http") else "")
    call = f"{what} → {address}:{port}/{transport}  # sent from the checker"
    obs = session.record(call, json.dumps(record, ensure_ascii=False, sort_keys=True),
                         error="" if ex.outcome == "alive" else f"{ex.outcome}: {ex.detail}")
    return Handshake(protocol=protocol, transport=transport, target=f"{address}:{port}", outcome=ex.outcome,
                     detail=ex.detail, observations=(obs.id,))


def _discovered(session: Session, service: ServiceInstance, host_ip: str | None, timeout: float) -> AvSystem:
    system = AvSystem(name=service.label, source="discovered", engine=service.engine, matched_by=service.matched_by,
                      listening=tuple(f"{s.address}:{s.port}/{s.protocol}" for s in service.sockets))
    protocol = ENGINE_PROTOCOL.get(service.engine)
    if protocol is None:
        return system.model_copy(update={"not_attempted": f"ihcheck has no handshake for {service.label}"})
    if not service.sockets:
        return system.model_copy(update={"not_attempted": "the process runs but no listening socket was seen"})
    usable = [s for s in service.sockets if protocol != "janus" or s.protocol == "tcp"]
    ordered = sorted(usable, key=lambda s: (s.port != STANDARD_PORT[protocol], s.protocol != "udp", s.port))
    candidates: dict[tuple[str, int, str], None] = {}
    for sock in ordered:
        target = _target(sock, host_ip, session.is_local)
        if target is not None:
            candidates[(target, sock.port, sock.protocol)] = None
    if not candidates:
        why = (f"cannot resolve {session.host.address} from the checker" if host_ip is None and usable
               else "it listens on loopback only, out of the checker's reach" if usable
               else "no TCP socket to send HTTP to")
        return system.model_copy(update={"not_attempted": why})
    tried: list[Handshake] = []
    for address, port, transport in list(candidates)[:MAX_ATTEMPTS]:
        proto: Literal["udp", "tcp"] = "udp" if transport == "udp" else "tcp"
        tried.append(_exchange(session, protocol, address, port, proto, JANUS_INFO, timeout))
        if tried[-1].outcome == "alive":
            break
    return system.model_copy(update={"handshakes": tuple(tried), "address": tried[-1].target.rpartition(":")[0]})


def _declared(session: Session, endpoint: AvEndpoint, timeout: float) -> AvSystem:
    protocol = KIND_PROTOCOL[endpoint.kind]
    system = AvSystem(name=f"{endpoint.name} ({endpoint.kind} {endpoint.address}:{endpoint.port})", source="declared")
    address = resolve(endpoint.address)
    if address is None:
        return system.model_copy(update={"not_attempted": f"{endpoint.address} does not resolve from the checker"})
    transport: Literal["udp", "tcp"] = "tcp" if protocol in ("janus", "http") else endpoint.transport
    path = endpoint.path or (JANUS_INFO if protocol == "janus" else "/")
    shake = _exchange(session, protocol, address, endpoint.port, transport, path, timeout)
    return system.model_copy(update={"address": address, "handshakes": (shake,)})


def plan(session: Session) -> tuple[str, ...]:
    """The commands this probe runs whatever it finds (sent ahead in the host's batch)."""
    return services.plan(session)


def collect(session: Session, *, timeout: float = TIMEOUT) -> AvFacts:
    first = len(session.observations)
    found = services.collect(session)
    host_ip = resolve(session.host.address)
    av = found.of_role("av")
    systems = [_discovered(session, s, host_ip, timeout) for s in av]
    systems += [_declared(session, e, timeout) for e in session.host.declared.av_endpoints]
    notes = [f"services: {n}" for n in found.notes]
    if not av:
        notes.append("no A/V service (STUN/TURN, SIP, WebRTC gateway, media server) among the host's "
                     "listening sockets and processes")
    if host_ip is None:
        notes.append(f"{session.host.address} does not resolve from the checker")
    return AvFacts(systems=tuple(systems), host_address=host_ip, notes=tuple(notes),
                   observations=tuple(o.id for o in session.observations[first:]))
