"""A TLS handshake with an endpoint (the supervision platform, a web service): version, cipher, the
certificate's subject, issuer, names and dates, and whether the chain and name verify.

Verification is the client's own (Python's ssl, the host's trust store or a declared CA file), so
the answer is the one the pushing host's software would get. The certificate is read with
cryptography. ok needs a verified handshake, TLS 1.2 or newer, and a certificate valid now;
an expired, self-signed, untrusted or wrong-name certificate is `rejected` with the verifier's words.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

from pydantic import Field

from probes.facts.exchange_result import TlsSession
from probes.protocols.declaration import Endpoint, Interpret
from probes.protocols.reply import ExchangeResult, Outcome, Protocol, Request, WireReply

MIN_VERSIONS = ("TLSv1.2", "TLSv1.3")


def request(host: str, port: int, *, server_name: str | None = None, cafile: str | None = None,
            timeout: float = 10.0) -> Request:
    return Request(host=host, port=port, timeout=timeout, max_bytes=1, steps=(), tls=True,
                   tls_server_name=server_name or host, tls_cafile=cafile,
                   label=f"TLS handshake (SNI {server_name or host}) → {host}:{port}")


def certificate_fields(der: bytes) -> dict[str, Any]:
    from cryptography import x509  # imported when a certificate is read: not with every inventory read
    from cryptography.x509.oid import NameOID

    cert = x509.load_der_x509_certificate(der)
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        san = [str(v) for v in names.get_values_for_type(x509.DNSName)]
        san += [str(v) for v in names.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        san = []
    common = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return {
        "subject": cert.subject.rfc4514_string(), "issuer": cert.issuer.rfc4514_string(),
        "common_name": str(common[0].value) if common else None, "subject_alt_names": san,
        "not_before": cert.not_valid_before_utc.isoformat(), "not_after": cert.not_valid_after_utc.isoformat(),
        "serial": format(cert.serial_number, "x"), "self_issued": cert.subject == cert.issuer,
        "signature_algorithm": cert.signature_algorithm_oid._name,
    }


def judge(session: TlsSession | None, *, now: datetime | None = None) -> tuple[str | None, str, dict[str, Any]]:
    """Why this handshake does not count as verified (None: it does), what it was, and its facts: the one test
    every https exchange passes (the TLS probe, FHIR, HTTP health), so none of them trusts a certificate the
    others would refuse — self-signed or from an undeclared CA, for another name, expired, or TLS < 1.2."""
    if session is None or not session.certificate:
        return "no certificate was presented", "", {}
    fields: dict[str, Any] = {"version": session.version, "cipher": session.cipher, "verified": session.verified,
                              "verify_error": session.verify_error}
    try:
        fields |= certificate_fields(base64.b64decode(session.certificate))
    except ValueError as exc:
        return f"the certificate cannot be read: {exc}", "", fields
    moment = now or datetime.now(UTC)
    until = datetime.fromisoformat(fields["not_after"])
    since = datetime.fromisoformat(fields["not_before"])
    fields["days_left"] = (until - moment).days
    said = (f"{session.version}, {session.cipher}, certificate {fields['subject']} "
            f"(valid {since:%Y-%m-%d} to {until:%Y-%m-%d})")
    if not session.verified:
        return f"certificate does not verify: {session.verify_error}", said, fields
    if not since <= moment <= until:
        return "certificate not valid now", said, fields
    if session.version not in MIN_VERSIONS:
        return f"{session.version} is older than TLS 1.2", said, fields
    return None, said, fields


def unverified(reply: WireReply, protocol: Protocol, target: str) -> ExchangeResult | None:
    """`rejected` when the exchange ran over TLS that does not verify as the TLS probe requires (the wire still
    read the reply over it, so the evidence shows what the server said); None over verified TLS or
    none at all."""
    if reply.tls is None:
        return None
    refused, said, fields = judge(reply.tls)
    if refused is None:
        return None
    layer = "https" if protocol in ("fhir", "http") else "TLS"
    detail = f"{layer} not verified: {refused}" + (f"; {said}" if said else "")
    return reply.result(protocol, target, "rejected", detail, {"tls": fields})


def interpret(reply: WireReply, target: str, *, now: datetime | None = None) -> ExchangeResult:
    unreached = reply.unreached("tls", target)
    if unreached is not None:
        return unreached
    refused, said, fields = judge(reply.tls, now=now)
    if refused is not None:
        outcome: Outcome = "malformed" if not said else "rejected"
        return reply.result("tls", target, outcome, f"{refused}; {said}" if said else refused, fields)
    return reply.result("tls", target, "ok", f"verified handshake: {said}, issuer {fields['issuer']}", fields)


class HttpsEndpoint(Endpoint):
    """An endpoint proven by a verified TLS handshake (the supervision platform, a web service):
    `{protocol: https, address, port: 443, server_name, ca_file}`."""

    speaks: ClassVar[Protocol] = "tls"

    default_port: ClassVar[int | None] = 443
    protocol: Literal["https"]
    address: str = Field(min_length=1)
    server_name: str | None = None
    ca_file: str | None = Field(default=None, description="CA bundle (PEM) on the machine the exchange runs from")

    def plan(self) -> tuple[Request, Interpret]:
        req = request(self.address, self.target_port, server_name=self.server_name, cafile=self.ca_file,
                      timeout=self.timeout)
        return req, lambda reply: interpret(reply, req.target)
