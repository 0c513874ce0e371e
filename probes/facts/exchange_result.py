"""What one protocol exchange returned: the outcome, the peer's own words, the bytes both ways and the TLS
session. Kept apart from the declarations (probes.facts.exchange) so the protocol modules, which own their
declaration models, can build results without importing what imports them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from probes.facts.base import Observed, Record

Outcome = Literal["ok", "rejected", "silent", "refused", "malformed", "unreachable"]
Protocol = Literal["dicom", "hl7v2", "fhir", "tls", "http"]


class WireStep(Record):
    """One send and the reply read for it, as the wire saw them (base64, the reply cut at EVIDENCE_BYTES)."""

    sent: str
    received: str
    received_bytes: int
    end: str | None = Field(description="complete | closed | timeout | cap | reset: … | send failed: …")


class TlsSession(Record):
    """A TLS handshake as the client saw it; the certificate is the leaf the server presented (DER, base64)."""

    version: str | None = None
    cipher: str | None = None
    verified: bool = False
    verify_error: str | None = None
    error: str | None = None
    certificate: str | None = None


class ExchangeResult(Observed):
    """One protocol exchange and its outcome; `observations` names the observation holding the raw dialogue."""

    protocol: Protocol
    target: str = Field(description="host:port the dialogue was addressed to")
    origin: str = Field(description="'checker', or the inventory host it ran from over that host's transport")
    outcome: Outcome
    detail: str = Field(description="one line: what the peer said, or why nothing was said")
    fields: dict[str, Any] = Field(default_factory=dict, description="the protocol's own facts (AE titles, MSA…)")
    steps: tuple[WireStep, ...] = ()
    tls: TlsSession | None = None
    elapsed: float | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"
