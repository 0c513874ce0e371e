"""The A/V probe against real coturn, Kamailio and Janus: found on the host, then proven by a handshake."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from probes import av
from probes.facts.av import AvFacts, AvSystem
from probes.facts.declared import AvEndpoint, Declarations
from probes.transport import Session
from tests.probes.conftest import coturn, free_port_pair, janus, kamailio, local_session


@dataclass(frozen=True)
class Servers:
    stun: int
    sip: int
    janus: int


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    with coturn(tmp_path_factory.mktemp("coturn")) as stun, kamailio(tmp_path_factory.mktemp("kam")) as sip, \
            janus(tmp_path_factory.mktemp("janus")) as gateway:
        yield Servers(stun, sip, gateway)


@pytest.fixture(scope="module")
def probed(servers: Servers) -> tuple[AvFacts, Session]:
    session = local_session()
    return av.collect(session), session


def _system(facts: AvFacts, engine: str, port: int) -> AvSystem:
    for s in facts.systems:
        if s.engine == engine and any(f":{port}/" in sock for sock in s.listening):
            return s
    raise AssertionError(f"{engine} on {port} not found: {[s.describe() for s in facts.systems]}")


def _record(session: Session, obs_id: str) -> dict[str, Any]:
    obs = next(o for o in session.log.all() if o.id == obs_id)
    return {"command": obs.command, "exit": obs.exit_status, **json.loads(obs.stdout)}


def test_coturn_is_found_and_answers_stun(probed: tuple[AvFacts, Session], servers: Servers) -> None:
    facts, session = probed
    system = _system(facts, "coturn", servers.stun)
    assert system.alive and system.matched_by == "process" and system.address == "127.0.0.1"
    [shake] = system.handshakes
    # Another coturn (a parallel test's) may listen on this machine too: the one system is proven through
    # one of its own sockets, ours or that one.
    assert (shake.protocol, shake.transport) == ("stun", "udp")
    assert f"{shake.target}/udp" in system.listening
    assert shake.detail.startswith("Binding success, XOR-MAPPED-ADDRESS 127.0.0.1:") and "Coturn" in shake.detail
    rec = _record(session, shake.observations[0])
    assert rec["command"].startswith(f"STUN Binding Request (RFC 5389) → {shake.target}/udp")
    assert rec["exit"] == 0 and rec["sent"][:16] == "000100002112a442"  # Binding Request, magic cookie
    assert rec["sent"][16:40] == rec["parsed"]["transaction_id"] == rec["received"][16:40]


def test_kamailio_is_found_and_answers_options(probed: tuple[AvFacts, Session], servers: Servers) -> None:
    facts, session = probed
    system = _system(facts, "kamailio", servers.sip)
    assert system.alive
    [shake] = system.handshakes
    assert shake.protocol == "sip" and shake.transport == "udp"
    assert shake.detail.startswith("SIP/2.0 200 OK, Call-ID and CSeq match (kamailio")
    rec = _record(session, shake.observations[0])
    assert rec["sent"].startswith(f"OPTIONS sip:127.0.0.1:{servers.sip} SIP/2.0\r\n")
    assert f"Call-ID: {rec['parsed']['call_id']}" in rec["received"]


def test_janus_is_found_and_answers_info(probed: tuple[AvFacts, Session], servers: Servers) -> None:
    facts, session = probed
    system = _system(facts, "janus", servers.janus)
    assert system.alive
    [shake] = system.handshakes
    assert shake.protocol == "janus" and shake.detail == '"janus": "server_info" from Janus WebRTC Server 1.1.2'
    rec = _record(session, shake.observations[0])
    assert rec["sent"].startswith("GET /janus/info HTTP/1.1\r\n") and rec["parsed"]["server_name"] == "ihcheck-test"


def test_facts_cite_every_observation_the_probe_made(probed: tuple[AvFacts, Session]) -> None:
    facts, session = probed
    assert set(facts.observations) == {o.id for o in session.log.all()}
    assert facts.host_address == "127.0.0.1"


def _declared(*endpoints: AvEndpoint) -> list[AvSystem]:
    facts = av.collect(local_session(Declarations(av_endpoints=endpoints)), timeout=1.5)
    return [s for s in facts.systems if s.source == "declared"]


def test_declared_endpoints_over_udp_and_tcp(servers: Servers) -> None:
    systems = _declared(
        AvEndpoint(name="turn-tcp", kind="turn", address="127.0.0.1", port=servers.stun, transport="tcp"),
        AvEndpoint(name="sip-tcp", kind="sip", address="localhost", port=servers.sip, transport="tcp"),
        AvEndpoint(name="gw", kind="webrtc-gateway", address="127.0.0.1", port=servers.janus),
        AvEndpoint(name="web", kind="http", address="127.0.0.1", port=servers.janus, path="/nowhere"),
    )
    got = {s.name.split(" ")[0]: (s.alive, s.handshakes[0].transport, s.handshakes[0].detail) for s in systems}
    assert got["turn-tcp"][:2] == (True, "tcp") and "XOR-MAPPED-ADDRESS 127.0.0.1:" in got["turn-tcp"][2]
    assert got["sip-tcp"][:2] == (True, "tcp") and got["sip-tcp"][2].startswith("SIP/2.0 200 OK")
    assert got["gw"][:2] == (True, "tcp")
    assert got["web"] == (True, "tcp", "HTTP server answered HTTP/1.1 404 Not Found")
    assert all(s.address == "127.0.0.1" for s in systems)


def test_listening_but_silent_is_not_alive(servers: Servers) -> None:
    """Kamailio listens on UDP but drops a datagram that is not SIP: a STUN request gets no answer."""
    [system] = _declared(AvEndpoint(name="quiet", kind="stun", address="127.0.0.1", port=servers.sip))
    [shake] = system.handshakes
    assert not system.alive and shake.outcome == "silent"
    assert shake.detail == "no reply within 1.5 s (3 sends)"


def test_wrong_protocol_is_malformed(servers: Servers) -> None:
    """SIP over TCP to Janus's HTTP port: an answer, but not SIP."""
    [system] = _declared(AvEndpoint(name="x", kind="sip", address="127.0.0.1", port=servers.janus, transport="tcp"))
    [shake] = system.handshakes
    assert shake.outcome == "malformed" and shake.detail.startswith("not a SIP response: 'HTTP/1.1 ")


def test_janus_check_refuses_a_non_janus_http_server(servers: Servers) -> None:
    [system] = _declared(AvEndpoint(name="x", kind="webrtc-gateway", address="127.0.0.1", port=servers.janus,
                                    path="/janus/nothing"))
    assert system.handshakes[0].outcome == "malformed" and "not a Janus server_info answer" in system.handshakes[0].detail


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_nothing_listening_is_refused(transport: str) -> None:
    port = free_port_pair()
    [system] = _declared(AvEndpoint(name="gone", kind="sip", address="127.0.0.1", port=port, transport=transport))
    assert system.handshakes[0].outcome == "refused"


def test_unresolvable_endpoint_is_not_attempted() -> None:
    [system] = _declared(AvEndpoint(name="v", kind="stun", address="no-such-host.invalid", port=3478))
    assert system.handshakes == () and system.not_attempted == "no-such-host.invalid does not resolve from the checker"


def test_over_ssh_loopback_services_are_found_but_out_of_reach(servers: Servers, tmp_path: Path) -> None:
    """Through SSH the probe cannot assume the checker shares the host's loopback, so it does not try."""
    from probes.inventory import InventoryHost
    from probes.observation import ObservationLog
    from probes.transport import open_transport
    from tests.daemons import sshd

    with sshd(tmp_path / "sshd") as s:
        host = InventoryHost(name="h", address="127.0.0.1", port=s.port, user=s.user, private_key_file=s.client_key,
                             declared=Declarations(known_hosts=s.known_hosts))
        transport = open_transport(host)
        try:
            facts = av.collect(Session(host=host, transport=transport, log=ObservationLog()), timeout=0.5)
        finally:
            transport.close()
    system = _system(facts, "coturn", servers.stun)
    assert system.handshakes == () and system.not_attempted == "it listens on loopback only, out of the checker's reach"
