"""GD2020-1.2.4-av-systems over constructed facts: independence by machine, and what silence means."""

from __future__ import annotations

from checker.catalogue.gd2020_av import AV_SYSTEMS, judge_av
from checker.model import Basis, Finding, Verdict
from probes.facts import HostFacts
from probes.facts.av import AvFacts, AvSystem, Handshake, HandshakeOutcome
from tests.factories import deployment, host

DETAIL = {
    "alive": "Binding success, XOR-MAPPED-ADDRESS 198.51.100.9:40000",
    "silent": "no reply within 3 s (3 sends)",
    "refused": "ICMP port unreachable: nothing listens there",
    "malformed": "not a STUN message (no magic cookie)",
    "unreachable": "no route: No route to host",
}


def coturn(ip: str, outcome: HandshakeOutcome = "alive", obs: str = "x#9") -> AvSystem:
    shake = Handshake(protocol="stun", transport="udp", target=f"{ip}:3478", outcome=outcome,
                      detail=DETAIL[outcome], observations=(obs,))
    return AvSystem(name="coturn STUN/TURN", source="discovered", engine="coturn", matched_by="process",
                    listening=("0.0.0.0:3478/udp",), address=ip, handshakes=(shake,))


def kamailio(ip: str, outcome: HandshakeOutcome = "alive") -> AvSystem:
    shake = Handshake(protocol="sip", transport="udp", target=f"{ip}:5060", outcome=outcome,
                      detail="SIP/2.0 200 OK, Call-ID and CSeq match" if outcome == "alive" else DETAIL[outcome],
                      observations=("x#10",))
    return AvSystem(name="Kamailio SIP", source="discovered", engine="kamailio", matched_by="process",
                    listening=("0.0.0.0:5060/udp",), address=ip, handshakes=(shake,))


def vendor(ip: str, outcome: HandshakeOutcome = "alive", name: str = "vendor-rtc") -> AvSystem:
    shake = Handshake(protocol="janus", transport="tcp", target=f"{ip}:8088", outcome=outcome,
                      detail='"janus": "server_info" from Janus' if outcome == "alive" else DETAIL[outcome],
                      observations=("x#11",))
    return AvSystem(name=f"{name} (webrtc-gateway {ip}:8088)", source="declared", address=ip, handshakes=(shake,))


def av_host(name: str, ip: str, *systems: AvSystem, machine_id: str | None = None, **kw: object) -> HostFacts:
    facts = AvFacts(systems=systems, host_address=ip, observations=(f"{name}#2",),
                    notes=() if systems else ("no A/V service (STUN/TURN, SIP, WebRTC gateway, media server) "
                                              "among the host's listening sockets and processes",))
    built = host(name, machine_id=machine_id, av=facts, **kw)  # type: ignore[arg-type]
    return built.model_copy(update={"address": ip})


def judge(*hosts: HostFacts) -> Finding:
    [finding] = judge_av(deployment(*hosts))
    assert finding.rule_id == AV_SYSTEMS.id
    return finding


def test_two_machines_each_proven_pass() -> None:
    f = judge(av_host("av1", "10.0.0.1", coturn("10.0.0.1")), av_host("av2", "10.0.0.2", kamailio("10.0.0.2")))
    assert f.verdict is Verdict.PASS
    assert f.reason.startswith("2 A/V systems on distinct machines proven alive: coturn STUN/TURN on av1 — "
                               "STUN 10.0.0.1:3478/udp alive: Binding success")
    assert "Kamailio SIP on av2 — SIP 10.0.0.2:5060/udp alive: SIP/2.0 200 OK" in f.reason
    assert f.reason_zh.startswith("经验证存活、位于不同机器上的音视频通信系统有 2 套：av1 上的 coturn STUN/TURN — "
                                  "STUN 10.0.0.1:3478/udp 应答正常：Binding success")
    assert f.details["proven_machines"] == 2 and "x#9" in f.observations


def test_two_systems_on_one_machine_count_once_and_fail() -> None:
    f = judge(av_host("av1", "10.0.0.1", coturn("10.0.0.1"), kamailio("10.0.0.1")), av_host("db", "10.0.0.3"))
    assert f.verdict is Verdict.FAIL
    assert f.reason.startswith("only 1 A/V system(s) on distinct machines proven alive (coturn STUN/TURN on av1")
    assert "(same machine: Kamailio SIP on av1)" in f.reason and "count once" in f.reason
    assert f.reason.endswith("; no A/V service found on db")
    assert "（同一台机器：av1 上的 Kamailio SIP）" in f.reason_zh and f.reason_zh.endswith("；在 db 上未发现音视频服务")


def test_two_inventory_names_for_one_machine_count_once() -> None:
    f = judge(av_host("a", "10.0.0.1", coturn("10.0.0.1"), machine_id="same"),
              av_host("b", "10.0.0.1", kamailio("10.0.0.1"), machine_id="same"))
    assert f.verdict is Verdict.FAIL and f.details["proven_machines"] == 1


def test_listening_but_silent_is_inconclusive_not_pass() -> None:
    f = judge(av_host("av1", "10.0.0.1", coturn("10.0.0.1")), av_host("av2", "10.0.0.2", coturn("10.0.0.2", "silent")))
    assert f.verdict is Verdict.INCONCLUSIVE
    assert ("coturn STUN/TURN on av2 not proven alive (STUN 10.0.0.2:3478/udp silent: no reply within 3 s "
            "(3 sends))") in f.reason
    assert ("av2 上的 coturn STUN/TURN 未经验证存活（STUN 10.0.0.2:3478/udp 无应答：no reply within 3 s "
            "(3 sends)）") in f.reason_zh
    assert "allow the checker to reach these ports" in f.reason


def test_refused_or_malformed_second_system_fails() -> None:
    f = judge(av_host("av1", "10.0.0.1", coturn("10.0.0.1")), av_host("av2", "10.0.0.2", kamailio("10.0.0.2", "refused")))
    assert f.verdict is Verdict.FAIL
    assert "Kamailio SIP on av2 is not serving (SIP 10.0.0.2:5060/udp refused: ICMP port unreachable" in f.reason


def test_declared_vendor_endpoint_proven_counts_by_address() -> None:
    f = judge(av_host("av1", "10.0.0.1", coturn("10.0.0.1"), vendor("203.0.113.5")))
    assert f.verdict is Verdict.PASS
    assert "declared vendor-rtc (webrtc-gateway 203.0.113.5:8088)" in f.reason
    assert {s["machine"] for s in f.details["systems"]} == {"machine-id:mid-av1", "address:203.0.113.5"}


def test_declared_endpoint_on_an_inventory_host_is_that_machine() -> None:
    f = judge(av_host("av1", "10.0.0.1", coturn("10.0.0.1"), vendor("10.0.0.1")))
    assert f.verdict is Verdict.FAIL and f.details["proven_machines"] == 1


def test_declared_endpoint_not_answering_stays_declared() -> None:
    f = judge(av_host("av1", "10.0.0.1", coturn("10.0.0.1"), vendor("203.0.113.5", "silent")))
    assert f.verdict is Verdict.INCONCLUSIVE
    declared = [e for e in f.evidence if "vendor-rtc" in e.statement]
    assert [e.basis for e in declared] == [Basis.DECLARED]


def test_endpoint_declared_for_every_host_is_one_system() -> None:
    f = judge(av_host("a", "10.0.0.1", vendor("203.0.113.5")), av_host("b", "10.0.0.2", vendor("203.0.113.5")))
    assert f.verdict is Verdict.FAIL and len(f.details["systems"]) == 1


def test_unreachable_host_leaves_it_open() -> None:
    f = judge(av_host("av1", "10.0.0.1", coturn("10.0.0.1")), host("av2", reachable=False))
    assert f.verdict is Verdict.INCONCLUSIVE and "av2 unreachable" in f.reason


def test_probe_error_where_it_matters_is_error() -> None:
    f = judge(av_host("av1", "10.0.0.1", coturn("10.0.0.1")), host("av2", errors={"av": "OSError: boom"}))
    assert f.verdict is Verdict.ERROR and f.reason.endswith("the A/V probe failed on av2: av probe failed: OSError: boom")


def test_probe_error_that_cannot_change_a_pass_is_ignored() -> None:
    f = judge(av_host("av1", "10.0.0.1", coturn("10.0.0.1")), av_host("av2", "10.0.0.2", kamailio("10.0.0.2")),
              host("av3", errors={"av": "OSError: boom"}))
    assert f.verdict is Verdict.PASS


def test_no_av_anywhere_fails() -> None:
    f = judge(av_host("a", "10.0.0.1"), av_host("b", "10.0.0.2"))
    assert f.verdict is Verdict.FAIL
    assert f.reason == ("only 0 A/V system(s) on distinct machines proven alive (none); at least 2 required; "
                        "no A/V service found on a, b")
