"""Facts of the exchanges with hospital systems: what each declared system answered, from where, and how
old the platform push job's last success is. Observed; the declarations they answer are kept beside.
(`ExchangeFacts`, the family, is in probes.facts with the others.)"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from probes.exchange_inventory import ExchangeEndpoint
from probes.protocols.base import ExchangeResult


class ObservedExchange(BaseModel):
    """One declared system and the exchange(s) that tried to prove it: from the host, and from the checker
    when the host could not run it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

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


class PushStatus(BaseModel):
    """The age of the platform push job's last successful push, read from its log on the pushing host."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    exchange: str
    path: str
    max_age_minutes: float
    host_now: datetime | None = None
    last_success: datetime | None = None
    line: str | None = None
    error: str | None = Field(default=None, description="why the log could not be read")
    observation: str

    @property
    def age_minutes(self) -> float | None:
        if self.host_now is None or self.last_success is None:
            return None
        return (self.host_now - self.last_success).total_seconds() / 60
