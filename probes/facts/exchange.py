"""The exchanges with the hospital's systems: what each declared system answered in its own protocol, from
where (the declaring host over its transport, or the checker), and how old the platform push job's last
success is. Data only: the dialogues themselves are probes.protocols'; the outcomes are explained there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from probes.facts.base import Fact, Observed, Record
from probes.facts.declared_exchange import ExchangeEndpoint

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


class ObservedExchange(Record):
    """One declared system and the exchange(s) that tried to prove it: from the host, and from the checker
    when the host could not run it."""

    endpoint: ExchangeEndpoint
    results: tuple[ExchangeResult, ...]

    @property
    def result(self) -> ExchangeResult:
        """The attempt that counts: the last one (a checker fallback follows a host that could not run it)."""
        return self.results[-1]

    def describe(self) -> str:
        r = self.result
        origin = "from the checker" if r.origin == "checker" else f"from {r.origin}"
        fallback = ""
        if len(self.results) > 1:
            fallback = f" (from the host: {self.results[0].detail}; tried from the checker instead)"
        return f"{self.endpoint.describe()} — {r.protocol.upper()} {origin}: {r.outcome}: {r.detail}{fallback}"


class PushStatus(Observed):
    """The age of the platform push job's last successful push, read from its log on the pushing host."""

    exchange: str
    path: str
    max_age_minutes: float
    host_now: datetime | None = None
    last_success: datetime | None = None
    line: str | None = None
    error: str | None = Field(default=None, description="why the log could not be read")

    @property
    def age_minutes(self) -> float | None:
        if self.host_now is None or self.last_success is None:
            return None
        return (self.host_now - self.last_success).total_seconds() / 60


class ExchangeFacts(Fact):
    """The exchanges with the hospital systems this host declares, and the platform push log's last success."""

    exchanges: tuple[ObservedExchange, ...] = ()
    push: tuple[PushStatus, ...] = ()

    def named(self, name: str) -> ObservedExchange | None:
        return next((e for e in self.exchanges if e.endpoint.name == name), None)
