"""One host's facts (a field per fact family) and the deployment's."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from probes.facts.av import AvFacts
from probes.facts.base import Record
from probes.facts.baseline import BaselineFacts
from probes.facts.connections import ConnectionFacts
from probes.facts.declared import Declarations
from probes.facts.dependencies import DependencyFacts
from probes.facts.egress import EgressFacts
from probes.facts.exchange import ExchangeFacts
from probes.facts.identity import MachineIdentity
from probes.facts.materials import DocumentFacts
from probes.facts.pilot import PilotFacts
from probes.facts.power import PowerFacts
from probes.facts.public_pages import PublicPageFacts
from probes.facts.services import ServiceFacts
from probes.facts.uplinks import UplinkFacts


class HostFacts(Record):
    name: str
    address: str
    groups: tuple[str, ...] = ()
    transport: str | None = None
    reachable: bool
    unreachable_reason: str | None = None
    host_key_fingerprint: str | None = None
    host_key_verified: bool = False
    declared: Declarations = Declarations()
    errors: dict[str, str] = Field(default_factory=dict, description="probe name → why it broke")
    unfinished: dict[str, str] = Field(default_factory=dict,
                                       description="probe name → why it did not finish (the host's deadline)")
    identity: MachineIdentity | None = None
    services: ServiceFacts | None = None
    egress: EgressFacts | None = None
    uplinks: UplinkFacts | None = None
    power: PowerFacts | None = None
    av: AvFacts | None = None
    connections: ConnectionFacts | None = None
    dependencies: DependencyFacts | None = None
    exchange: ExchangeFacts | None = None
    baseline: BaselineFacts | None = None

    def why_missing(self, probe: str) -> str:
        """A person-readable reason why a fact family is absent for this host."""
        return self.missing_words(probe)[1]

    def missing_words(self, probe: str) -> tuple[str, str]:
        """Why a fact family is absent, in Chinese and in English: one decision, two wordings; the host's own words
        (an error, a timeout) are quoted as they came in both."""
        if not self.reachable:
            why = self.unreachable_reason
            return f"{self.name} 无法连接（{why}）", f"{self.name} unreachable ({why})"
        if probe in self.errors:
            error = self.errors[probe]
            return f"{self.name}：{probe} 探针出错：{error}", f"{self.name}: {probe} probe failed: {error}"
        if probe in self.unfinished:
            left = self.unfinished[probe]
            return f"{self.name}：{probe} 探针未完成（{left}）", f"{self.name}: {probe} probe {left}"
        return f"{self.name}：未观测到 {probe}", f"{self.name}: {probe} not observed"


class DeploymentFacts(Record):
    inventory: str
    collected_at: datetime
    hosts: tuple[HostFacts, ...]
    documents: DocumentFacts | None = Field(default=None, description="the documents folder (attested, not observed)")
    pilot: PilotFacts | None = Field(default=None, description="the declared programme's records (probes.programmes)")
    public_pages: PublicPageFacts | None = Field(
        default=None, description="the declared patient-facing pages as fetched from the checker (probes.public_pages)")

    def reachable(self) -> list[HostFacts]:
        return [h for h in self.hosts if h.reachable]
