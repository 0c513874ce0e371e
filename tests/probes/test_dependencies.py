"""The dependencies probe on this machine (its real resolv.conf, NTP configuration and socket table; declared
endpoints placed offline, no packet sent to them) and the offshore rule over what it gathered: pass, fail and
inconclusive, each dependency named with its source."""

from __future__ import annotations

import json
from pathlib import Path

from checker.catalogue.gd2020_offshore import RULE_ID, judge_offshore
from checker.model import Basis, Verdict
from probes import dependencies
from probes.facts import HostFacts
from probes.facts.declared import Declarations
from probes.facts.dependencies import DependencyFacts
from tests.probes.conftest import local_session

DECLARED = {
    "av_endpoints": [{"name": "vendor-rtc", "kind": "turn", "address": "203.198.7.66", "port": 3478},
                     # a name resolved on the host from /etc/hosts (no DNS query leaves this machine)
                     {"name": "local-sip", "kind": "sip", "address": "localhost", "port": 5060},
                     # an address the geo data places nowhere (a documentation prefix's neighbour)
                     {"name": "vendor-sip", "kind": "sip", "address": "2001:db9::1", "port": 5060}],
    "exchange": [{"name": "platform", "system": "platform", "protocol": "https", "address": "223.5.5.5",
                  "port": 443}],
}


def gathered(**extra: object) -> DependencyFacts:
    return dependencies.collect(local_session(Declarations.model_validate(DECLARED | extra)))


def host(facts: DependencyFacts) -> HostFacts:
    return HostFacts(name="app1", address="127.0.0.1", reachable=True, dependencies=facts)


def only(facts: DependencyFacts, *kinds_or_names: str) -> DependencyFacts:
    return facts.model_copy(update={"dependencies": tuple(
        d for d in facts.dependencies if d.kind in kinds_or_names or d.name in kinds_or_names)})


def test_declared_and_configured_dependencies_are_placed_with_their_source() -> None:
    facts = gathered()
    by_name = {d.name: d for d in facts.dependencies}
    vendor = by_name["vendor-rtc"]
    assert (vendor.kind, vendor.source, vendor.basis) == ("av-endpoint", "declared: ihcheck_av_endpoints", "declared")
    assert vendor.identity is not None and vendor.identity.country == "HK"
    platform = by_name["platform (platform, https)"]
    assert platform.kind == "platform" and platform.identity is not None and platform.identity.country == "CN"
    unplaced = by_name["vendor-sip"]
    assert unplaced.identity is not None and unplaced.identity.country is None and not unplaced.identity.private
    local = [d for d in facts.dependencies if d.name == "local-sip"]
    assert local and all(d.identity is not None and d.identity.private for d in local)
    assert any(o for d in local for o in d.observations)  # the getent run on the host is kept
    nameservers = dependencies.parse_nameservers(Path("/etc/resolv.conf").read_text())
    dns = [d for d in facts.dependencies if d.kind == "dns"]
    assert [d.target for d in dns] == nameservers and all(d.source == "observed: /etc/resolv.conf" for d in dns)


def test_offshore_fails_on_a_vendor_endpoint_abroad_and_names_it() -> None:
    finding = judge_offshore(host(only(gathered(), "vendor-rtc", "platform (platform, https)")))
    assert (finding.rule_id, finding.verdict) == (RULE_ID, Verdict.FAIL)
    assert "vendor-rtc" in finding.reason and "[HK]" in finding.reason and "ihcheck_av_endpoints" in finding.reason


def test_offshore_is_inconclusive_when_a_dependency_cannot_be_placed() -> None:
    finding = judge_offshore(host(only(gathered(), "vendor-sip", "platform (platform, https)")))
    assert finding.verdict is Verdict.INCONCLUSIVE and "2001:db9::1" in finding.reason


def test_offshore_passes_on_the_mainland_and_inside_the_deployment(tmp_path: Path) -> None:
    facts = gathered()
    kept = only(facts, "platform (platform, https)", "local-sip")
    private = [d for d in facts.dependencies if d.identity is not None and d.identity.private]
    kept = kept.model_copy(update={"dependencies": (*kept.dependencies, *private)})
    finding = judge_offshore(host(kept))
    assert finding.verdict is Verdict.PASS, finding.reason


def test_a_dns_server_abroad_by_the_simulated_identity_table_fails_as_simulated(tmp_path: Path) -> None:
    nameservers = dependencies.parse_nameservers(Path("/etc/resolv.conf").read_text())
    table = tmp_path / "identities.json"
    table.write_text(json.dumps({nameservers[0]: {"country": "SG", "city": "Singapore", "asn": 45102,
                                                  "as_org": "ALIBABA-CN-NET", "isp": "Alibaba Cloud (Singapore)",
                                                  "simulated": True}}))
    facts = dependencies.collect(local_session(Declarations(simulated_identities=table)))
    finding = judge_offshore(host(only(facts, "dns")))
    assert finding.verdict is Verdict.FAIL and "DNS server nameserver" in finding.reason
    assert any(e.basis is Basis.SIMULATED for e in finding.evidence)
