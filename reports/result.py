"""The result of one check run: the stable JSON schema scripts and CI parse.

Schema `ihcheck.result/1` (additions are backwards compatible; removals bump the number):

    {
      "schema": "ihcheck.result/1",
      "tool": {"name": "ihcheck", "version": "..."},
      "catalogue": {"version": "...", "sha256": "..."},
      "inventory": "path",
      "started_at": "...", "finished_at": "...",
      "summary": {"exit_code": 0|1|2, "verdicts": {"pass": n, ...}, "rules": {"<rule id>": "<verdict>"}},
      "hosts": [{"name", "address", "reachable", "unreachable_reason", "transport", "host_key_fingerprint", ...}],
      "findings": [{"rule_id", "verdict", "hosts", "reason", "reason_zh", "evidence": [{"host", "statement", "basis",
                    "observations": ["<observation id>"]}], "observations": ["<observation id>"], "details",
                    "waiver": null | {"rule_id", "host", "justification", "owner", "ticket", "expires"}}],
      "facts": {... typed facts per host ...},
      "observations": [{"id", "host", "transport", "command", "exit_status", "stdout", "stderr",
                        "started_at", "ended_at", "stdout_sha256", "host_key_fingerprint"}]
    }
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

from checker import __version__
from checker.catalogue import CATALOGUE_VERSION, catalogue_sha256
from checker.engine import exit_code, rule_verdicts
from checker.model import Finding, Rule, Verdict, Waiver
from probes.facts import DeploymentFacts
from probes.observation import Observation

SCHEMA: Literal["ihcheck.result/1"] = "ihcheck.result/1"


class ToolInfo(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str = "ihcheck"
    version: str = __version__


class CatalogueInfo(BaseModel):
    model_config = ConfigDict(frozen=True)
    version: str = CATALOGUE_VERSION
    sha256: str = Field(default_factory=catalogue_sha256)
    rules: list[dict[str, Any]] = Field(default_factory=list)


class FindingOut(BaseModel):
    """A finding as serialised: the model plus the flat list of observations it relied on."""

    model_config = ConfigDict(frozen=True)
    rule_id: str
    verdict: Verdict
    hosts: tuple[str, ...]
    reason: str
    reason_zh: str = ""  # the same reason in Chinese (older results have none)
    evidence: tuple[dict[str, Any], ...]
    observations: tuple[str, ...]
    details: dict[str, Any]
    waiver: Waiver | None = None  # a valid waiver accepts this finding; `verdict` stays the original

    @classmethod
    def of(cls, finding: Finding) -> FindingOut:
        return cls(
            rule_id=finding.rule_id, verdict=finding.verdict, hosts=finding.hosts, reason=finding.reason,
            reason_zh=finding.reason_zh, evidence=tuple(e.model_dump(mode="json") for e in finding.evidence),
            observations=finding.observations, details=finding.details, waiver=finding.waiver,
        )


class CheckResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    schema_: Literal["ihcheck.result/1"] = Field(default=SCHEMA, alias="schema")
    tool: ToolInfo = ToolInfo()
    catalogue: CatalogueInfo
    inventory: str
    started_at: datetime
    finished_at: datetime
    facts: DeploymentFacts
    findings: tuple[FindingOut, ...]
    observations: tuple[Observation, ...]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def summary(self) -> dict[str, Any]:
        counts = Counter(f.verdict.value for f in self.findings)
        return {
            "exit_code": self.exit_code,
            "verdicts": {v.value: counts.get(v.value, 0) for v in Verdict},
            "rules": {k: v.value for k, v in rule_verdicts(self._findings()).items()},
            "waived": sum(1 for f in self.findings if f.waiver is not None),
        }

    @property
    def exit_code(self) -> int:
        """Waived findings count as passed here (they were accepted); their verdicts stay in the findings."""
        return exit_code([f.model_copy(update={"verdict": Verdict.PASS}) if f.waiver else f for f in self._findings()])

    def _findings(self) -> list[Finding]:
        return [Finding(rule_id=f.rule_id, verdict=f.verdict, hosts=f.hosts, reason=f.reason, waiver=f.waiver)
                for f in self.findings]

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2)

    @classmethod
    def build(cls, *, rules: tuple[Rule, ...], facts: DeploymentFacts, findings: list[Finding],
              observations: list[Observation], started_at: datetime, finished_at: datetime) -> CheckResult:
        return cls(
            catalogue=CatalogueInfo(rules=[r.describe() for r in rules]),
            inventory=facts.inventory, started_at=started_at, finished_at=finished_at, facts=facts,
            findings=tuple(FindingOut.of(f) for f in findings), observations=tuple(observations),
        )
