"""FHIR GET [base]/metadata against an HTTP server serving a real CapabilityStatement (over HTTP and HTTPS)."""

from __future__ import annotations

import copy

import pytest

from probes.protocols import base, fhir
from tests.protocols import peers


def metadata(url: str, **options):
    request = fhir.request(url, timeout=5, **options)
    return fhir.interpret(base.from_checker(request), request.target)


def test_capability_statement_is_validated():
    with peers.http_server(peers.capability) as port:
        result = metadata(f"http://127.0.0.1:{port}/fhir")
    assert result.outcome == "ok", result.detail
    assert result.fields["fhir_version"] == "4.0.1"
    assert result.fields["rest_modes"] == ["server"]
    assert result.fields["resource_types"] == ["DiagnosticReport", "Observation", "Patient"]
    assert b"GET /fhir/metadata HTTP/1.0" in __import__("base64").b64decode(result.steps[0].sent)


def test_over_https_with_the_hospital_ca(tmp_path):
    certs = peers.certificates(tmp_path)
    with peers.http_server(peers.capability, tls=certs["good"]) as port:
        result = metadata(f"https://localhost:{port}/", cafile=str(tmp_path / "ca.pem"))
    assert result.outcome == "ok", result.detail
    assert result.tls is not None and result.tls.verified and result.tls.version in ("TLSv1.2", "TLSv1.3")


@pytest.mark.parametrize(("change", "expected"), [
    (lambda s: s.pop("fhirVersion"), "no fhirVersion"),
    (lambda s: s.update(fhirVersion="4.banana"), "not a released FHIR version"),
    (lambda s: s.update(fhirVersion="9.0.0"), "not a released FHIR version"),
    (lambda s: s.update(fhirVersion=4.0), "not a released FHIR version"),
    (lambda s: s["rest"][0].update(mode="client"), "no rest.mode=server"),
    (lambda s: s.update(resourceType="Patient"), "expected a CapabilityStatement"),
])
def test_an_invalid_statement_is_not_ok(change, expected):
    statement = copy.deepcopy(peers.CAPABILITY)
    change(statement)
    with peers.http_server(lambda h: peers.capability(h, statement)) as port:
        result = metadata(f"http://127.0.0.1:{port}")
    assert result.outcome in ("malformed", "rejected") and expected in result.detail, result.detail


def test_not_found_is_rejected_with_the_status():
    with peers.http_server(lambda h: peers.send(h, 404, b"no", "text/plain")) as port:
        result = metadata(f"http://127.0.0.1:{port}")
    assert result.outcome == "rejected" and "404" in result.detail


# node-fhir-server-core's stock CapabilityStatement (its capability statement generator) writes each resource's
# `profile` as a Reference object, as STU3 did; in R4 it is a canonical string.
NODE_FHIR_SERVER_CORE = {
    "resourceType": "CapabilityStatement", "status": "active", "date": "2026-11-01T00:00:00.000Z",
    "publisher": "Not provided", "kind": "instance",
    "software": {"name": "FHIR Server", "version": "2.0.0"},
    "implementation": {"description": "FHIR Server"}, "fhirVersion": "4.0.1", "acceptUnknown": "extensions",
    "format": ["application/fhir+json"],
    "rest": [{"mode": "server", "resource": [
        {"type": "Patient", "profile": {"reference": "http://hl7.org/fhir/patient.html"},
         "interaction": [{"code": "read"}, {"code": "search-type"}], "versioning": "no-version",
         "conditionalCreate": False, "conditionalUpdate": False, "conditionalDelete": "not-supported"}]}],
}


def test_a_stock_node_fhir_server_core_statement_passes_with_its_schema_deviation_beside_it():
    with peers.http_server(lambda h: peers.capability(h, NODE_FHIR_SERVER_CORE)) as port:
        result = metadata(f"http://127.0.0.1:{port}")
    assert result.outcome == "ok", result.detail
    assert result.fields["resource_types"] == ["Patient"] and result.fields["rest_modes"] == ["server"]
    assert result.fields["software"] == "FHIR Server 2.0.0"
    assert result.fields["schema_deviation_count"] >= 1
    assert any("profile" in d for d in result.fields["schema_deviations"])
    assert "deviation(s) from the FHIR 4.0.1 schema" in result.detail


def test_a_statement_missing_a_required_element_is_reported_not_failed():
    statement = copy.deepcopy(peers.CAPABILITY)
    statement.pop("date")
    with peers.http_server(lambda h: peers.capability(h, statement)) as port:
        result = metadata(f"http://127.0.0.1:{port}")
    assert result.outcome == "ok" and result.fields["schema_deviations"][0].startswith("date"), result.detail


@pytest.mark.parametrize("kind", ["self-signed", "expired", "wrong-name"])
def test_https_that_does_not_verify_is_rejected(tmp_path, kind):
    """The TLS probe's test, for the FHIR read over https: a certificate it would refuse is never an ok."""
    certs = peers.certificates(tmp_path)
    with peers.http_server(peers.capability, tls=certs[kind]) as port:
        result = metadata(f"https://localhost:{port}/", cafile=str(tmp_path / "ca.pem"))
    assert result.outcome == "rejected", result.detail
    assert result.detail.startswith("https not verified"), result.detail
