"""HL7 v2 over MLLP against a HIS/LIS: one message that changes nothing, and its ACK.

The message is built and the ACK read with hl7apy. What is sent is chosen so the receiver stores
and changes nothing:

* the message type is a query, never an event: `NMQ^N01` (application management query, HL7 v2
  chapter 14 — "are you there") by default, or `QRY^A19` (patient query) where a receiver only
  routes chapter 2/3 messages; no ADT/ORM/ORU event can be configured;
* MSH-11 processing ID is `D` (debugging) by default, or `T` (training); `P` (production) cannot
  be configured — HL7 v2 table 0103: a receiver does not process D/T messages as production data.

The ACK must be whole (MLLP end block) within the timeout and the memory cap; MSA-1 ∈ {AA, CA} with
MSA-2 equal to the control id sent is ok; AE/AR/CE/CR is `rejected` with the receiver's own text
(MSA-3, ERR-8 or ERR-3).
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

from pydantic import Field, ValidationInfo, field_validator

from probes.protocols import tls
from probes.protocols.declaration import Endpoint, Interpret, OverTls
from probes.protocols.reply import ExchangeResult, Protocol, Request, WireReply

MessageType = Literal["NMQ^N01", "QRY^A19"]  # queries only: no event that a receiver would store
ProcessingId = Literal["D", "T"]  # debugging, training; never P (production)
# An identifier from the inventory is one HL7 field value: none of the encoding characters MSH-1/MSH-2 declare
# (| ^ ~ \ &) and no control character (CR ends a segment). Refused rather than escaped: an escaped \F\ in
# MSH-5 would still name a different application than the receiver's, and nothing a hospital names needs them.
FORBIDDEN = re.compile("[|^~\\\\&\x00-\x1f\x7f-\x9f\u2028\u2029]")
START_BLOCK = b"\x0b"
END_BLOCK = b"\x1c\x0d"
MAX_BYTES = 256 * 1024  # an ACK is a few hundred bytes; an endless frame stops here
ACCEPTED = ("AA", "CA")
MUTATING_EVENTS = ("ADT", "ORM", "ORU", "OMG", "OML", "SIU", "MDM", "DFT", "BAR", "RDE", "RAS", "VXU", "MFN")


def build(*, sending_application: str, sending_facility: str, receiving_application: str, receiving_facility: str,
          message_type: MessageType = "NMQ^N01", processing_id: ProcessingId = "D", version: str = "2.5",
          control_id: str | None = None, when: datetime | None = None) -> tuple[str, str]:
    """The message (segments joined by CR) and its control id. ValueError when an identifier holds an HL7
    separator or a control character (it would start another field or segment of the message we send)."""
    for field, value in (("sending_application", sending_application), ("sending_facility", sending_facility),
                         ("receiving_application", receiving_application), ("receiving_facility", receiving_facility),
                         ("control_id", control_id or "")):
        plain(value, field)
    from hl7apy.core import Message  # imported when a message is built: not with every inventory read

    control = control_id or f"IHC{os.urandom(6).hex().upper()}"
    code, event = message_type.split("^")
    message = Message(f"{code}_{event}", version=version)
    msh = message.msh
    msh.msh_3 = sending_application
    msh.msh_4 = sending_facility
    msh.msh_5 = receiving_application
    msh.msh_6 = receiving_facility
    msh.msh_7 = (when or datetime.now(UTC)).strftime("%Y%m%d%H%M%S")
    msh.msh_9 = f"{code}^{event}^{code}_{event}"
    msh.msh_10 = control
    msh.msh_11 = processing_id
    msh.msh_12 = version
    if message_type == "QRY^A19":  # a query needs its QRD: who/what is asked; here: nothing of any patient
        message.add_segment("QRD")
        message.qrd.qrd_1 = msh.msh_7.value
        message.qrd.qrd_2 = "R"
        message.qrd.qrd_3 = "I"
        message.qrd.qrd_4 = control
        message.qrd.qrd_7 = "1^RD"
        message.qrd.qrd_8 = "IHCHECK-NO-PATIENT"
        message.qrd.qrd_9 = "DEM"
    text = message.to_er7()
    segments = text.split("\r")
    expected = ["MSH"] + (["QRD"] if message_type == "QRY^A19" else [])
    if [seg[:3] for seg in segments] != expected or sent_fields(text)["processing_id"] != processing_id:
        raise ValueError(f"the message built is not the one intended: segments {[seg[:3] for seg in segments]}")
    return text, control


def plain(value: str, field: str) -> str:
    """`value` when it is safe as one HL7 field value; ValueError naming the field otherwise."""
    found = FORBIDDEN.search(value)
    if found is not None:
        raise ValueError(f"{field} {value!r} holds {found.group()!r}, an HL7 separator or control character: it "
                         "would start another field or segment of the message sent; declare the name without it")
    return value


def frame(message: str) -> bytes:
    return START_BLOCK + message.encode("utf-8") + END_BLOCK


def request(host: str, port: int, message: str, *, timeout: float = 10.0) -> Request:
    msh = message.split("\r", 1)[0].split("|")
    label = f"HL7 v2 {msh[8] if len(msh) > 8 else '?'} (MSH-11 {msh[10] if len(msh) > 10 else '?'}) over MLLP"
    return Request(host=host, port=port, timeout=timeout, max_bytes=MAX_BYTES, steps=((frame(message), "mllp", ()),),
                   label=f"{label} → {host}:{port}")


def sent_fields(message: str) -> dict[str, str]:
    """MSH-9, MSH-10 and MSH-11 of a message as sent (what a test checks for non-mutation)."""
    msh = message.split("\r", 1)[0].split("|")
    pick = {"message_type": 8, "control_id": 9, "processing_id": 10}
    return {name: (msh[i] if len(msh) > i else "") for name, i in pick.items()}


def _unframe(data: bytes) -> str:
    body = data.split(END_BLOCK, 1)[0]
    if not body.startswith(START_BLOCK):
        raise ValueError(f"no MLLP start block: the reply begins {data[:16]!r}")
    return body[1:].decode("utf-8", "replace").replace("\r\n", "\r").replace("\n", "\r").strip("\r")


def _ack_fields(text: str) -> dict[str, Any]:
    from hl7apy.exceptions import HL7apyException
    from hl7apy.parser import parse_message

    try:
        ack = parse_message(text, find_groups=False)
    except HL7apyException as exc:
        raise ValueError(f"the reply is not an HL7 v2 message: {exc}") from None
    msa = ack.msa if ack.children.get("MSA") else None
    if msa is None:
        raise ValueError("the reply has no MSA segment")
    errs = [s for s in ack.children if s.name == "ERR"]
    texts = [msa.msa_3.value] if msa.msa_3.value else []
    for err in errs:
        for field in ("err_8", "err_3"):
            try:
                value = getattr(err, field).value
            except (HL7apyException, AttributeError):
                continue
            if value:
                texts.append(str(value))
    return {"ack_message_type": ack.msh.msh_9.value, "msa_1": msa.msa_1.value, "msa_2": msa.msa_2.value,
            "receiver_text": "; ".join(t for t in texts if t), "ack_control_id": ack.msh.msh_10.value,
            "sending_application": ack.msh.msh_3.value, "sending_facility": ack.msh.msh_4.value}


def interpret(reply: WireReply, target: str, message: str) -> ExchangeResult:
    sent = sent_fields(message)
    unreached = reply.unreached("hl7v2", target) or tls.unverified(reply, "hl7v2", target)
    if unreached is not None:
        return unreached
    fields: dict[str, Any] = {f"sent_{k}": v for k, v in sent.items()}
    if not reply.steps:
        return reply.result("hl7v2", target, "silent", "connected, but the message could not be sent", fields)
    data, end = reply.steps[0][1], reply.steps[0][2]
    if end == "cap":
        return reply.result("hl7v2", target, "malformed",
                            f"no MLLP end block within {MAX_BYTES} bytes: an endless frame, not an ACK", fields)
    if end != "complete":
        what = "no ACK" if not data else f"an ACK without its end block ({len(data)} bytes)"
        return reply.result("hl7v2", target, "silent", f"message {sent['control_id']} sent, {what} ({end})", fields)
    try:
        fields |= _ack_fields(_unframe(data))
    except ValueError as exc:
        return reply.result("hl7v2", target, "malformed", str(exc), fields)
    code, echoed = fields["msa_1"], fields["msa_2"]
    said = f": {fields['receiver_text']}" if fields["receiver_text"] else ""
    if code not in ACCEPTED:
        return reply.result("hl7v2", target, "rejected", f"ACK MSA-1 {code} for {sent['control_id']}{said}", fields)
    if echoed != sent["control_id"]:
        return reply.result("hl7v2", target, "malformed",
                            f"ACK MSA-1 {code} but MSA-2 {echoed!r} is not the control id sent ({sent['control_id']})",
                            fields)
    return reply.result("hl7v2", target, "ok", f"{sent['message_type']} (MSH-11 {sent['processing_id']}) → ACK "
                        f"MSA-1 {code}, MSA-2 {echoed} = control id sent", fields)


class Hl7Endpoint(Endpoint, OverTls):
    """A HIS/LIS (or any HL7 v2 receiver) proven by a query it acknowledges over MLLP:
    `{protocol: hl7v2, address, port: 2575, receiving_application, receiving_facility}`."""

    speaks: ClassVar[Protocol] = "hl7v2"

    default_port: ClassVar[int | None] = 2575
    protocol: Literal["hl7v2"]
    address: str = Field(min_length=1)
    sending_application: str = "IHCHECK"
    sending_facility: str = "IHCHECK"
    receiving_application: str = Field(min_length=1)
    receiving_facility: str = ""
    message_type: MessageType = "NMQ^N01"
    processing_id: ProcessingId = "D"
    hl7_version: Literal["2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6"] = "2.5"

    @field_validator("sending_application", "sending_facility", "receiving_application", "receiving_facility")
    @classmethod
    def _plain(cls, value: str, info: ValidationInfo) -> str:
        return plain(value, info.field_name or "the value")

    def identifiers(self) -> str:
        return (f" ({self.sending_application}^{self.sending_facility} → "
                f"{self.receiving_application}^{self.receiving_facility})")

    def plan(self) -> tuple[Request, Interpret]:
        message, _ = build(sending_application=self.sending_application, sending_facility=self.sending_facility,
                           receiving_application=self.receiving_application,
                           receiving_facility=self.receiving_facility, message_type=self.message_type,
                           processing_id=self.processing_id, version=self.hl7_version)
        req = self.over_tls(request(self.address, self.target_port, message, timeout=self.timeout), self.address)
        return req, lambda reply: interpret(reply, req.target, message)
