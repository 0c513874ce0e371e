"""DICOM Verification (C-ECHO) against a PACS/RIS: an association, one C-ECHO, a release. Nothing else.

The PDUs are built and read with pynetdicom's own PDU and DIMSE classes; the bytes travel over the
bounded wire (probes.protocols.wire), so the same dialogue can run from the application host. The
association proposes exactly one presentation context — Verification SOP Class (1.2.840.10008.1.1)
— so the only DIMSE service that can be carried is C-ECHO: no store, find, move or delete can ride
on it (tests/protocols/test_non_mutating.py reads the bytes back to prove it).

Outcomes: Success (0x0000) is ok; A-ASSOCIATE-RJ, an A-ABORT, a refused Verification context or a
non-Success status is `rejected` with the reason as pynetdicom names it.

pynetdicom is imported where a PDU is built or read, not with the module: the declaration model here is
read with every inventory, and pynetdicom takes a second and more to import.
"""

from __future__ import annotations

import struct
from typing import Any, ClassVar, Literal

from pydantic import Field

from probes.protocols import tls
from probes.protocols.declaration import Endpoint, Interpret, OverTls
from probes.protocols.reply import ExchangeResult, Protocol, Request, WireReply

VERIFICATION = "1.2.840.10008.1.1"
APPLICATION_CONTEXT = "1.2.840.10008.3.1.1.1"
CONTEXT_ID = 1
MESSAGE_ID = 1
MAX_PDU = 16384
MAX_BYTES = 1024 * 1024  # an A-ASSOCIATE-AC or a C-ECHO-RSP is a few hundred bytes
PDU_TYPES = {1: "A-ASSOCIATE-RQ", 2: "A-ASSOCIATE-AC", 3: "A-ASSOCIATE-RJ", 4: "P-DATA-TF", 5: "A-RELEASE-RQ",
             6: "A-RELEASE-RP", 7: "A-ABORT"}
STATUS_TEXT = {0x0000: "Success", 0x0122: "SOP Class Not Supported", 0x0210: "Duplicate Invocation",
               0x0211: "Unrecognised Operation", 0x0212: "Mistyped Argument"}


def associate_rq(calling: str, called: str) -> bytes:
    from pynetdicom import PYNETDICOM_IMPLEMENTATION_UID
    from pynetdicom.pdu import A_ASSOCIATE_RQ
    from pynetdicom.pdu_primitives import A_ASSOCIATE, ImplementationClassUIDNotification, MaximumLengthNotification
    from pynetdicom.presentation import build_context

    primitive = A_ASSOCIATE()
    primitive.application_context_name = APPLICATION_CONTEXT
    primitive.calling_ae_title = calling
    primitive.called_ae_title = called
    context = build_context(VERIFICATION)
    context.context_id = CONTEXT_ID
    primitive.presentation_context_definition_list = [context]
    length = MaximumLengthNotification()
    length.maximum_length_received = MAX_PDU
    implementation = ImplementationClassUIDNotification()
    implementation.implementation_class_uid = PYNETDICOM_IMPLEMENTATION_UID
    primitive.user_information = [length, implementation]
    pdu = A_ASSOCIATE_RQ()
    pdu.from_primitive(primitive)
    return bytes(pdu.encode())


def echo_rq() -> bytes:
    from pynetdicom.dimse_messages import C_ECHO_RQ
    from pynetdicom.dimse_primitives import C_ECHO
    from pynetdicom.pdu import P_DATA_TF

    primitive = C_ECHO()
    primitive.MessageID = MESSAGE_ID
    primitive.AffectedSOPClassUID = VERIFICATION
    message = C_ECHO_RQ()
    message.primitive_to_message(primitive)
    (data,) = message.encode_msg(CONTEXT_ID, MAX_PDU)  # a C-ECHO-RQ is one small command fragment
    pdu = P_DATA_TF()
    pdu.from_primitive(data)
    return bytes(pdu.encode())


def release_rq() -> bytes:
    from pynetdicom.pdu import A_RELEASE_RQ
    from pynetdicom.pdu_primitives import A_RELEASE

    pdu = A_RELEASE_RQ()
    pdu.from_primitive(A_RELEASE())
    return bytes(pdu.encode())


def request(host: str, port: int, *, calling: str, called: str, timeout: float = 10.0) -> Request:
    return Request(
        host=host, port=port, timeout=timeout, max_bytes=MAX_BYTES,
        steps=((associate_rq(calling, called), "pdu", (b"\x02",)), (echo_rq(), "pdu", (b"\x04",)),
               (release_rq(), "pdu", ())),
        label=f"DICOM A-ASSOCIATE-RQ {calling} → {called}, C-ECHO-RQ (Verification only), A-RELEASE-RQ "
              f"→ {host}:{port}",
    )


def _accepted(reply: bytes) -> tuple[dict[str, Any], str | None]:
    """Fields of an A-ASSOCIATE-AC, and why Verification was not accepted (None: it was)."""
    from pynetdicom.pdu import A_ASSOCIATE_AC
    from pynetdicom.pdu_primitives import ImplementationClassUIDNotification, MaximumLengthNotification

    pdu = A_ASSOCIATE_AC()
    pdu.decode(reply)
    primitive = pdu.to_primitive()
    contexts = primitive.presentation_context_definition_results_list
    fields: dict[str, Any] = {
        "calling_ae_title": primitive.calling_ae_title, "called_ae_title": primitive.called_ae_title,
        "max_pdu": next((i.maximum_length_received for i in primitive.user_information
                         if isinstance(i, MaximumLengthNotification)), None),
        "implementation_class_uid": next((str(i.implementation_class_uid) for i in primitive.user_information
                                          if isinstance(i, ImplementationClassUIDNotification)), None),
        "contexts": [{"id": c.context_id, "result": c.result, "transfer_syntax": [str(t) for t in c.transfer_syntax]}
                     for c in contexts],
    }
    ours = next((c for c in contexts if c.context_id == CONTEXT_ID), None)
    if ours is None or ours.result != 0:
        reasons = {1: "user rejection", 2: "no reason (provider rejection)", 3: "abstract syntax not supported",
                   4: "transfer syntaxes not supported"}
        why = "missing from the A-ASSOCIATE-AC" if ours is None else f"not accepted: {reasons.get(ours.result or 0)}"
        return fields, f"Verification presentation context {why}"
    fields["verification_context"] = {"id": CONTEXT_ID, "abstract_syntax": VERIFICATION,
                                      "transfer_syntax": str(ours.transfer_syntax[0]) if ours.transfer_syntax else None}
    return fields, None


def _echo_status(reply: bytes) -> tuple[int, int | None]:
    """Status and MessageIDBeingRespondedTo of a C-ECHO-RSP carried in one P-DATA-TF."""
    from pynetdicom.dimse_messages import DIMSEMessage
    from pynetdicom.pdu import P_DATA_TF

    pdu = P_DATA_TF()
    pdu.decode(reply)
    message = DIMSEMessage()
    if not message.decode_msg(pdu.to_primitive()):
        raise ValueError("the P-DATA-TF did not hold a whole DIMSE command")
    command = message.command_set
    if int(command.CommandField) != 0x8030:
        raise ValueError(f"expected a C-ECHO-RSP (0x8030), got command field {int(command.CommandField):#06x}")
    responded = command.get("MessageIDBeingRespondedTo")
    return int(command.Status), None if responded is None else int(responded)


def interpret(reply: WireReply, target: str, calling: str, called: str) -> ExchangeResult:
    from pynetdicom.pdu import A_ABORT_RQ, A_ASSOCIATE_RJ  # the codec loads when a reply is read

    unreached = reply.unreached("dicom", target) or tls.unverified(reply, "dicom", target)
    if unreached is not None:
        return unreached
    base: dict[str, Any] = {"requested_calling_ae_title": calling, "requested_called_ae_title": called}
    steps = reply.steps
    if not steps:
        return reply.result("dicom", target, "silent", "connected, but nothing was sent", base)
    first, end = steps[0][1], steps[0][2]
    if end != "complete":
        if end == "cap":
            return reply.result("dicom", target, "malformed", f"the first reply exceeded {MAX_BYTES} bytes", base)
        if not first:
            return reply.result("dicom", target, "silent", f"association request sent, no A-ASSOCIATE answer ({end})",
                                base)
        return reply.result("dicom", target, "malformed", f"an incomplete or non-DICOM reply ({end}): "
                            f"{first[:16].hex()}", base)
    kind = first[0]
    try:
        if kind == 3:
            rj = A_ASSOCIATE_RJ()
            rj.decode(first)
            base |= {"result": rj.result_str, "source": rj.source_str, "reason": rj.reason_str}
            return reply.result("dicom", target, "rejected",
                                f"A-ASSOCIATE-RJ: {rj.result_str}, {rj.source_str}: {rj.reason_str}", base)
        if kind == 7:
            ab = A_ABORT_RQ()
            ab.decode(first)
            base |= {"source": ab.source_str, "reason": ab.reason_str}
            return reply.result("dicom", target, "rejected", f"A-ABORT: {ab.source_str}: {ab.reason_str}", base)
        if kind != 2:
            return reply.result("dicom", target, "malformed", f"not a DICOM association answer: PDU type {kind:#04x}",
                                base)
        fields, refused = _accepted(first)
        base |= fields
        if refused is not None:
            return reply.result("dicom", target, "rejected", refused, base)
        if len(steps) < 2 or steps[1][2] != "complete":
            why = "no C-ECHO-RSP" if len(steps) < 2 else f"no whole C-ECHO-RSP ({steps[1][2]})"
            return reply.result("dicom", target, "silent", f"association accepted, {why}", base)
        answer = steps[1][1]
        if answer[0] != 4:
            return reply.result("dicom", target, "rejected",
                                f"association accepted, then {PDU_TYPES.get(answer[0], hex(answer[0]))} instead of "
                                "a C-ECHO-RSP", base)
        status, responded = _echo_status(answer)
    except (ValueError, AttributeError, IndexError, KeyError, TypeError, AssertionError, struct.error) as exc:
        # pynetdicom's decoders assert lengths (an AssertionError) and unpack with struct: both are the peer's bytes
        why = str(exc) or f"{type(exc).__name__} (lengths in the PDU do not add up)"
        return reply.result("dicom", target, "malformed", f"an unreadable DICOM reply: {why}", base)
    released = len(steps) > 2 and steps[2][2] == "complete" and steps[2][1][:1] == b"\x06"
    base |= {"status": status, "status_text": STATUS_TEXT.get(status, "unknown"),
             "message_id_responded_to": responded, "released": released}
    ae = f"{calling} → {base['called_ae_title'] or called}"
    if responded != MESSAGE_ID:
        return reply.result("dicom", target, "malformed",
                            f"C-ECHO-RSP answers message {responded}, not our message {MESSAGE_ID}", base)
    if status != 0:
        return reply.result("dicom", target, "rejected",
                            f"C-ECHO-RSP status {status:#06x} ({base['status_text']}) for {ae}", base)
    return reply.result("dicom", target, "ok",
                        f"association {ae} accepted, Verification context {CONTEXT_ID} accepted "
                        f"({base['verification_context']['transfer_syntax']}), C-ECHO status 0x0000 Success"
                        + ("" if released else ", release not confirmed"), base)


class DicomEndpoint(Endpoint, OverTls):
    """A PACS/RIS (or any DICOM node) proven by C-ECHO: `{protocol: dicom, address, port: 104, called_ae_title}`."""

    speaks: ClassVar[Protocol] = "dicom"

    default_port: ClassVar[int | None] = 104
    protocol: Literal["dicom"]
    address: str = Field(min_length=1)
    called_ae_title: str = Field(min_length=1, max_length=16)
    calling_ae_title: str = Field(default="IHCHECK", min_length=1, max_length=16)

    def identifiers(self) -> str:
        return f" (AE {self.calling_ae_title} → {self.called_ae_title})"

    def plan(self) -> tuple[Request, Interpret]:
        calling, called = self.calling_ae_title, self.called_ae_title
        req = self.over_tls(request(self.address, self.target_port, calling=calling, called=called,
                                    timeout=self.timeout), self.address)
        return req, lambda reply: interpret(reply, req.target, calling, called)
