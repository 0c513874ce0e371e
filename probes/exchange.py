"""Prove each hospital system a host declares (`ihcheck_exchange`) by a real exchange in its protocol,
run from that host over its transport wherever it can be.

The exchanges themselves live in probes.protocols (DICOM C-ECHO, HL7 v2 query over MLLP, FHIR
metadata, TLS handshake, HTTP health); this probe only picks them by the declaration, runs each
once, and reads the platform push log. A host that cannot run the wire (no python3) is tried from
the checker instead, and the evidence keeps both attempts.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable

from probes.facts.declared_exchange import ExchangeEndpoint, PushLog
from probes.facts.exchange import ExchangeFacts, ObservedExchange, PushStatus
from probes.parse import pushlog
from probes.protocols import base, dicom, fhir, hl7, http, tls
from probes.protocols.base import ExchangeResult, Request, WireReply
from probes.transport import Session

PUSH_LOG_LINES = 2000

Interpret = Callable[[WireReply], ExchangeResult]


def plan(endpoint: ExchangeEndpoint) -> tuple[Request, Interpret]:
    """The dialogue a declaration calls for, and how to read its reply."""
    e, timeout = endpoint, endpoint.timeout
    if e.protocol == "dicom":
        assert e.address is not None and e.called_ae_title is not None
        calling, called = e.calling_ae_title, e.called_ae_title
        req = _over_tls(dicom.request(e.address, e.target_port, calling=calling, called=called, timeout=timeout), e)
        return req, lambda reply: dicom.interpret(reply, req.target, calling, called)
    if e.protocol == "hl7v2":
        assert e.address is not None and e.receiving_application is not None
        message, _ = hl7.build(sending_application=e.sending_application, sending_facility=e.sending_facility,
                               receiving_application=e.receiving_application,
                               receiving_facility=e.receiving_facility, message_type=e.message_type,
                               processing_id=e.processing_id, version=e.hl7_version)
        req = _over_tls(hl7.request(e.address, e.target_port, message, timeout=timeout), e)
        return req, lambda reply: hl7.interpret(reply, req.target, message)
    if e.protocol == "fhir":
        assert e.url is not None
        req = fhir.request(e.url, timeout=timeout, cafile=e.ca_file)
        return req, lambda reply: fhir.interpret(reply, req.target)
    if e.protocol == "http":
        assert e.url is not None
        req = http.health_request(e.url, timeout=timeout, cafile=e.ca_file)
        return req, lambda reply: http.interpret_health(reply, req.target, status=e.expect_status,
                                                         contains=e.expect_text)
    assert e.address is not None
    req = tls.request(e.address, e.target_port, server_name=e.server_name, cafile=e.ca_file, timeout=timeout)
    return req, lambda reply: tls.interpret(reply, req.target)


def _over_tls(request: Request, e: ExchangeEndpoint) -> Request:
    """MLLP or DICOM inside TLS when the endpoint says so, verified against its CA and name (its address by
    default): the same dialogue, encrypted in transit."""
    if not e.tls:
        return request
    return request.model_copy(update={"tls": True, "tls_cafile": e.ca_file,
                                      "tls_server_name": e.server_name or e.address,
                                      "label": f"{request.label} over TLS"})


def prove(session: Session, endpoint: ExchangeEndpoint) -> ObservedExchange:
    request, interpret = plan(endpoint)
    request = request.model_copy(update={"label": f"{endpoint.name} ({endpoint.system}): {request.label}"})
    if endpoint.origin == "checker":
        return ObservedExchange(endpoint=endpoint, results=(interpret(base.from_checker(request, session)),))
    reply = base.from_host(request, session)
    first = interpret(reply)
    if reply.connect != "not-run":
        return ObservedExchange(endpoint=endpoint, results=(first,))
    return ObservedExchange(endpoint=endpoint, results=(first, interpret(base.from_checker(request, session))))


def read_push_log(session: Session, exchange: str, log: PushLog) -> PushStatus:
    command = f"date +%Y-%m-%dT%H:%M:%S%z && tail -n {PUSH_LOG_LINES} -- {shlex.quote(log.path)}"
    obs = session.run(command, timeout=15)
    base_fields = {"exchange": exchange, "path": log.path, "max_age_minutes": log.max_age_minutes,
                   "observations": (obs.id,)}
    if not obs.ok:
        why = (obs.stderr.strip().splitlines() or [f"exit status {obs.exit_status}"])[-1]
        return PushStatus(**base_fields, error=f"cannot read {log.path}: {why}")
    try:
        found = pushlog.parse(obs.stdout, log.success)
    except ValueError as exc:
        return PushStatus(**base_fields, error=str(exc))
    return PushStatus(**base_fields, host_now=found.host_now, last_success=found.last_success, line=found.line,
                      error=None if found.last_success else
                      f"no line matching {log.success!r} with a timestamp in the last {found.lines_read} lines")


def collect(session: Session) -> ExchangeFacts:
    first = len(session.observations)
    declared = session.host.declared.exchange
    exchanges = tuple(prove(session, endpoint) for endpoint in declared)
    push = tuple(read_push_log(session, e.name, e.push_log) for e in declared if e.push_log is not None)
    notes = () if declared else ("no hospital system declared on this host (ihcheck_exchange)",)
    return ExchangeFacts(exchanges=exchanges, push=push, notes=notes,
                         observations=tuple(o.id for o in session.observations[first:]))
