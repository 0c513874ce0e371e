"""The checker's vocabulary: rules, the clauses they cite, and the findings they produce.

A rule is frozen data plus one pure judge function over typed facts (see `probes.facts`).
The data (id, clause, severity, the fact domains it needs) is what the catalogue table, the
README and the evidence bundle are generated from, so the three cannot drift apart.

Verdicts follow OpenSCAP/Checkov in keeping "could not tell" apart from "failed":

    pass            the facts observed satisfy the clause
    fail            the facts observed contradict the clause
    inconclusive    not enough could be observed to decide; `reason` says what was missing
    error           a probe broke (an exception, unparseable output); not a statement about the host
    not_applicable  the clause does not apply to this deployment
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from probes.facts import DeploymentFacts, HostFacts


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"
    ERROR = "error"
    NOT_APPLICABLE = "not_applicable"


# The verdicts as a Chinese report words them (the terminal table, HTML/PDF, the fleet view, reasons that list parts)
VERDICT_ZH: dict[str, str] = {
    Verdict.PASS: "符合", Verdict.FAIL: "不符合", Verdict.INCONCLUSIVE: "无法判定", Verdict.ERROR: "检查出错",
    Verdict.NOT_APPLICABLE: "不适用",
}

# When a rule yields several findings (one per host), the rule's verdict is the most severe.
_PRECEDENCE = [Verdict.FAIL, Verdict.ERROR, Verdict.INCONCLUSIVE, Verdict.PASS, Verdict.NOT_APPLICABLE]


def worst(verdicts: Iterable[Verdict]) -> Verdict:
    """The most severe verdict; an empty set is inconclusive, never pass."""
    present = set(verdicts)
    for verdict in _PRECEDENCE:
        if verdict in present:
            return verdict
    return Verdict.INCONCLUSIVE


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Status(StrEnum):
    """Where a rule is in its life, as ruff keeps its rules: the catalogue says it, the docs and `rules` show it.

    stable      runs by default; its verdict logic changes only with a catalogue version and a CHANGELOG line
    preview     runs by default and is reported, but its reading may still change between catalogue versions
    deprecated  kept so old bundles and waivers still name it; runs only when named (`--rule ID`)
    """

    STABLE = "stable"
    PREVIEW = "preview"
    DEPRECATED = "deprecated"


class Basis(StrEnum):
    """How a statement in a finding is known. Only `observed` comes from looking at a host."""

    OBSERVED = "observed"
    DECLARED = "declared"  # an inventory variable says so
    ATTESTED = "attested"  # a document says so (hashed into the evidence)
    SIMULATED = "simulated"  # a simulated identity (geo/ISP) served by the simulator


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Document(Frozen):
    """A regulatory source text, cited as a reader would find it: title, issuer, number, date and public address.

    Never a path: a user's clone has only the repository, so a citation must name the document itself.
    """

    id: str = Field(description="short stable id, e.g. GD2020")
    title_zh: str
    title_en: str
    issuer_zh: str
    issuer_en: str = ""
    number: str = Field(default="", description="the document number (文号) as printed; empty when none was found")
    issued: str = Field(description="ISO date (or year) the document was issued")
    url: str = Field(default="", pattern=r"^(https?://\S+)?$",
                     description="a public address of the text; empty when none was found (never invented)")

    def passage(self, key: str, ref: str, text_zh: str, text_en: str) -> Clause:
        """One passage of this document, its id `<document id>:<key>` (e.g. GD2020:1.2.3.2)."""
        return Clause(id=f"{self.id}:{key}", document=self, ref=ref, text_zh=text_zh, text_en=text_en)


class Clause(Frozen):
    """One passage of a source document, kept once in checker/catalogue/clauses/ and cited by rules by `id`.

    `interpretation` is the citing rule's own reading (`clauses.cite(id, interpretation=...)`), not the source's.
    """

    id: str = Field(description="stable id of the passage, e.g. GD2020:1.2.3.2 (一(二)3, second sentence)")
    document: Document
    ref: str = Field(description="clause number as printed, e.g. 一(二)3")
    text_zh: str = Field(description="the clause in its original Chinese wording")
    text_en: str = Field(description="an English rendering")
    interpretation: str = Field(default="", description="how ihcheck reads the clause, where it is not obvious")
    interpretation_zh: str = Field(default="", description="the same reading in Chinese (shown first to a regulator)")


class Evidence(Frozen):
    """One statement a finding rests on, with the observations that support it."""

    host: str | None = None
    statement: str
    basis: Basis = Basis.OBSERVED
    observations: tuple[str, ...] = ()


class Waiver(Frozen):
    """An accepted exception (InSpec/Prowler style): it marks a finding `waived`, never changes its verdict.

    `host` None waives the rule for the whole deployment; a host name waives only that host's
    finding of a per-host rule. A waiver past `expires` stops waiving (see reports.waivers).
    """

    rule_id: str
    host: str | None = None
    justification: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    ticket: str = Field(min_length=1)
    expires: date


@dataclass(frozen=True)
class Said:
    """Words a finding says, in Chinese for the regulator who reads it first and in English beside it.

    A judge writes both where it composes the reason, so the two say the same thing with the same figures,
    names and quoted host output (tests/rules/test_reasons_zh.py holds every rule's examples to that).
    Text a host or a library produced (an error message, a file line) is quoted as it came, in both.
    """

    zh: str
    en: str

    def __add__(self, other: Said | str) -> Said:
        """Append words; a plain string (a name, a figure, quoted output) is the same in both languages."""
        if isinstance(other, str):
            return Said(self.zh + other, self.en + other)
        return Said(self.zh + other.zh, self.en + other.en)

    @staticmethod
    def join(parts: Iterable[Said], zh: str = "；", en: str = "; ") -> Said:
        items = list(parts)
        return Said(zh.join(p.zh for p in items), en.join(p.en for p in items))

    def reason(self) -> dict[str, str]:
        """`Finding(..., **said.reason())`: the two fields a finding carries its reason in."""
        return {"reason": self.en, "reason_zh": self.zh}


class Finding(Frozen):
    rule_id: str
    verdict: Verdict
    hosts: tuple[str, ...]
    reason: str
    reason_zh: str = Field(default="", description="the reason in Chinese, shown first to a regulator")
    evidence: tuple[Evidence, ...] = ()
    details: dict[str, Any] = Field(default_factory=dict)
    waiver: Waiver | None = Field(default=None, description="set when a valid waiver accepts this finding")

    @property
    def observations(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for item in self.evidence:
            seen.update(dict.fromkeys(item.observations))
        return tuple(seen)


Judge = Callable[["DeploymentFacts"], list[Finding]]
HostJudge = Callable[["HostFacts"], Finding]

Family = str  # a fact family: a `HostFacts` field filled by the probe of that name, or "documents"


@dataclass(frozen=True)
class Rule:
    """A rule: data the catalogue lists, plus one pure function that judges facts.

    A deployment rule (`judge`) sees the whole fleet's facts at once: ≥2 servers, ≥2 providers. A host rule
    (`judge_host`) judges one host at a time and the engine does the rest once for all of them: the hosts in
    scope (`applies_to`), their order (`order`), a host lacking a family it `needs` (unreachable, probe
    broke, not observed: inconclusive or error, with `blind_hint` on what to declare), and a deployment with
    no host in scope (`nobody`). So `judge_host` only ever sees a host whose needed families are present.

    `needs` is every fact family the judge reads; it decides which probes run (`ihcheck check --rule X` runs
    only X's), and tests/rules/test_needs.py fails for a judge that reads a family it does not declare.
    `optional` are needed families whose absence does not blind a host rule (e.g. services, only for a label).
    """

    id: str
    title: str
    clause: Clause
    severity: Severity
    needs: tuple[Family, ...]
    judge: Judge | None = field(default=None, repr=False, compare=False)
    judge_host: HostJudge | None = field(default=None, repr=False, compare=False)
    optional: tuple[Family, ...] = ()
    applies_to: Callable[[HostFacts], bool] | None = field(default=None, repr=False, compare=False)
    order: Callable[[HostFacts], Any] | None = field(default=None, repr=False, compare=False)
    blind_hint: Said | None = None  # what to declare when a host cannot show what the rule needs
    nobody: Said = Said("清单中没有主机", "the inventory has no hosts")
    standard: Clause | None = None  # the standard's item the rule checks, where `clause` says why it applies
    read_with: tuple[Clause, ...] = ()  # passages of other sources the rule's reading draws on (e.g. Qinghai 2019)
    # The title in Chinese, shown first in what a regulator reads (`title` is its English beside it). Worded from
    # the clause or standard item the rule cites; tests/checker/test_catalogue_titles.py fails a rule without one.
    title_zh: str = ""
    tags: tuple[str, ...] = ()  # what the rule is about (hardware, network, exchange, documents, pilot, mlps, …)
    since: str = "2026.11"  # the catalogue version (checker.catalogue.CATALOGUE_VERSION) that first had the rule
    status: Status = Status.STABLE
    # details every finding of the rule carries, whoever wrote it (the judge or the engine for a blind host): the
    # MLPS baseline's scope, so no finding of it reads as 等保三级 achieved
    finding_details: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if (self.judge is None) == (self.judge_host is None):
            raise ValueError(f"rule {self.id}: give exactly one of judge (deployment) or judge_host (per host)")
        if not set(self.optional) <= set(self.needs):
            raise ValueError(f"rule {self.id}: optional families must be among needs")

    @property
    def scope(self) -> str:
        """"deployment" judges the fleet at once; "host" yields a finding per host."""
        return "host" if self.judge_host is not None else "deployment"

    def describe(self) -> dict[str, Any]:
        """The rule as data (for `ihcheck rules --format json`, the README and the bundle)."""
        return {
            "id": self.id,
            "title": self.title,
            "title_zh": self.title_zh,
            "severity": self.severity.value,
            "scope": self.scope,
            "needs": list(self.needs),
            "tags": list(self.tags),
            "since": self.since,
            "status": self.status.value,
            "clause": self.clause.model_dump(mode="json"),
        } | ({"standard": self.standard.model_dump(mode="json")} if self.standard else {}) | (
            {"read_with": [c.model_dump(mode="json") for c in self.read_with]} if self.read_with else {})
