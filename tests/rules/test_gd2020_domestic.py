"""GD2020 一(二)3 domestic hosting over constructed facts: each verdict, the signal that decided it, its basis."""

from __future__ import annotations

import pytest

from checker.catalogue.gd2020_domestic import DOMESTIC
from checker.engine import evaluate, rule_verdicts
from checker.model import Basis, Finding, Verdict
from probes.facts import HostFacts
from tests.factories import deployment
from tests.rules.network_factories import egress_host, ident, path


def judge(*hosts: HostFacts) -> list[Finding]:
    return evaluate(deployment(*hosts), [DOMESTIC])


def only(host: HostFacts) -> Finding:
    [finding] = judge(host)
    return finding


def test_database_server_with_mainland_egress_passes() -> None:
    f = only(egress_host("db1", path("eth1", ident("202.96.128.86", isp="Chinanet")),
                         path("eth2", ident("221.5.88.88", isp="China Unicom")), db=True))
    assert f.verdict is Verdict.PASS
    assert f.reason.startswith("db1 (database server: stores medical data): every egress address is on the mainland")
    assert f.reason_zh.startswith("db1（数据库服务器：存储医疗数据）：所有出口地址均位于境内（202.96.128.86 → China [CN]")
    assert f.hosts == ("db1",)
    assert {e.basis for e in f.evidence} == {Basis.OBSERVED}
    assert "eth1#echo" in f.observations and "db1#tz" in f.observations
    assert f.details["database_server"] is True


@pytest.mark.parametrize("country", ["HK", "MO", "TW", "US"])
def test_egress_outside_the_mainland_fails_hong_kong_macao_taiwan_included(country: str) -> None:
    f = only(egress_host("db1", path("eth1", ident("203.198.7.66", country)), db=True))
    assert f.verdict is Verdict.FAIL
    assert "outside the mainland" in f.reason and f"[{country}]" in f.reason
    assert f.reason_zh.startswith("db1（数据库服务器：存储医疗数据）的出口地址位于境外：203.198.7.66 → ")


def test_one_foreign_uplink_among_domestic_ones_fails() -> None:
    f = only(egress_host("app1", path("eth1", ident("202.96.128.86")), path("eth2", ident("8.8.8.8", "US"))))
    assert f.verdict is Verdict.FAIL
    assert "8.8.8.8" in f.reason and "202.96.128.86" not in f.reason


def test_simulated_identities_are_marked_simulated() -> None:
    f = only(egress_host("db1", path("eth1", ident("172.30.0.2", simulated=True, isp="China Telecom")), db=True))
    assert f.verdict is Verdict.PASS
    assert "(simulated identities)" in f.reason
    [echo] = [e for e in f.evidence if "egress via eth1" in e.statement]
    assert echo.basis is Basis.SIMULATED and "simulated" in echo.statement
    assert f.details["simulated"] is True


def test_simulated_foreign_identity_fails_and_says_simulated() -> None:
    f = only(egress_host("db1", path("eth1", ident("172.30.0.2", "HK", simulated=True))))
    assert f.verdict is Verdict.FAIL
    assert "simulated" in f.reason


def test_nothing_configured_is_inconclusive_with_what_to_set() -> None:
    f = only(egress_host("db1", echo=False))
    assert f.verdict is Verdict.INCONCLUSIVE
    assert "no ihcheck_echo_url is set" in f.reason and "ihcheck_cloud_metadata_url is not set" in f.reason


def test_private_echo_answer_is_inconclusive() -> None:
    f = only(egress_host("db1", path("eth1", ident("10.0.0.2", private=True))))
    assert f.verdict is Verdict.INCONCLUSIVE
    assert "private address 10.0.0.2" in f.reason


def test_failed_echo_is_inconclusive_and_names_the_failure() -> None:
    f = only(egress_host("db1", path("eth1", error="curl exit 28: Operation timed out")))
    assert f.verdict is Verdict.INCONCLUSIVE
    assert "echo via eth1 failed: curl exit 28" in f.reason


def test_one_uplink_unplaced_makes_a_domestic_result_inconclusive() -> None:
    f = only(egress_host("db1", path("eth1", ident("202.96.128.86")), path("eth2", error="curl exit 7")))
    assert f.verdict is Verdict.INCONCLUSIVE
    assert "egress on the mainland" in f.reason and "eth2" in f.reason


def test_cloud_region_abroad_fails_despite_domestic_egress() -> None:
    f = only(egress_host("db1", path("eth1", ident("202.96.128.86")), cloud=("alibaba", "cn-hongkong", "HK")))
    assert f.verdict is Verdict.FAIL
    assert "alibaba region cn-hongkong, which is in HK" in f.reason
    assert f.reason_zh == "db1 运行在 alibaba 区域 cn-hongkong，该区域位于 HK：境外"


def test_cloud_region_on_the_mainland_passes_without_echo() -> None:
    f = only(egress_host("db1", cloud=("tencent", "ap-guangzhou", "CN"), echo=False))
    assert f.verdict is Verdict.PASS
    assert "tencent region ap-guangzhou, on the mainland" in f.reason
    assert "db1#meta" in f.observations


def test_domestic_region_with_foreign_egress_is_inconclusive() -> None:
    f = only(egress_host("db1", path("eth1", ident("8.8.8.8", "US")), cloud=("huawei", "cn-south-1", "CN")))
    assert f.verdict is Verdict.INCONCLUSIVE
    assert "proxy or tunnel" in f.reason


def test_unknown_region_is_not_taken_as_domestic() -> None:
    f = only(egress_host("db1", cloud=("aws", "xx-new-9", None), echo=False))
    assert f.verdict is Verdict.INCONCLUSIVE
    assert "not in ihcheck's region table" in f.reason


def test_timezone_supports_but_does_not_decide() -> None:
    f = only(egress_host("db1", path("eth1", ident("202.96.128.86")), timezone="America/New_York",
                         ntp=("time.google.com",)))
    assert f.verdict is Verdict.PASS
    assert "supporting signals differ: timezone America/New_York" in f.reason
    assert any("NTP servers time.google.com" in e.statement for e in f.evidence)


def test_probe_error_is_error_and_unreachable_is_inconclusive() -> None:
    broken = HostFacts(name="db1", address="192.0.2.1", reachable=True, errors={"egress": "ProbeError: odd"})
    gone = HostFacts(name="db2", address="192.0.2.2", reachable=False, unreachable_reason="timed out")
    findings = judge(broken, gone)
    assert [f.verdict for f in findings] == [Verdict.ERROR, Verdict.INCONCLUSIVE]
    assert "egress probe failed: ProbeError: odd" in findings[0].reason
    assert "db2 unreachable (timed out)" in findings[1].reason


def test_every_server_is_judged_database_servers_first_and_the_worst_decides() -> None:
    findings = judge(egress_host("app1", path("eth1", ident("8.8.8.8", "US"))),
                     egress_host("db1", path("eth1", ident("202.96.128.86")), db=True))
    assert [f.hosts for f in findings] == [("db1",), ("app1",)]
    assert rule_verdicts(findings) == {DOMESTIC.id: Verdict.FAIL}
