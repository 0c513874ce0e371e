"""Prove each hospital system a host declares (`ihcheck_exchange`) by a real exchange in its protocol,
run from that host over its transport wherever it can be.

The exchanges themselves live in probes.protocols, one module per protocol registered in
probes.protocols.registry (DICOM C-ECHO, HL7 v2 query over MLLP, FHIR metadata, TLS handshake, HTTP
health); the declaration's own model plans its dialogue, this probe runs each once (one peer's
failure stays that peer's) and reads the platform push log. A host that cannot run the wire (no
python3) is tried from the checker instead, and the evidence keeps both attempts.
"""

from __future__ import annotations

import shlex
import traceback

from probes.facts.declared_exchange import ExchangeEndpoint, PushLog
from probes.facts.exchange import ExchangeFacts, ObservedExchange, PushStatus
from probes.parse import pushlog
from probes.protocols import base
from probes.protocols.base import Wire
from probes.protocols.declaration import Interpret
from probes.protocols.reply import ExchangeResult, Request, WireReply
from probes.transport import Session

PUSH_LOG_LINES = 2000


def plan(endpoint: ExchangeEndpoint) -> tuple[Request, Interpret]:
    """The dialogue a declaration calls for, and how to read its reply (the protocol module's own)."""
    return endpoint.plan()


def read(interpret: Interpret, reply: WireReply, request: Request, endpoint: ExchangeEndpoint) -> ExchangeResult:
    """The interpretation of one reply; a codec that breaks on what a peer sent (pynetdicom asserts on some
    garbage) makes that exchange `malformed`, never the host's other exchanges lost."""
    try:
        return interpret(reply)
    except Exception as exc:
        where = traceback.extract_tb(exc.__traceback__)[-1]
        why = f"{type(exc).__name__}{': ' + str(exc)[:120] if str(exc) else ''} in {where.name}"
        return reply.result(endpoint.speaks, request.target, "malformed",
                            f"the reply could not be read as {endpoint.protocol}: {why}")


def prove(session: Session, endpoint: ExchangeEndpoint, wire: Wire | None = None) -> ObservedExchange:
    """The exchange a declaration calls for, from the host (then the checker, if the host cannot run it) or from
    the checker. `wire` replaces the socket (canned replies in tests): the dialogue then runs from the checker."""
    request, interpret = plan(endpoint)
    request = request.model_copy(update={"label": f"{endpoint.name} ({endpoint.system}): {request.label}"})
    if endpoint.origin == "checker" or wire is not None:
        reply = base.from_checker(request, session, run=wire)
        return ObservedExchange(endpoint=endpoint, results=(read(interpret, reply, request, endpoint),))
    reply = base.from_host(request, session)
    first = read(interpret, reply, request, endpoint)
    if reply.connect != "not-run":
        return ObservedExchange(endpoint=endpoint, results=(first,))
    again = base.from_checker(request, session)
    return ObservedExchange(endpoint=endpoint, results=(first, read(interpret, again, request, endpoint)))


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


def collect(session: Session, wire: Wire | None = None) -> ExchangeFacts:
    first = len(session.observations)
    declared = session.host.declared.exchange
    exchanges = tuple(prove(session, endpoint, wire) for endpoint in declared)
    push = tuple(read_push_log(session, e.name, e.push_log) for e in declared if e.push_log is not None)
    notes = () if declared else ("no hospital system declared on this host (ihcheck_exchange)",)
    return ExchangeFacts(exchanges=exchanges, push=push, notes=notes,
                         observations=tuple(o.id for o in session.observations[first:]))
