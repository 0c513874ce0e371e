"""STUN Binding Request and Response (RFC 5389/8489), built and read with scapy's STUN layer.

scapy (scapy.contrib.stun) builds the request and decodes the XOR-MAPPED-ADDRESS; this module adds
the checks that make a reply proof of a live STUN server: the magic cookie, our transaction id, the
message class, and a declared length that matches the datagram.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

MAGIC_COOKIE = 0x2112A442
BINDING_REQUEST, BINDING_SUCCESS, BINDING_ERROR = 0x0001, 0x0101, 0x0111
ERROR_CODE, SOFTWARE = 0x0009, 0x8022


class StunError(ValueError):
    """The bytes are not a STUN Binding response to our request."""


@dataclass(frozen=True)
class BindingResponse:
    success: bool
    mapped_address: tuple[str, int] | None
    software: str | None
    error: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"success": self.success, "xor_mapped_address": list(self.mapped_address or ()) or None,
                "software": self.software, "error": self.error}


def binding_request(transaction_id: bytes) -> bytes:
    """A Binding Request with no attributes.

    >>> binding_request(bytes(range(12))).hex()
    '000100002112a442000102030405060708090a0b'
    """
    from scapy.contrib.stun import STUN

    if len(transaction_id) != 12:
        raise ValueError("a STUN transaction id is 96 bits")
    return bytes(STUN(stun_message_type="Binding request", transaction_id=int.from_bytes(transaction_id, "big")))


def message_length(header: bytes) -> int:
    """Bytes that follow a 20-byte STUN header (how much more to read on a stream).

    >>> message_length(bytes.fromhex("0101000c2112a442000102030405060708090a0b"))
    12
    """
    if len(header) < 20:
        raise StunError(f"short STUN header ({len(header)} bytes)")
    return int(struct.unpack("!H", header[2:4])[0])


def parse_binding_response(data: bytes, transaction_id: bytes) -> BindingResponse:
    """Check and decode a Binding success or error response to the request with `transaction_id`.

    >>> tid = bytes(range(12))
    >>> reply = bytes.fromhex("0101000c2112a442000102030405060708090a0b"
    ...                       "002000080001a1475e12a443")  # XOR-MAPPED-ADDRESS 127.0.0.1:32853
    >>> parse_binding_response(reply, tid)
    BindingResponse(success=True, mapped_address=('127.0.0.1', 32853), software=None, error=None)
    >>> parse_binding_response(reply, bytes(12))
    Traceback (most recent call last):
    ...
    probes.parse.stun.StunError: transaction id 000102030405060708090a0b does not match ours (000000000000000000000000)
    >>> parse_binding_response(b"SIP/2.0 400 Bad Request\\r\\n", tid)
    Traceback (most recent call last):
    ...
    probes.parse.stun.StunError: not a STUN message (no magic cookie)
    """
    from scapy.contrib.stun import STUN

    if len(data) < 20 or struct.unpack("!I", data[4:8])[0] != MAGIC_COOKIE or data[0] & 0xC0:
        raise StunError("not a STUN message (no magic cookie)")
    if message_length(data) != len(data) - 20:
        raise StunError(f"length field {message_length(data)} does not match the {len(data) - 20} bytes received")
    kind = struct.unpack("!H", data[:2])[0]
    if data[8:20] != transaction_id:
        raise StunError(f"transaction id {data[8:20].hex()} does not match ours ({transaction_id.hex()})")
    if kind not in (BINDING_SUCCESS, BINDING_ERROR):
        raise StunError(f"message type 0x{kind:04x} is not a Binding response")
    packet = STUN(data)
    mapped: tuple[str, int] | None = None
    software = error = None
    for attr in packet.attributes:
        if attr.type == 0x0020 and mapped is None:
            mapped = (str(attr.xip), int(attr.xport))
        elif attr.type == SOFTWARE:
            software = bytes(attr.value).decode("utf-8", "replace")
        elif attr.type == ERROR_CODE:
            raw = bytes(attr.value)
            error = f"{(raw[2] & 0x7) * 100 + raw[3]} {raw[4:].decode('utf-8', 'replace')}".strip()
    if kind == BINDING_SUCCESS and mapped is None:
        raise StunError("Binding success response without XOR-MAPPED-ADDRESS")
    return BindingResponse(success=kind == BINDING_SUCCESS, mapped_address=mapped, software=software, error=error)
