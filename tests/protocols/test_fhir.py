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
    (lambda s: s.pop("date"), "CapabilityStatement invalid for FHIR 4.0.1: date"),
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
