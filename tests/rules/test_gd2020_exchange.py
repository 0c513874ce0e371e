"""The exchange rules over facts changed by hand for what a lab run cannot show. Their example facts
(tests/data/facts/<rule-id>/, recorded from real daemons by tests/probes/test_exchange_probe.py) are judged by
tests/rules/test_examples.py."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from checker.catalogue import gd2020_exchange as rules
from checker.engine import evaluate, rule_verdicts
from checker.model import Verdict
from probes.facts import DeploymentFacts, HostFacts

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "facts"
MY_RULES = {r.id: r for r in (rules.EXCHANGE, rules.TELEMEDICINE, rules.PLATFORM_FEED)}


def load(rule_id: str, verdict: str) -> DeploymentFacts:
    return DeploymentFacts.model_validate_json((EXAMPLES / rule_id / f"{verdict}.json").read_text(encoding="utf-8"))


def _host(facts: DeploymentFacts, **update: object) -> DeploymentFacts:
    host = facts.hosts[0].model_copy(update=update)
    return facts.model_copy(update={"hosts": (host,)})


def test_an_unreachable_host_makes_every_declared_exchange_inconclusive() -> None:
    facts = _host(load(rules.EXCHANGE_ID, "pass"), reachable=False, unreachable_reason="connection refused",
                  exchange=None)
    findings = evaluate(facts, list(MY_RULES.values()))
    assert {f.verdict for f in findings} == {Verdict.INCONCLUSIVE}
    assert all("unreachable (connection refused)" in f.reason for f in findings)
    assert all("无法连接（connection refused）" in f.reason_zh for f in findings)
    assert all(e.basis.value == "declared" for f in findings for e in f.evidence)


def test_a_broken_probe_is_an_error_not_a_pass() -> None:
    facts = _host(load(rules.EXCHANGE_ID, "pass"), exchange=None, errors={"exchange": "RuntimeError: boom"})
    assert set(rule_verdicts(evaluate(facts, list(MY_RULES.values()))).values()) == {Verdict.ERROR}


def test_nothing_declared_is_inconclusive_and_says_what_to_declare() -> None:
    facts = DeploymentFacts(inventory="x", collected_at=load(rules.EXCHANGE_ID, "pass").collected_at,
                            hosts=(HostFacts(name="app1", address="10.0.0.1", reachable=True),))
    findings = evaluate(facts, list(MY_RULES.values()))
    assert {f.verdict for f in findings} == {Verdict.INCONCLUSIVE}
    assert len(findings) == 3  # one finding per rule
    parts = {f.rule_id: f.details["parts"] for f in findings}
    assert list(parts[rules.EXCHANGE_ID]) == ["HIS", "PACS/RIS", "LIS"]
    assert len(parts[rules.FUNCTIONS_ID]) == 5  # the five functions, each with its own verdict
    assert any("ihcheck_telemedicine.ecg" in f.reason for f in findings)


def test_a_stale_push_fails_the_feed() -> None:
    facts = load(rules.PLATFORM_ID, "pass")
    exchange = facts.hosts[0].exchange
    assert exchange is not None
    push = exchange.push[0]
    stale = push.model_copy(update={"max_age_minutes": 1.0})
    facts = _host(facts, exchange=exchange.model_copy(update={"push": (stale,)}))
    finding = next(f for f in evaluate(facts, [rules.PLATFORM_FEED]))
    assert finding.verdict == Verdict.FAIL and "older than the declared 1 min" in finding.reason
    assert finding.reason_zh.startswith("【不符合】省监管平台：") and "超过清单声明的 1 min" in finding.reason_zh


def test_an_unreadable_push_log_is_inconclusive() -> None:
    facts = load(rules.PLATFORM_ID, "pass")
    exchange = facts.hosts[0].exchange
    assert exchange is not None
    lost = exchange.push[0].model_copy(update={"last_success": None, "error": "cannot read /x: No such file"})
    facts = _host(facts, exchange=exchange.model_copy(update={"push": (lost,)}))
    finding = next(f for f in evaluate(facts, [rules.PLATFORM_FEED]))
    assert finding.verdict == Verdict.INCONCLUSIVE and "No such file" in finding.reason


def test_a_platform_over_plain_http_fails_even_when_it_answers() -> None:
    facts = load(rules.PLATFORM_ID, "pass")
    host = facts.hosts[0]
    assert host.exchange is not None
    ecg = next(e for e in host.exchange.exchanges if e.endpoint.name == "ecg")  # an http endpoint that answered
    plain = ecg.model_copy(update={"endpoint": ecg.endpoint.model_copy(update={"system": "platform",
                                                                             "name": "plain"})})
    declared = host.declared.model_copy(update={"exchange": (plain.endpoint,)})
    facts = _host(facts, declared=declared, exchange=host.exchange.model_copy(update={"exchanges": (plain,),
                                                                                     "push": ()}))
    finding = next(f for f in evaluate(facts, [rules.PLATFORM_FEED]))
    assert finding.verdict == Verdict.FAIL and "not encrypted in transit" in finding.reason
    assert "plain：清单声明使用明文 HTTP，未做传输加密（QH2019 四(三)）" in finding.reason_zh


def test_a_handshake_without_a_push_log_is_not_a_feed() -> None:
    facts = load(rules.PLATFORM_ID, "pass")
    host = facts.hosts[0]
    assert host.exchange is not None
    declared = host.declared.model_copy(update={"exchange": tuple(
        e.model_copy(update={"push_log": None}) if e.system == "platform" else e for e in host.declared.exchange)})
    facts = _host(facts, declared=declared, exchange=host.exchange.model_copy(update={"push": ()}))
    finding = next(f for f in evaluate(facts, [rules.PLATFORM_FEED]))
    assert finding.verdict == Verdict.INCONCLUSIVE, finding.reason
    assert "a TLS handshake is not an upload in real time" in finding.reason
    assert "一次 TLS 握手不是“实时上传”" in finding.reason_zh


def test_a_declared_push_log_that_was_not_read_is_not_a_feed() -> None:
    facts = load(rules.PLATFORM_ID, "pass")
    host = facts.hosts[0]
    assert host.exchange is not None
    facts = _host(facts, exchange=host.exchange.model_copy(update={"push": ()}))
    finding = next(f for f in evaluate(facts, [rules.PLATFORM_FEED]))
    assert finding.verdict == Verdict.INCONCLUSIVE and "declared but not read" in finding.reason


def test_a_declared_limit_looser_than_the_ceiling_is_judged_at_the_ceiling() -> None:
    facts = load(rules.PLATFORM_ID, "pass")
    exchange = facts.hosts[0].exchange
    assert exchange is not None
    push = exchange.push[0]
    assert push.host_now is not None
    two_hours_old = push.model_copy(update={"max_age_minutes": 10000.0,
                                            "last_success": push.host_now - timedelta(minutes=120)})
    facts = _host(facts, exchange=exchange.model_copy(update={"push": (two_hours_old,)}))
    finding = next(f for f in evaluate(facts, [rules.PLATFORM_FEED]))
    assert finding.verdict == Verdict.FAIL, finding.reason
    assert f"older than ihcheck's ceiling for real time of {rules.PUSH_AGE_CEILING_MINUTES:g} min" in finding.reason
    assert "清单声明的 10000 min 宽于上限" in finding.reason_zh


def test_a_handshake_from_the_checker_is_not_the_hosts_own_link() -> None:
    facts = load(rules.PLATFORM_ID, "pass")
    host = facts.hosts[0]
    assert host.exchange is not None
    moved = tuple(e.model_copy(update={"results": tuple(r.model_copy(update={"origin": "checker"}) for r in e.results)})
                  if e.endpoint.system == "platform" else e for e in host.exchange.exchanges)
    facts = _host(facts, exchange=host.exchange.model_copy(update={"exchanges": moved}))
    finding = next(f for f in evaluate(facts, [rules.PLATFORM_FEED]))
    assert finding.verdict == Verdict.INCONCLUSIVE, finding.reason
    assert "not from the pushing host" in finding.reason and "而非推送主机" in finding.reason_zh


def test_the_transit_clause_of_qinghai_is_cited_as_si_san() -> None:
    assert "四(三)" in rules.PLATFORM_FEED.clause.interpretation and "三(三)" not in rules.PLATFORM_FEED.clause.interpretation
    assert rules.PLATFORM_FEED.clause.interpretation_zh.startswith("结合青海 2019")


def _his_over_fhir(statement: Mapping[str, object]) -> DeploymentFacts:
    """The pass example with HIS reached only through its EMR's FHIR server, which answered `statement` on a real
    HTTP socket to the FHIR probe's own request and interpretation."""
    from probes.protocols import base, fhir
    from tests.protocols import peers

    with peers.http_server(lambda h: peers.capability(h, dict(statement))) as port:
        request = fhir.request(f"http://127.0.0.1:{port}", timeout=5)
        result = fhir.interpret(base.from_checker(request), request.target)
    facts = load(rules.EXCHANGE_ID, "pass")
    host = facts.hosts[0]
    assert host.exchange is not None
    kept = tuple(e.model_copy(update={"results": tuple(r.model_copy(update={
        "outcome": result.outcome, "detail": result.detail, "fields": result.fields}) for r in e.results)})
        if e.endpoint.system == "emr" else e for e in host.exchange.exchanges if e.endpoint.system != "his")
    declared = host.declared.model_copy(update={"exchange": tuple(e for e in host.declared.exchange
                                                                  if e.system != "his")})
    return _host(facts, declared=declared, exchange=host.exchange.model_copy(update={"exchanges": kept}))


def test_a_stock_node_fhir_server_core_passes_the_his_exchange_with_its_schema_deviation_beside_it() -> None:
    """@asymmetrik/node-fhir-server-core writes `resource.profile` as a Reference object: the exchange worked, so
    the HIS part passes, and the deviation from the FHIR 4.0.1 schema is reported in the same finding."""
    from tests.protocols.test_fhir import NODE_FHIR_SERVER_CORE

    [finding] = evaluate(_his_over_fhir(NODE_FHIR_SERVER_CORE), [rules.EXCHANGE])
    his = finding.details["parts"]["HIS"]
    assert his["verdict"] == "pass", his["reason"]
    assert "deviation(s) from the FHIR 4.0.1 schema, first: " in his["reason"] and "profile" in his["reason"]


def test_an_answer_that_is_not_a_capability_statement_of_a_known_fhir_version_fails_the_his_exchange() -> None:
    from tests.protocols.test_fhir import NODE_FHIR_SERVER_CORE

    for change in ({"fhirVersion": "9.9.9"}, {"resourceType": "Patient"}):
        [finding] = evaluate(_his_over_fhir({**NODE_FHIR_SERVER_CORE, **change}), [rules.EXCHANGE])
        his = finding.details["parts"]["HIS"]
        assert his["verdict"] == "fail", (change, his["reason"])


def test_the_exchange_reading_says_the_fhir_leniency_in_both_languages() -> None:
    clause = rules.EXCHANGE.clause
    assert "node-fhir-server-core" in clause.interpretation and "node-fhir-server-core" in clause.interpretation_zh
    assert "reported beside it" in clause.interpretation and "偏差随结论列出" in clause.interpretation_zh
    assert "CapabilityStatement of a known FHIR version" in clause.interpretation
    assert "不是已知 FHIR 版本的 CapabilityStatement" in clause.interpretation_zh
    assert all(w in clause.interpretation_zh for w in ("符合：", "不符合：", "无法判定："))
