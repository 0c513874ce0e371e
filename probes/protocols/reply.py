"""What every protocol exchange returns: the request a protocol builds and the wire's reply it reads.

Pure data (no socket, no transport), so the protocol modules that own their declaration models can be
imported wherever a declaration is read. Running a dialogue is probes.protocols.base's.

Outcomes, the same for every protocol (the rules map them to verdicts):

    ok           the peer answered our request positively in its own protocol (C-ECHO Success,
                 ACK AA/CA for our control id, a valid CapabilityStatement, a verified TLS handshake)
    rejected     the peer answered in its protocol and said no (A-ASSOCIATE-RJ, ACK AE/AR, HTTP 4xx/5xx,
                 a certificate that fails verification) — the reason is the peer's own words
    silent       the TCP connection was accepted and nothing (or not all) came back in time
    refused      the peer's host said nothing listens there
    malformed    something answered, but not the protocol asked for, or more than the memory cap allows
    unreachable  no route, no name, a filtered port, or the host to run it from could not run it:
                 the exchange could not be tried, which proves nothing either way
"""

from __future__ import annotations

import base64
from typing import Any, Literal

from pydantic import Field

from probes.facts.base import Record
from probes.facts.exchange_result import ExchangeResult, Outcome, Protocol, TlsSession, WireStep

__all__ = ["ExchangeResult", "Outcome", "Protocol", "Request", "WireReply", "decode"]
EVIDENCE_BYTES = 65536  # raw bytes kept per step in a result; the observation keeps the whole reply


class WireReply(Record):
    """The wire's answer, decoded; what the protocol modules interpret."""

    connect: str | None
    error: str | None
    steps: tuple[tuple[bytes, bytes, str | None], ...]
    tls: TlsSession | None
    elapsed: float | None
    observation: str | None = None
    origin: str = "checker"

    def evidence(self) -> tuple[WireStep, ...]:
        return tuple(WireStep(sent=base64.b64encode(s).decode(), received=base64.b64encode(r[:EVIDENCE_BYTES]).decode(),
                              received_bytes=len(r), end=e) for s, r, e in self.steps)

    def unreached(self, protocol: Protocol, target: str) -> ExchangeResult | None:
        """The result when the dialogue never got to its first reply's framing, else None."""
        if self.connect == "refused":
            outcome: Outcome = "refused"
        elif self.connect != "ok":
            outcome = "unreachable"
        elif self.tls is not None and self.tls.error:
            outcome = "silent" if "in time" in self.tls.error else "malformed"
        else:
            return None
        detail = self.error or (self.tls.error if self.tls else None) or "not connected"
        return self.result(protocol, target, outcome, detail)

    def result(self, protocol: Protocol, target: str, outcome: Outcome, detail: str,
               fields: dict[str, Any] | None = None) -> ExchangeResult:
        return ExchangeResult(protocol=protocol, target=target, origin=self.origin, outcome=outcome, detail=detail,
                              fields=fields or {}, steps=self.evidence(), tls=self.tls, elapsed=self.elapsed,
                              observations=(self.observation,) if self.observation else ())


class Request(Record):
    """A dialogue to carry out: where, how long at most, how many bytes at most per reply, what to send."""

    host: str
    port: int = Field(ge=1, le=65535)
    timeout: float = Field(gt=0, le=120)
    max_bytes: int = Field(gt=0, le=64 * 1024 * 1024)
    steps: tuple[tuple[bytes, Literal["pdu", "mllp", "close"], tuple[bytes, ...]], ...]
    tls_server_name: str | None = None
    tls_cafile: str | None = None
    tls: bool = False
    label: str = Field(description="what the dialogue is, for the evidence: 'DICOM C-ECHO → pacs:104'")

    def as_wire(self) -> dict[str, Any]:
        return {
            "host": self.host, "port": self.port, "timeout": self.timeout, "max_bytes": self.max_bytes,
            "tls": {"server_name": self.tls_server_name, "cafile": self.tls_cafile} if self.tls else None,
            "steps": [{"send": base64.b64encode(send).decode(), "read": read, "continue_if": [p.hex() for p in cont]}
                      for send, read, cont in self.steps],
        }

    @property
    def target(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def decode(raw: dict[str, Any], *, origin: str, observation: str | None) -> WireReply:
    """The wire's JSON, checked and decoded (a reply from a host is input like any other)."""
    tls = raw.get("tls")
    session = None
    if isinstance(tls, dict):
        cipher = tls.get("cipher") or []
        session = TlsSession(version=tls.get("version"), cipher=cipher[0] if cipher else None,
                             verified=bool(tls.get("verified")), verify_error=tls.get("verify_error"),
                             error=tls.get("error"), certificate=tls.get("certificate"))
    steps = tuple((base64.b64decode(s["sent"]), base64.b64decode(s["received"]), s.get("end"))
                  for s in raw.get("steps", []))
    return WireReply(connect=raw.get("connect"), error=raw.get("error"), steps=steps, tls=session,
                     elapsed=raw.get("elapsed"), observation=observation, origin=origin)
