"""The exchanges with the hospital's systems: what each declared system answered in its own protocol, from
where (the declaring host over its transport, or the checker), and how old the platform push job's last
success is. Data only: the dialogues themselves are probes.protocols'; the outcomes are explained there.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from probes.facts.base import Fact, Observed, Record
from probes.facts.declared_exchange import ExchangeEndpoint
from probes.facts.exchange_result import ExchangeResult, Outcome, Protocol, TlsSession, WireStep

__all__ = ["ExchangeFacts", "ExchangeResult", "ObservedExchange", "Outcome", "Protocol", "PushStatus", "TlsSession",
           "WireStep"]

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
