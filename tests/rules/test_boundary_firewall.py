"""The host-firewall and management-port rules on constructed facts: each verdict, and the rulesets that decide it.

The rulesets are parsed by the probe's own parsers from the text nft and iptables-save print, so what is judged
is what a host would show (the probe itself is tested against real rulesets in tests/probes/test_firewall_probe.py).
"""

from __future__ import annotations

import json

from checker.catalogue.mlps_firewall import judge_host_firewall, judge_management_ports
from checker.model import Basis, Verdict
from probes.facts import HostFacts
from probes.facts.declared import Declarations
from probes.facts.firewall import FirewallFacts
from probes.facts.services import ListeningSocket, ServiceFacts, ServiceInstance
from probes.parse.firewall import parse_iptables_save, parse_nft_json

MGMT = "10.20.0.0/24"
DEFAULT_DENY = f"""*filter
:INPUT DROP [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -s {MGMT} -j ACCEPT
-A INPUT -p tcp -m multiport --dports 80,443 -j ACCEPT
COMMIT
"""
ACCEPT_ALL = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n"


def firewall(text: str | None, *, nft: bool = False) -> FirewallFacts:
    if text is None:
        return FirewallFacts(readable=False, tool="nft", observations=("h#1",),
                             reason="nft may not read the ruleset as this user (needs root or CAP_NET_ADMIN): "
                                    "Operation not permitted")
    chains = parse_nft_json(text) if nft else parse_iptables_save(text)
    return FirewallFacts(readable=True, tool="nft" if nft else "iptables-save", ipv6_seen=nft,
                         chains=tuple(chains), observations=("h#1",))


def sockets(*spec: tuple[str, str, int, str]) -> ServiceFacts:
    socks = tuple(ListeningSocket(protocol=p, address=a, port=n, process=proc) for p, a, n, proc in spec)
    db = [s for s in socks if s.process == "postgres"]
    services = (ServiceInstance(engine="postgresql", label="PostgreSQL", role="database", matched_by="process",
                                processes=("postgres",), sockets=tuple(db)),) if db else ()
    return ServiceFacts(sockets=socks, services=services, process_owners_visible=True, observations=("h#2",))


def host(fw: FirewallFacts, services: ServiceFacts | None = None, networks: tuple[str, ...] = (MGMT,)) -> HostFacts:
    return HostFacts(name="db1", address="10.20.0.11", reachable=True, firewall=fw, services=services,
                     declared=Declarations(management_networks=networks))


LISTENERS = (("tcp", "10.20.0.11", 22, "sshd"), ("tcp", "0.0.0.0", 5432, "postgres"), ("udp", "0.0.0.0", 623,
                                                                                         "ipmi_sim"))


def test_default_deny_passes_and_lists_what_it_lets_in() -> None:
    found = judge_host_firewall(host(firewall(DEFAULT_DENY)))
    assert found.verdict is Verdict.PASS
    assert found.details["allowed"] == ["accept in lo", "accept state related,established",
                                        f"accept from {MGMT}", "accept tcp port 80,443"]
    assert "policy drop" in found.reason and "IPv4 only" in found.reason
    assert "默认拒绝" in found.reason_zh


def test_accept_all_or_no_ruleset_fails() -> None:
    found = judge_host_firewall(host(firewall(ACCEPT_ALL)))
    assert found.verdict is Verdict.FAIL and "policy accept and no final deny" in found.reason
    empty = judge_host_firewall(host(firewall("")))
    assert empty.verdict is Verdict.FAIL and "no IPv4 input filter chain" in empty.reason


def test_a_final_reject_is_a_default_deny_but_a_narrow_one_is_not() -> None:
    final = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 443 -j ACCEPT\n-A INPUT -j REJECT\nCOMMIT\n"
    assert judge_host_firewall(host(firewall(final))).verdict is Verdict.PASS
    narrow = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 5432 -j DROP\nCOMMIT\n"
    assert judge_host_firewall(host(firewall(narrow))).verdict is Verdict.FAIL


def test_unreadable_ruleset_is_inconclusive_with_the_reason() -> None:
    found = judge_host_firewall(host(firewall(None)))
    assert found.verdict is Verdict.INCONCLUSIVE and "Operation not permitted" in found.reason


def test_ipv6_is_reported_not_judged() -> None:
    doc = {"nftables": [{"chain": {"family": "ip", "table": "f", "name": "in", "type": "filter", "hook": "input",
                                   "prio": 0, "policy": "drop"}}]}
    found = judge_host_firewall(host(firewall(json.dumps(doc), nft=True)))
    assert found.verdict is Verdict.PASS and "no IPv6 input chain denying by default" in found.reason
    assert found.details["ipv6_denies_by_default"] is False


def test_management_ports_behind_a_default_deny_pass() -> None:
    found = judge_management_ports(host(firewall(DEFAULT_DENY), sockets(*LISTENERS)))
    assert found.verdict is Verdict.PASS, found.reason
    assert "sshd 10.20.0.11:22/tcp bound inside a management network" in found.reason
    assert "PostgreSQL 0.0.0.0:5432/tcp let in by the packet filter from the management networks only" in found.reason
    assert [e.basis for e in found.evidence if "management network 10.20.0.0/24" in e.statement] == [Basis.DECLARED]


def test_no_firewall_opens_the_database_and_the_bmc() -> None:
    found = judge_management_ports(host(firewall(""), sockets(*LISTENERS)))
    assert found.verdict is Verdict.FAIL
    assert "PostgreSQL 0.0.0.0:5432/tcp is open to sources outside the management networks (any)" in found.reason
    assert "ipmi_sim 0.0.0.0:623/udp" in found.reason and "sshd" not in found.reason


def test_an_accept_rule_reaching_beyond_the_management_network_fails() -> None:
    wide = DEFAULT_DENY.replace("COMMIT", "-A INPUT -s 10.0.0.0/8 -p tcp --dport 5432 -j ACCEPT\nCOMMIT")
    found = judge_management_ports(host(firewall(wide), sockets(*LISTENERS)))
    assert found.verdict is Verdict.FAIL and "(10.0.0.0/8)" in found.reason
    # a port an earlier unconditional drop closes stays closed whatever comes later
    shut = DEFAULT_DENY.replace("COMMIT", "-A INPUT -p tcp --dport 5432 -j DROP\n-A INPUT -p tcp --dport 5432 "
                                          "-j ACCEPT\nCOMMIT").replace(f"-A INPUT -s {MGMT} -j ACCEPT\n", "")
    assert judge_management_ports(host(firewall(shut), sockets(("tcp", "0.0.0.0", 5432, "postgres")))).verdict \
        is Verdict.PASS


def test_sshd_on_every_address_with_accept_all_fails() -> None:
    found = judge_management_ports(host(firewall(ACCEPT_ALL), sockets(("tcp", "0.0.0.0", 22, "sshd"))))
    assert found.verdict is Verdict.FAIL and "sshd 0.0.0.0:22/tcp" in found.reason


def test_undeclared_networks_or_unreadable_filter_are_inconclusive() -> None:
    found = judge_management_ports(host(firewall(DEFAULT_DENY), sockets(*LISTENERS), networks=()))
    assert found.verdict is Verdict.INCONCLUSIVE and "ihcheck_management_networks" in found.reason
    blind = judge_management_ports(host(firewall(None), sockets(*LISTENERS)))
    assert blind.verdict is Verdict.INCONCLUSIVE and "packet filter not readable" in blind.reason
    # a listener bound inside the management network needs no firewall to be judged
    assert judge_management_ports(host(firewall(None), sockets(LISTENERS[0]))).verdict is Verdict.PASS


def test_loopback_only_listeners_pass_without_a_declaration() -> None:
    found = judge_management_ports(host(firewall(""), sockets(("tcp", "127.0.0.1", 5432, "postgres")), networks=()))
    assert found.verdict is Verdict.PASS and "on loopback" in found.reason


def test_an_ipv6_listener_is_judged_by_the_ipv6_filter_or_not_at_all() -> None:
    ssh6 = sockets(("tcp", "::", 22, "sshd"))
    # iptables-save alone: the IPv4 side is contained, the IPv6 side unseen
    found = judge_management_ports(host(firewall(DEFAULT_DENY), ssh6))
    assert found.verdict is Verdict.INCONCLUSIVE and "IPv6 packet filter was not seen" in found.reason
    six_deny = "*filter\n:INPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -p ipv6-icmp -j ACCEPT\nCOMMIT\n"
    six_open = "*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n"
    for six, verdict in ((six_deny, Verdict.PASS), (six_open, Verdict.FAIL)):
        fw = FirewallFacts(readable=True, tool="iptables-save", ipv6_seen=True, observations=("h#1",),
                           chains=(*parse_iptables_save(DEFAULT_DENY), *parse_iptables_save(six, "ip6")))
        assert judge_management_ports(host(fw, ssh6)).verdict is verdict
