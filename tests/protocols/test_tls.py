"""TLS handshakes against openssl s_server with certificates made in the test: good, expired, self-signed,
wrong name."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from probes.protocols import base, tls
from tests.protocols import peers


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("certs")
    return workdir / "ca.pem", peers.certificates(workdir)


def handshake(port: int, cafile, name="localhost"):
    request = tls.request("127.0.0.1", port, server_name=name, cafile=str(cafile), timeout=5)
    return tls.interpret(base.from_checker(request), request.target)


def test_good_certificate_verifies(certs):
    ca, made = certs
    with peers.s_server(*made["good"]) as port:
        result = handshake(port, ca)
    assert result.outcome == "ok", result.detail
    assert result.fields["version"] in ("TLSv1.2", "TLSv1.3") and result.fields["cipher"]
    assert result.fields["issuer"] == "CN=ihcheck test CA" and "localhost" in result.fields["subject_alt_names"]
    assert datetime.fromisoformat(result.fields["not_after"]) > datetime.now(UTC)
    assert result.fields["days_left"] >= 360


@pytest.mark.parametrize(("kind", "words"), [
    ("expired", "certificate has expired"),
    ("self-signed", "self-signed certificate"),
    ("wrong-name", "Hostname mismatch"),
])
def test_bad_certificates_are_rejected_with_the_verifiers_words(certs, kind, words):
    ca, made = certs
    with peers.s_server(*made[kind]) as port:
        result = handshake(port, ca)
    assert result.outcome == "rejected"
    assert words in result.detail
    assert result.fields["not_after"]  # the dates are still reported
    if kind == "expired":
        assert result.fields["days_left"] < 0


def test_unknown_ca_is_rejected(certs):
    _, made = certs
    with peers.s_server(*made["good"]) as port:
        request = tls.request("127.0.0.1", port, server_name="localhost", timeout=5)  # the system store only
        result = tls.interpret(base.from_checker(request), request.target)
    assert result.outcome == "rejected" and "unable to get local issuer certificate" in result.detail
