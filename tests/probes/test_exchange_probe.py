"""The exchange probe against a whole hospital side made of real daemons on loopback: a DICOM SCP (dcmtk
storescp) for PACS and one for pathology, MLLP listeners (hl7apy) for HIS and LIS, an HTTP server with a
real CapabilityStatement, an ECG health endpoint, and the platform behind openssl s_server with a
certificate from a test CA — then the three rules judge what it saw.

With IHCHECK_RECORD_EXAMPLES=1 the facts are written to tests/data/facts/<rule-id>/<verdict>.json, the
examples tests/rules/test_gd2020_exchange.py re-judges offline.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from checker.catalogue import gd2020_exchange as rules
from checker.engine import evaluate, rule_verdicts
from checker.model import Verdict
from probes import exchange
from probes.facts import DeploymentFacts, HostFacts
from probes.facts.declared import Declarations
from probes.facts.declared_exchange import declare
from tests.daemons import free_port
from tests.probes.conftest import local_session
from tests.protocols import peers

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "facts"
RULES = (rules.EXCHANGE, rules.TELEMEDICINE, rules.PLATFORM_FEED)


@pytest.fixture(scope="module")
def hospital(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    workdir = tmp_path_factory.mktemp("hospital")
    certs = peers.certificates(workdir)
    log = workdir / "platform-push.log"
    now = datetime.now().astimezone()
    log.write_text("".join(f"{(now - timedelta(minutes=m)):%Y-%m-%d %H:%M:%S%z} platform push {word}\n"
                           for m, word in ((50, "OK"), (4, "OK"), (2, "FAILED"))))
    with ExitStack() as stack:
        yield {
            "pacs": stack.enter_context(peers.storescp("PACS")),
            "pathology": stack.enter_context(peers.storescp("PATHOLOGY")),
            "his": stack.enter_context(peers.mllp_server(peers.ack("AA"))),
            "his_rejects": stack.enter_context(peers.mllp_server(peers.ack("AR", "HIS refuses the sender"))),
            "lis": stack.enter_context(peers.mllp_server(peers.ack("CA"))),
            "fhir": stack.enter_context(peers.http_server(peers.capability)),
            "ecg": stack.enter_context(peers.http_server(lambda h: peers.send(h, 200, b"ECG OK", "text/plain"))),
            "platform": stack.enter_context(peers.s_server(*certs["good"])),
            "platform_expired": stack.enter_context(peers.s_server(*certs["expired"])),
            "ca": str(workdir / "ca.pem"), "log": str(log),
        }


def declarations(h: dict[str, Any], **change: Any) -> Declarations:
    """The compliant hospital; `change` replaces one entry's fields by name (e.g. pacs={"port": N})."""
    entries: list[dict[str, Any]] = [
        {"name": "pacs", "system": "pacs", "protocol": "dicom", "address": "127.0.0.1", "port": h["pacs"],
         "called_ae_title": "PACS"},
        {"name": "pathology", "system": "pathology", "protocol": "dicom", "address": "127.0.0.1",
         "port": h["pathology"], "called_ae_title": "PATHOLOGY"},
        {"name": "his", "system": "his", "protocol": "hl7v2", "address": "127.0.0.1", "port": h["his"],
         "receiving_application": "HIS", "receiving_facility": "HOSPITAL"},
        {"name": "lis", "system": "lis", "protocol": "hl7v2", "address": "127.0.0.1", "port": h["lis"],
         "receiving_application": "LIS", "message_type": "QRY^A19", "processing_id": "T"},
        {"name": "emr", "system": "emr", "protocol": "fhir", "url": f"http://127.0.0.1:{h['fhir']}/fhir"},
        {"name": "ecg", "system": "ecg", "protocol": "http", "url": f"http://127.0.0.1:{h['ecg']}/health",
         "expect_text": "ECG OK"},
        {"name": "platform", "system": "platform", "protocol": "https", "address": "127.0.0.1",
         "port": h["platform"], "server_name": "localhost", "ca_file": h["ca"],
         "push_log": {"path": h["log"], "success": "push OK", "max_age_minutes": 15}},
    ]
    for entry in entries:
        entry.update(change.get(entry["name"], {}))
    return Declarations(exchange=tuple(declare(e) for e in entries),
                        telemedicine={"consultation": "emr", "outpatient": "his", "pathology": "pathology",
                                      "imaging": "pacs", "ecg": "ecg"})


def probe(declared: Declarations) -> DeploymentFacts:
    session = local_session(declared)
    facts = exchange.collect(session)
    host = HostFacts(name=session.host.name, address="127.0.0.1", reachable=True, transport="local", declared=declared,
                     exchange=facts)
    return DeploymentFacts(inventory="tests/probes/test_exchange_probe.py", collected_at=datetime.now(UTC),
                           hosts=(host,))


def verdicts(facts: DeploymentFacts) -> dict[str, Verdict]:
    return rule_verdicts(evaluate(facts, RULES))


def record(facts: DeploymentFacts, rule_id: str, verdict: str) -> None:
    if os.environ.get("IHCHECK_RECORD_EXAMPLES") == "1":
        folder = EXAMPLES / rule_id
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{verdict}.json").write_text(facts.model_dump_json(indent=1) + "\n", encoding="utf-8")


def test_a_compliant_hospital_passes_every_exchange_rule_with_protocol_evidence(hospital):
    facts = probe(declarations(hospital))
    observed = {e.endpoint.name: e.result for e in facts.hosts[0].exchange.exchanges}  # type: ignore[union-attr]
    assert {n: r.outcome for n, r in observed.items()} == dict.fromkeys(observed, "ok")
    assert all(r.origin == "local" for r in observed.values())  # run on the host, over its transport
    assert observed["pacs"].fields["called_ae_title"] == "PACS" and observed["pacs"].fields["status"] == 0
    assert observed["his"].fields["msa_1"] == "AA" and observed["lis"].fields["msa_1"] == "CA"
    assert observed["emr"].fields["fhir_version"] == "4.0.1"
    assert observed["platform"].fields["version"] in ("TLSv1.2", "TLSv1.3")
    push = facts.hosts[0].exchange.push[0]  # type: ignore[union-attr]
    assert push.age_minutes is not None and 3.5 < push.age_minutes < 6
    assert verdicts(facts) == dict.fromkeys((r.id for r in RULES), Verdict.PASS)
    findings = evaluate(facts, RULES)
    text = " ".join(e.statement for f in findings for e in f.evidence)
    for words in ("IHCHECK → PACS accepted", "C-ECHO status 0x0000 Success", "MSA-1 AA", "fhirVersion 4.0.1",
                  "TLSv1.", "valid ", "last successful push"):
        assert words in text
    for rule in RULES:
        record(facts, rule.id, "pass")


def test_pacs_down_fails_the_exchange_and_the_imaging_function(hospital):
    facts = probe(declarations(hospital, pacs={"port": free_port()}))
    got = verdicts(facts)
    assert got[rules.EXCHANGE_ID] == Verdict.FAIL and got[rules.FUNCTIONS_ID] == Verdict.FAIL
    assert got[rules.PLATFORM_ID] == Verdict.PASS
    parts = {name: part for f in evaluate(facts, RULES) for name, part in f.details["parts"].items()}
    failing = {name for name, part in parts.items() if part["verdict"] == "fail"}
    assert failing == {"PACS/RIS", "远程医学影像诊断 (imaging)"}
    assert all("nothing listens" in parts[name]["reason"] for name in failing)
    record(facts, rules.EXCHANGE_ID, "fail")


def test_hl7_reject_fails_with_the_receivers_text(hospital):
    facts = probe(declarations(hospital, his={"port": hospital["his_rejects"]}))
    finding = next(f for f in evaluate(facts, RULES) if f.rule_id == rules.EXCHANGE_ID)
    his = finding.details["parts"]["HIS"]
    assert finding.verdict == Verdict.FAIL and his["verdict"] == "fail"
    assert "MSA-1 AR" in his["reason"] and "HIS refuses the sender" in finding.reason
    record(facts, rules.FUNCTIONS_ID, "fail")  # outpatient runs on that HIS


def test_expired_platform_certificate_fails_the_feed(hospital):
    facts = probe(declarations(hospital, platform={"port": hospital["platform_expired"]}))
    got = verdicts(facts)
    assert got == {rules.EXCHANGE_ID: Verdict.PASS, rules.FUNCTIONS_ID: Verdict.PASS, rules.PLATFORM_ID: Verdict.FAIL}
    finding = next(f for f in evaluate(facts, RULES) if f.rule_id == rules.PLATFORM_ID)
    assert "certificate has expired" in finding.reason
    record(facts, rules.PLATFORM_ID, "fail")


def test_systems_that_cannot_be_reached_are_inconclusive_never_pass(hospital):
    nowhere = {"address": "nowhere.invalid"}
    facts = probe(declarations(hospital, pacs=nowhere, his=nowhere, lis=nowhere, pathology=nowhere,
                               emr={"url": "http://nowhere.invalid/fhir"}, ecg={"url": "http://nowhere.invalid/"},
                               platform=nowhere))
    got = verdicts(facts)
    assert got == dict.fromkeys((r.id for r in RULES), Verdict.INCONCLUSIVE)
    for rule in RULES:
        record(facts, rule.id, "inconclusive")
