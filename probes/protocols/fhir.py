"""FHIR `GET [base]/metadata`: the server's CapabilityStatement, validated with fhir.resources.

This is the capability interaction every FHIR server must answer (FHIR RESTful API, "capabilities");
it reads nothing of any patient. ok needs HTTP 200, JSON, a CapabilityStatement that validates
against the model of its own fhirVersion (STU3 for 3.0.x, R4B's model for 4.x, R5 for 5.x), and
a `rest` entry with mode `server`. The reply is read up to MAX_BYTES: a 50 MB answer is malformed,
not a reason to run out of memory.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from probes.protocols import http
from probes.protocols.base import ExchangeResult, Request, WireReply

MAX_BYTES = 2 * 1024 * 1024  # HAPI: ~300 KB; base64 of 2 MiB stays under the transport's 4 MiB output cap
ACCEPT = "application/fhir+json, application/json;q=0.9"


def request(base_url: str, *, timeout: float = 10.0, cafile: str | None = None) -> Request:
    url = http.split(base_url)
    path = url.path.rstrip("/") + "/metadata"
    return http.get(url, path, accept=ACCEPT, timeout=timeout, max_bytes=MAX_BYTES, label="FHIR capabilities",
                    cafile=cafile)


def _model(version: str) -> Any:
    major = version.split(".")[0]
    if major == "3":
        from fhir.resources.STU3.capabilitystatement import CapabilityStatement as Stu3

        return Stu3
    if major == "4":
        from fhir.resources.R4B.capabilitystatement import CapabilityStatement as R4b

        return R4b
    if major == "5":
        from fhir.resources.capabilitystatement import CapabilityStatement as R5

        return R5
    raise ValueError(f"fhirVersion {version!r} is not one ihcheck can validate (3.x, 4.x, 5.x)")


def validate(document: Any) -> dict[str, Any]:
    """The facts of a CapabilityStatement, or ValueError saying why it is not a valid one."""
    if not isinstance(document, dict) or document.get("resourceType") != "CapabilityStatement":
        kind = document.get("resourceType") if isinstance(document, dict) else type(document).__name__
        raise ValueError(f"expected a CapabilityStatement, got {kind!r}")
    version = str(document.get("fhirVersion") or "")
    if not version:
        raise ValueError("the CapabilityStatement has no fhirVersion")
    try:
        statement = _model(version).model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"CapabilityStatement invalid for FHIR {version}: {where}: {first['msg']}") from None
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
    unreached = reply.unreached("fhir", target)
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
    return reply.result("fhir", target, "ok", f"CapabilityStatement fhirVersion {fields['fhir_version']}, "
                        f"rest.mode=server, {len(types)} resource type(s): {shown or 'none'}", fields)
