"""GD2020 一(二)5 over constructed facts: provider counting, and bandwidth judged against its margin."""

from __future__ import annotations

from checker.catalogue.gd2020_network import BANDWIDTH, ISPS, band
from checker.engine import evaluate, rule_verdicts
from checker.model import Basis, Finding, Verdict
from probes.facts import HostFacts
from tests.factories import deployment
from tests.rules.network_factories import ident, measured_host, rate, uplink, uplink_host

TELECOM = ident("202.96.128.86", as_org="Chinanet", isp=None)
UNICOM = ident("221.5.88.88", as_org="CHINA UNICOM China169 Backbone")


def isps(*hosts: HostFacts) -> Finding:
    [finding] = evaluate(deployment(*hosts), [ISPS])
    return finding


def bandwidth(*hosts: HostFacts) -> list[Finding]:
    return evaluate(deployment(*hosts), [BANDWIDTH])


def test_two_providers_pass() -> None:
    f = isps(uplink_host("app1", uplink("eth1", TELECOM), uplink("eth2", UNICOM)))
    assert f.verdict is Verdict.PASS
    assert f.reason == "2 broadband providers observed: Chinanet; CHINA UNICOM China169 Backbone"
    assert f.reason_zh == "观测到 2 家宽带运营商：Chinanet；CHINA UNICOM China169 Backbone"
    assert f.details["unidentified_uplinks"] == []


def test_simulated_providers_are_marked_simulated() -> None:
    a = ident("172.30.1.2", simulated=True, isp="China Telecom", asn=4134)
    b = ident("172.30.2.2", simulated=True, isp="China Mobile", asn=9808)
    f = isps(uplink_host("app1", uplink("eth1", a), uplink("eth2", b)))
    assert f.verdict is Verdict.PASS and "(simulated identities)" in f.reason
    uplinks = [e for e in f.evidence if "uplink" in e.statement]
    assert {e.basis for e in uplinks} == {Basis.SIMULATED}
    assert all("simulated" in e.statement for e in uplinks)


def test_same_asn_under_two_names_is_one_provider_and_fails() -> None:
    a = ident("172.30.1.2", simulated=True, isp="China Telecom Guangdong", asn=4134)
    b = ident("172.30.2.2", simulated=True, isp="Guangdong Telecom Enterprise Line", asn=4134)
    f = isps(uplink_host("app1", uplink("eth1", a), uplink("eth2", b)))
    assert f.verdict is Verdict.FAIL
    assert "every uplink leaves through one provider" in f.reason


def test_one_carrier_under_two_as_organisations_is_one_provider() -> None:
    shanghai = ident("101.80.0.1", as_org="China Telecom (Group)")
    f = isps(uplink_host("app1", uplink("eth1", TELECOM), uplink("eth2", shanghai)))
    assert f.verdict is Verdict.FAIL


def test_providers_count_across_hosts() -> None:
    f = isps(uplink_host("app1", uplink("eth1", TELECOM)), uplink_host("db1", uplink("eth1", UNICOM)))
    assert f.verdict is Verdict.PASS


def test_one_known_provider_and_an_unidentified_uplink_is_inconclusive() -> None:
    f = isps(uplink_host("app1", uplink("eth1", TELECOM), uplink("eth2", error="curl exit 7")))
    assert f.verdict is Verdict.INCONCLUSIVE
    assert "only Chinanet" in f.reason and "app1 eth2 (curl exit 7: Failed to connect)" in f.reason
    assert f.reason_zh == "仅观测到 Chinanet；无法识别：app1 eth2（curl exit 7: Failed to connect）"


def test_private_egress_is_not_a_provider() -> None:
    f = isps(uplink_host("app1", uplink("eth1", TELECOM), uplink("eth2", ident("10.9.0.2", private=True))))
    assert f.verdict is Verdict.INCONCLUSIVE
    assert "private address 10.9.0.2" in f.reason


def test_without_echo_nothing_is_identified() -> None:
    f = isps(uplink_host("app1", uplink("eth1"), uplink("eth2"), echo=False))
    assert f.verdict is Verdict.INCONCLUSIVE
    assert "no provider identified" in f.reason and "no ihcheck_echo_url" in f.reason


def test_unreachable_host_keeps_a_single_provider_inconclusive() -> None:
    f = isps(uplink_host("app1", uplink("eth1", TELECOM)), measured_host("db1", reachable=False))
    assert f.verdict is Verdict.INCONCLUSIVE
    assert "db1 unreachable" in f.reason


def test_single_provider_everywhere_fails() -> None:
    f = isps(uplink_host("app1", uplink("eth1", TELECOM)), uplink_host("db1", uplink("eth1", TELECOM)))
    assert f.verdict is Verdict.FAIL


def test_probe_error_is_error_when_providers_fall_short() -> None:
    f = isps(uplink_host("app1", uplink("eth1", TELECOM)), measured_host("db1", errors={"uplinks": "ProbeError: x"}))
    assert f.verdict is Verdict.ERROR


def test_band_edges() -> None:
    assert band(rate("upload", 10.7, 0.7)) == "above"
    assert band(rate("upload", 10.6, 0.7)) == "borderline"
    assert band(rate("upload", 9.3, 0.7)) == "borderline"
    assert band(rate("upload", 9.29, 0.7)) == "below"
    assert band(rate("upload", None)) == "unmeasured"
    assert band(None) == "unmeasured"


def test_every_uplink_at_least_10_both_ways_passes() -> None:
    [f] = bandwidth(uplink_host("app1", uplink("eth1", TELECOM, 19.0, 18.9, margin=1.2),
                                uplink("eth2", UNICOM, 47.0, 47.5, margin=3.0)))
    assert f.verdict is Verdict.PASS
    assert "eth1 upload 19.00 ± 1.20 Mbps, download 18.90 ± 1.20 Mbps" in f.reason
    assert f.details["uplinks"]["eth2"]["download"] == {"mbps": 47.5, "margin_mbps": 3.0}
    assert "upload#iperf" in f.observations


def test_a_slow_uplink_fails_even_if_the_other_is_fast() -> None:
    [f] = bandwidth(uplink_host("app1", uplink("eth1", TELECOM, 19.0, 18.9), uplink("eth2", UNICOM, 4.8, 4.8)))
    assert f.verdict is Verdict.FAIL
    assert "eth2 upload 4.80" in f.reason and "eth1" not in f.reason


def test_slow_upload_alone_fails() -> None:
    [f] = bandwidth(uplink_host("app1", uplink("eth1", TELECOM, 4.8, 48.0)))
    assert f.verdict is Verdict.FAIL


def test_within_the_margin_of_10_is_inconclusive_not_pass() -> None:
    [f] = bandwidth(uplink_host("app1", uplink("eth1", TELECOM, 9.6, 9.6, margin=0.7),
                                uplink("eth2", UNICOM, 19.0, 19.0)))
    assert f.verdict is Verdict.INCONCLUSIVE
    assert "eth1 upload 9.60 ± 0.70 Mbps" in f.reason
    assert f.reason_zh.startswith("app1：无法判定每条上行链路是否达到 10 Mbps：eth1 上传 9.60 ± 0.70 Mbps，")


def test_failed_measurement_is_inconclusive_and_says_why() -> None:
    [f] = bandwidth(uplink_host("app1", uplink("eth1", TELECOM, None, None)))
    assert f.verdict is Verdict.INCONCLUSIVE
    assert "measurement failed: iperf3: unable to connect" in f.reason


def test_no_measured_host_is_inconclusive_with_reason() -> None:
    [f] = bandwidth(uplink_host("app1", uplink("eth1", TELECOM, measured=False), measure=False))
    assert f.verdict is Verdict.INCONCLUSIVE
    assert f.reason.startswith("no host was measured: set ihcheck_measure_endpoint")


def test_only_measured_hosts_are_judged() -> None:
    findings = bandwidth(uplink_host("app1", uplink("eth1", TELECOM, 19.0, 19.0)),
                         uplink_host("db1", uplink("eth1", TELECOM, measured=False), measure=False))
    assert [f.hosts for f in findings] == [("app1",)]
    assert rule_verdicts(findings) == {BANDWIDTH.id: Verdict.PASS}


def test_measured_host_unreachable_or_broken() -> None:
    findings = bandwidth(measured_host("a", reachable=False), measured_host("b", errors={"uplinks": "ProbeError: x"}))
    assert [f.verdict for f in findings] == [Verdict.INCONCLUSIVE, Verdict.ERROR]


def test_host_without_uplinks_is_inconclusive() -> None:
    [f] = bandwidth(uplink_host("db1", notes=("no default route in any routing table",)))
    assert f.verdict is Verdict.INCONCLUSIVE
    assert "no uplink" in f.reason
