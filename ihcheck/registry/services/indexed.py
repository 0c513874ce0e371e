"""What intake indexes from a verified bundle, parsed by pydantic with the bounds of the columns it lands in.

A signature proves who made a bundle, not that its contents are sane: a hospital holding its own key can sign a
verdict of forty characters, a NUL byte in a reason (PostgreSQL's text and jsonb cannot hold one), a host list
that is a number, a date that is not one. Each such bundle is refused here, before a byte is stored, with one
line naming the file and the field, instead of failing halfway through the index with a blob already written.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from checker.errors import InputError

Verdict = Literal["pass", "fail", "inconclusive", "error", "not_applicable"]


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("holds a NUL character")
    return value


NoNul = AfterValidator(_no_nul)
# Finding.rule_id, a document's items: every catalogue's ids are letters, digits, '.', '_' and '-' (GD2020-1.2.5-isps,
# mlps-receipt), so one that is markup, a formula or a path is no rule id; it reaches URLs, charts and spreadsheets
RuleId = Annotated[str, StringConstraints(max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$"), NoNul]
Short = Annotated[str, StringConstraints(max_length=64), NoNul]  # catalogue and tool versions, digests
Name = Annotated[str, StringConstraints(max_length=255), NoNul]  # a host, an observation id, a document's name
Reason = Annotated[str, NoNul]  # kept whole for the drill-down; the index keeps its first 4,000 characters
Hex64 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Evidence(_Loose):
    observations: list[Name] = Field(default_factory=list, max_length=10_000)
    basis: str | None = Field(default="observed", max_length=48)  # observed, declared, attested, simulated


class FindingIn(_Loose):
    rule_id: RuleId
    verdict: Verdict
    hosts: list[Name] = Field(default_factory=list, max_length=10_000)
    reason: Reason | None = ""
    evidence: list[Evidence] = Field(default_factory=list, max_length=10_000)
    observations: list[Name] = Field(default_factory=list, max_length=10_000)

    def cited(self) -> list[str]:
        return sorted({o for e in self.evidence for o in e.observations} | set(self.observations))

    def bases(self) -> str:
        """What its evidence rests on (Finding.basis)."""
        return join_bases(e.basis for e in self.evidence)


def join_bases(bases: Iterable[object]) -> str:
    """Finding.basis: the bases a finding's evidence states, sorted and comma-joined (none stated: observed)."""
    return ",".join(sorted({str(b or "observed") for b in bases}))[:48]


class Summary(_Loose):
    rules: dict[RuleId, Verdict] = Field(default_factory=dict)


class ResultIn(_Loose):
    summary: Summary = Summary()
    finished_at: datetime | None = None


class DocumentIn(_Loose):
    file: Name
    items: list[RuleId] = Field(default_factory=list, max_length=1_000)
    title: Name | None = ""
    issued: date | None = None
    expires: date | None = None
    submitted: date | None = None
    sha256: Hex64 | None = None


class TrailCheck(_Loose):
    head: Hex64 | None = None
    last_seq: Annotated[int, Field(ge=0, le=2**62)] | None = None
    broken: Any = None


class Catalogue(_Loose):
    version: Short = ""
    sha256: Short = ""


class Tool(_Loose):
    version: Short = ""


class ManifestIn(_Loose):
    catalogue: Catalogue = Catalogue()
    tool: Tool = Tool()


class Indexed(BaseModel):
    """A bundle as the registry's rows hold it."""

    model_config = ConfigDict(frozen=True)

    manifest: ManifestIn
    result: ResultIn
    findings: list[FindingIn]
    documents: list[DocumentIn]
    trail: TrailCheck


def _where(error: Any) -> str:
    """The field's path, each part as the bundle spells it but shortened and without control characters."""
    from ihcheck.registry.services.refusals import one_line

    parts = [one_line(str(part)) for part in error["loc"]]
    return ".".join(p if len(p) <= 40 else p[:40] + "…" for p in parts) or "(top)"


def _parse(model: Any, value: Any, rel: str) -> Any:
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        raise InputError(f"{rel}: {_where(first)}: {first['msg']}") from None


def _dig(value: Any, *keys: str) -> Any:
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def parse(manifest: dict[str, Any], content: dict[str, bytes]) -> Indexed:
    """The indexed view of a verified bundle's content; InputError naming the file and field that does not fit."""
    from probes.limits import loads

    def load(rel: str, default: Any) -> Any:
        if rel not in content:
            return default
        try:
            return loads(content[rel])
        except ValueError as exc:
            raise InputError(f"{rel}: not JSON ({exc})") from None

    facts = load("facts.json", {})
    findings = load("findings.json", [])
    if not isinstance(findings, list):
        raise InputError("findings.json: not a list of findings")
    documents = _dig(facts, "documents", "documents") or []
    if not isinstance(documents, list):
        raise InputError("facts.json: documents.documents: not a list")
    trail = _dig(facts, "pilot", "trail", "check") or {}
    return Indexed(
        manifest=_parse(ManifestIn, manifest, "manifest.json"),
        result=_parse(ResultIn, load("result.json", {}), "result.json"),
        findings=[_parse(FindingIn, f, f"findings.json: finding {i}") for i, f in enumerate(findings)],
        # a document without a digest is one the rules did not read (reports.verify checks the others')
        documents=[_parse(DocumentIn, d, f"facts.json: documents.documents.{i}") for i, d in enumerate(documents)
                   if isinstance(d, dict) and d.get("sha256")],
        trail=_parse(TrailCheck, trail, "facts.json: pilot.trail.check"))
