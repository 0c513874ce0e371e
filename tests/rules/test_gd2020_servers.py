"""GD2020 一(二)3 first sentence over constructed facts: each verdict and the reason behind it."""

from __future__ import annotations

from checker.catalogue.gd2020_servers import DB_APP_SPLIT, SERVERS
from checker.engine import evaluate
from checker.model import Basis, Verdict
from probes.facts.connections import ConnectionFacts, OutboundConnection
from tests.factories import deployment, host


def one(rule, facts):
    [finding] = evaluate(facts, [rule])
    return finding


def test_two_machines_pass() -> None:
    f = one(SERVERS, deployment(host("app1", "nginx"), host("db1", "postgresql")))
    assert f.verdict is Verdict.PASS
    assert "2 distinct servers" in f.reason
    assert f.observations == ("app1#1", "db1#1")


def test_one_machine_fails() -> None:
    f = one(SERVERS, deployment(host("only", "nginx", "postgresql")))
    assert f.verdict is Verdict.FAIL
    assert "only 1 distinct server" in f.reason


def test_two_names_for_one_machine_count_once() -> None:
    f = one(SERVERS, deployment(host("app1", machine_id="same"), host("app1-alias", machine_id="same")))
    assert f.verdict is Verdict.FAIL
    assert "app1, app1-alias are one machine" in f.reason


def test_unreachable_host_makes_too_few_inconclusive_not_fail() -> None:
    f = one(SERVERS, deployment(host("app1", "nginx"), host("db1", reachable=False)))
    assert f.verdict is Verdict.INCONCLUSIVE
    assert "db1 unreachable" in f.reason
    assert f.hosts == ("app1", "db1")


def test_enough_servers_pass_despite_an_unreachable_third() -> None:
    f = one(SERVERS, deployment(host("a"), host("b"), host("c", reachable=False)))
    assert f.verdict is Verdict.PASS


def test_identity_probe_error_is_error_not_counted() -> None:
    f = one(SERVERS, deployment(host("a"), host("b", errors={"identity": "ProbeError: garbled"})))
    assert f.verdict is Verdict.ERROR
    assert "identity probe failed" in f.reason


def test_split_pass() -> None:
    f = one(DB_APP_SPLIT, deployment(host("app1", "nginx"), host("db1", "postgresql")))
    assert f.verdict is Verdict.PASS
    assert f.details["database_servers"] == ["db1"]
    assert f.details["application_servers"] == ["app1"]
    assert any("postgres (pid 5532) listening on 0.0.0.0:5432/tcp → PostgreSQL (database)" in e.statement
               for e in f.evidence)


def test_split_evidence_names_the_applications_connections_to_the_database_server() -> None:
    pool = ConnectionFacts(outbound=(
        OutboundConnection(peer_address="10.0.0.9", peer_port=5432, process="java", count=8),
        OutboundConnection(peer_address="10.0.0.9", peer_port=22, process="ssh", count=1),  # not a database port
        OutboundConnection(peer_address="127.0.0.1", peer_port=6379, process="java", count=2),  # loopback: no host
    ), observations=("app1#7",))
    db = host("db1", "postgresql").model_copy(update={"address": "10.0.0.9"})
    f = one(DB_APP_SPLIT, deployment(host("app1", "tomcat", connections=pool), db))
    assert f.verdict is Verdict.PASS
    links = [e for e in f.evidence if "connection(s)" in e.statement]
    assert [(e.statement, e.observations, e.basis) for e in links] == [
        ("app1 → db1: 8 connection(s) from java to PostgreSQL on 10.0.0.9:5432", ("app1#7",), Basis.OBSERVED)]


def test_connections_do_not_make_a_combined_host_pass() -> None:
    pool = ConnectionFacts(outbound=(OutboundConnection(peer_address="10.0.0.9", peer_port=5432, process="java"),))
    db = host("db1", "postgresql").model_copy(update={"address": "10.0.0.9"})
    f = one(DB_APP_SPLIT, deployment(host("app1", "tomcat", "mysql", connections=pool), db))
    assert f.verdict is Verdict.FAIL


def test_split_fails_when_database_runs_on_the_application_host() -> None:
    f = one(DB_APP_SPLIT, deployment(host("app1", "nginx", "mysql"), host("db1", "postgresql")))
    assert f.verdict is Verdict.FAIL
    assert "same machine: app1" in f.reason


def test_split_fails_across_aliases_of_one_machine() -> None:
    f = one(DB_APP_SPLIT, deployment(host("web", "nginx", machine_id="m"), host("db", "postgresql", machine_id="m")))
    assert f.verdict is Verdict.FAIL


def test_split_inconclusive_without_any_database() -> None:
    f = one(DB_APP_SPLIT, deployment(host("app1", "nginx"), host("app2", "tomcat")))
    assert f.verdict is Verdict.INCONCLUSIVE
    assert "no database server observed" in f.reason


def test_split_inconclusive_when_roles_come_from_ports_only() -> None:
    f = one(DB_APP_SPLIT, deployment(host("app1", "nginx", matched_by="port"), host("db1", "postgresql")))
    assert f.verdict is Verdict.INCONCLUSIVE
    assert "port numbers only" in f.reason


def test_split_inconclusive_when_a_host_could_not_be_observed() -> None:
    f = one(DB_APP_SPLIT, deployment(host("app1", "nginx"), host("db1", "postgresql"), host("x", reachable=False)))
    assert f.verdict is Verdict.INCONCLUSIVE
    assert "could not observe x" in f.reason


def test_split_error_on_services_probe_failure_is_named() -> None:
    f = one(DB_APP_SPLIT, deployment(host("app1", "nginx"), host("db1", errors={"services": "ProbeError: bad ss"})))
    assert f.verdict is Verdict.ERROR
    assert "services probe failed: ProbeError: bad ss" in f.reason


def test_declared_role_is_recorded_as_declared_never_observed() -> None:
    from probes.facts.declared import Declarations

    facts = deployment(host("app1", "nginx", declared=Declarations(role=("database",))), host("db1", "postgresql"))
    f = one(DB_APP_SPLIT, facts)
    declared = [e for e in f.evidence if e.basis is Basis.DECLARED]
    assert declared and "declares role(s) database" in declared[0].statement
    assert f.verdict is Verdict.PASS  # the declaration does not make app1 a database server


def test_a_rule_that_raises_is_error_for_that_rule_only() -> None:
    from dataclasses import replace

    def broken(facts):
        raise ValueError("boom")

    findings = evaluate(deployment(host("a"), host("b")), [replace(SERVERS, judge=broken), DB_APP_SPLIT])
    assert [f.verdict for f in findings] == [Verdict.ERROR, Verdict.INCONCLUSIVE]
    assert "ValueError: boom" in findings[0].reason


def _on_kernel(h, boot_id: str, virt: str = "podman", simulated: bool = False):
    assert h.identity is not None
    ident = h.identity.model_copy(update={"boot_id": boot_id, "virtualization": virt})
    declared = h.declared.model_copy(update={"simulated_separate_servers": simulated})
    return h.model_copy(update={"identity": ident, "declared": declared})


def test_containers_on_one_kernel_are_one_server_and_the_reason_says_so() -> None:
    facts = deployment(_on_kernel(host("app1", "nginx"), "b00t"), _on_kernel(host("db1", "postgresql"), "b00t"))
    f = one(SERVERS, facts)
    assert f.verdict is Verdict.FAIL, f.reason
    assert "app1, db1 run on one kernel (boot_id b00t, virtualisation podman): one machine" in f.reason
    assert "app1、db1 运行在同一个内核上（boot_id b00t，虚拟化 podman），是同一台机器" in f.reason_zh
    assert f.details["virtualization"] == {"app1": "podman", "db1": "podman"}
    assert any("virtualisation podman, kernel boot_id b00t" in e.statement for e in f.evidence)


def test_database_and_application_on_one_kernel_are_not_split() -> None:
    facts = deployment(_on_kernel(host("app1", "nginx"), "b00t"), _on_kernel(host("db1", "postgresql"), "b00t"))
    f = one(DB_APP_SPLIT, facts)
    assert f.verdict is Verdict.FAIL and "run on the same machine: app1, db1" in f.reason


def test_different_kernels_stay_apart() -> None:
    facts = deployment(_on_kernel(host("app1", "nginx"), "k1", "kvm"), _on_kernel(host("db1", "postgresql"), "k2"))
    assert one(SERVERS, facts).verdict is Verdict.PASS and one(DB_APP_SPLIT, facts).verdict is Verdict.PASS


def test_a_simulation_may_declare_its_containers_separate_and_is_reported_as_simulated() -> None:
    facts = deployment(_on_kernel(host("app1", "nginx"), "b00t", simulated=True),
                       _on_kernel(host("db1", "postgresql"), "b00t", simulated=True))
    for rule in (SERVERS, DB_APP_SPLIT):
        f = one(rule, facts)
        assert f.verdict is Verdict.PASS, f.reason
        assert "count as separate servers only because the inventory declares a simulation" in f.reason
        assert "simulated, not observed" in f.reason and "这是模拟，不是观测" in f.reason_zh
        assert "servers observed" not in f.reason
        assert {e.host for e in f.evidence if e.basis is Basis.SIMULATED} == {"app1", "db1"}


def test_one_undeclared_host_on_the_kernel_still_merges() -> None:
    facts = deployment(_on_kernel(host("app1", "nginx"), "b00t"),
                       _on_kernel(host("db1", "postgresql"), "b00t", simulated=True),
                       _on_kernel(host("db2", "postgresql"), "b00t"))
    f = one(SERVERS, facts)
    assert f.details["distinct_servers"] == 2 and "app1, db2 run on one kernel" in f.reason
