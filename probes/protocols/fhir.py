"""FHIR `GET [base]/metadata`: the server's CapabilityStatement, validated with fhir.resources.

This is the capability interaction every FHIR server must answer (FHIR RESTful API, "capabilities");
it reads nothing of any patient. ok needs HTTP 200, JSON, a CapabilityStatement of a released
fhirVersion (3.0.x, 4.0.x, 4.3.0, 5.0.0) with a `rest` entry of mode `server`; where it deviates
from the model of its version (STU3, R4B's for 4.x, R5) the deviations are reported beside the ok,
because the exchange itself worked. Over https the handshake must verify as the TLS probe's does.
The reply is read up to MAX_BYTES: a 50 MB answer is malformed, not a reason to run out of memory.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, Literal

from pydantic import Field, ValidationError

from probes.protocols import http, tls
from probes.protocols.declaration import Endpoint, Interpret
from probes.protocols.reply import ExchangeResult, Protocol, Request, WireReply

MAX_BYTES = 2 * 1024 * 1024  # HAPI: ~300 KB; base64 of 2 MiB stays under the transport's 4 MiB output cap
ACCEPT = "application/fhir+json, application/json;q=0.9"


def request(base_url: str, *, timeout: float = 10.0, cafile: str | None = None) -> Request:
    url = http.split(base_url)
    path = url.path.rstrip("/") + "/metadata"
    return http.get(url, path, accept=ACCEPT, timeout=timeout, max_bytes=MAX_BYTES, label="FHIR capabilities",
                    cafile=cafile)


# The released versions in FHIR's own code system http://hl7.org/fhir/FHIR-version (ValueSet FHIR-version,
# hl7.org/fhir), each with the fhir.resources model that reads it: R4's CapabilityStatement is read with R4B's.
KNOWN_VERSIONS: dict[str, str] = {
    "3.0.0": "STU3", "3.0.1": "STU3", "3.0.2": "STU3", "4.0.0": "R4B", "4.0.1": "R4B", "4.3.0": "R4B", "5.0.0": "R5",
}
DEVIATIONS_KEPT = 5


def _model(version: str) -> Any:
    release = KNOWN_VERSIONS.get(version)
    if release == "STU3":
        from fhir.resources.STU3.capabilitystatement import CapabilityStatement as Stu3

        return Stu3
    if release == "R4B":
        from fhir.resources.R4B.capabilitystatement import CapabilityStatement as R4b

        return R4b
    if release == "R5":
        from fhir.resources.capabilitystatement import CapabilityStatement as R5

        return R5
    raise ValueError(f"fhirVersion {version!r} is not a released FHIR version ({', '.join(KNOWN_VERSIONS)})")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _lenient(document: dict[str, Any]) -> dict[str, Any]:
    """The same facts read from the JSON itself, for a statement that deviates from its version's schema."""
    listed = document.get("rest")
    rest = [r for r in listed if isinstance(r, dict)] if isinstance(listed, list) else []
    servers = [r for r in rest if r.get("mode") == "server"]
    software = document.get("software") if isinstance(document.get("software"), dict) else None
    listed_formats = document.get("format")
    formats: list[Any] = listed_formats if isinstance(listed_formats, list) else []
    return {
        "status": _text(document.get("status")), "kind": _text(document.get("kind")),
        "software": f"{_text(software.get('name')) or ''} {_text(software.get('version')) or ''}".strip() or None
        if software else None,
        "formats": [f for f in formats if isinstance(f, str)], "rest_modes": [_text(r.get("mode")) for r in rest],
        "resource_types": sorted({t for r in servers if isinstance(r.get("resource"), list) for res in r["resource"]
                                  if isinstance(res, dict) and (t := _text(res.get("type")))}),
    }


def validate(document: Any) -> dict[str, Any]:
    """The facts of a CapabilityStatement of a released FHIR version, or ValueError saying why the answer is not
    one. Where it deviates from its version's schema (node-fhir-server-core writes `rest.resource.profile` as a
    Reference object, a canonical in R4), the exchange still worked: the deviations are reported beside the facts
    (`schema_deviations`), read from the JSON itself."""
    if not isinstance(document, dict) or document.get("resourceType") != "CapabilityStatement":
        kind = document.get("resourceType") if isinstance(document, dict) else type(document).__name__
        raise ValueError(f"expected a CapabilityStatement, got {kind!r}")
    version = document.get("fhirVersion")
    if not version:
        raise ValueError("the CapabilityStatement has no fhirVersion")
    if not isinstance(version, str) or version not in KNOWN_VERSIONS:
        raise ValueError(f"fhirVersion {version!r} is not a released FHIR version ({', '.join(KNOWN_VERSIONS)})")
    try:
        statement = _model(version).model_validate(document)
    except ValidationError as exc:
        deviations = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        return {"fhir_version": version, **_lenient(document), "schema_deviations": deviations[:DEVIATIONS_KEPT],
                "schema_deviation_count": len(deviations)}
    rest = list(statement.rest or [])
    servers = [r for r in rest if r.mode == "server"]
    software = statement.software
    return {
        "fhir_version": version, "status": statement.status, "kind": statement.kind,
        "software": f"{software.name} {software.version or ''}".strip() if software else None,
        "formats": list(statement.format or []), "rest_modes": [r.mode for r in rest],
        "resource_types": sorted({str(res.type) for r in servers for res in (r.resource or [])}),
    }


def interpret(reply: WireReply, target: str) -> ExchangeResult:
    unreached = reply.unreached("fhir", target) or tls.unverified(reply, "fhir", target)
    if unreached is not None:
        return unreached
    if not reply.steps:
        return reply.result("fhir", target, "silent", "connected, but the request could not be sent")
    data, end = reply.steps[0][1], reply.steps[0][2]
    if end == "cap":
        return reply.result("fhir", target, "malformed", f"the reply exceeded {MAX_BYTES // (1024 * 1024)} MiB: "
                            "read no further")
    if end == "timeout" and not data:
        return reply.result("fhir", target, "silent", "request sent, no HTTP reply in time")
    try:
        response = http.parse(data)
    except ValueError as exc:
        return reply.result("fhir", target, "malformed", str(exc))
    fields: dict[str, Any] = {"http_status": response.status, "content_type": response.headers.get("content-type")}
    if end == "timeout":
        return reply.result("fhir", target, "silent", f"{response.status_line}, but the body did not end in time",
                            fields)
    if response.status != 200:
        return reply.result("fhir", target, "rejected", f"GET metadata answered {response.status_line}", fields)
    try:
        document = json.loads(response.body)
    except ValueError:
        return reply.result("fhir", target, "malformed",
                            f"GET metadata answered 200 but not JSON ({fields['content_type'] or 'no content type'}): "
                            f"{response.body[:40]!r}", fields)
    try:
        fields |= validate(document)
    except ValueError as exc:
        return reply.result("fhir", target, "malformed", str(exc), fields)
    if "server" not in fields["rest_modes"]:
        return reply.result("fhir", target, "rejected",
                            f"CapabilityStatement (FHIR {fields['fhir_version']}) declares no rest.mode=server", fields)
    types = fields["resource_types"]
    shown = ", ".join(types[:8]) + (f" and {len(types) - 8} more" if len(types) > 8 else "")
    count = fields.get("schema_deviation_count", 0)
    deviation = f"; {count} deviation(s) from the FHIR {fields['fhir_version']} schema, first: " \
                f"{fields['schema_deviations'][0]}" if count else ""
    return reply.result("fhir", target, "ok", f"CapabilityStatement fhirVersion {fields['fhir_version']}, "
                        f"rest.mode=server, {len(types)} resource type(s): {shown or 'none'}{deviation}", fields)


class FhirEndpoint(Endpoint):
    """A FHIR server (EMR, HIS) proven by its CapabilityStatement: `{protocol: fhir, url, ca_file}`; an https
    base URL is verified as the TLS probe does."""

    speaks: ClassVar[Protocol] = "fhir"

    takes_url: ClassVar[bool] = True
    protocol: Literal["fhir"]
    url: str = Field(min_length=1, description="the FHIR base URL")
    ca_file: str | None = Field(default=None, description="CA bundle (PEM) on the machine the exchange runs from")

    def plan(self) -> tuple[Request, Interpret]:
        req = request(self.url, timeout=self.timeout, cafile=self.ca_file)
        return req, lambda reply: interpret(reply, req.target)
