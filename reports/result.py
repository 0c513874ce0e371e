"""The result of one check run: the stable JSON schema scripts and CI parse.

`ihcheck check --format json` writes schema `ihcheck.result/2` (below, after /1): the result that scales. The
full form `ihcheck.result/1` (`--full-observations`) is what the model holds and serialises:

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

Schema `ihcheck.result/2` is /1 without what a fleet's result repeated (285 kB a host at 200 hosts, most of it
outputs already in the bundle, and text every finding of a rule carried again):

* `observations`: each observation's metadata without `stdout` and `stderr`: the output is referenced by
  `id` and `stdout_sha256` (the digest taken when it was recorded); the bundle (`--bundle`) holds it whole.
* `catalogue.rules[].finding_details`: the `details` entries that every finding of the rule carries with the
  same value (an MLPS item's scope, requirement, standard and remediation); each finding's `details` holds
  only the rest. `expand()` puts them back: a finding's details are `{**finding_details, **details}`.
* written compact: a line per host's facts, finding and observation (`jq`, `grep` and a stream reader
  take it a line at a time).

`expand()` turns a /2 document into /1's shape (outputs stay absent: `observations[].stdout` is missing);
`ihcheck diff`, `ihcheck remediate` and the replay transport read either through it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, BinaryIO, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from checker import __version__
from checker.catalogue import CATALOGUE_VERSION, catalogue_sha256
from checker.engine import exit_code, rule_verdicts
from checker.model import Finding, Rule, Verdict, Waiver
from probes.facts import DeploymentFacts
from probes.observation import Observation, Observations
from reports.result_refs import OUTPUT_FIELDS, expand, json_lines, shared_details
from reports.result_refs import SCHEMA_REFS as SCHEMA_REFS  # the schemas are listed here

SCHEMA: Literal["ihcheck.result/1"] = "ihcheck.result/1"  # the full form the model holds
SCHEMAS = (SCHEMA, SCHEMA_REFS)


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

    # /2 when read from a /2 document (its observations' stdout and stderr are then empty: see expand)
    schema_: Literal["ihcheck.result/1", "ihcheck.result/2"] = Field(default=SCHEMA, alias="schema")
    tool: ToolInfo = ToolInfo()
    catalogue: CatalogueInfo
    inventory: str
    started_at: datetime
    finished_at: datetime
    facts: DeploymentFacts
    findings: tuple[FindingOut, ...]
    observations: Observations  # read back from the run's spool one at a time; serialised as a list

    @model_validator(mode="before")
    @classmethod
    def _from_refs(cls, data: Any) -> Any:
        """A /2 document read back: details whole again, each observation's output empty (it is in the bundle)."""
        if not isinstance(data, dict) or data.get("schema") != SCHEMA_REFS:
            return data

        data = expand(data)
        observations = data.get("observations")
        if isinstance(observations, list):
            data = {**data, "observations": [{"stdout": "", "stderr": "", **o} if isinstance(o, dict) else o
                                             for o in observations]}
        return data

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

    def write_json(self, sink: BinaryIO, *, full: bool = False) -> None:
        """Schema /2 (or with `full` the bytes of `to_json()`, /1), written a host's facts, a finding or an
        observation at a time.

        At fleet scale the text at once is the largest thing a run holds: 250 kB a host, twice that as a
        Python str once any Chinese text is in it, again as the encoded bytes. Written piece by piece the
        run needs only the largest piece beside the result."""
        if full:
            for chunk in _pieces(self, _SPLIT, 0):
                sink.write(chunk)
            return

        write_refs(self, sink)

    @classmethod
    def build(cls, *, rules: tuple[Rule, ...], facts: DeploymentFacts, findings: list[Finding],
              observations: Sequence[Observation], started_at: datetime, finished_at: datetime) -> CheckResult:
        return cls(
            catalogue=CatalogueInfo(rules=[r.describe() for r in rules]),
            inventory=facts.inventory, started_at=started_at, finished_at=finished_at, facts=facts,
            findings=tuple(FindingOut.of(f) for f in findings),
            observations=observations if isinstance(observations, Observations) else Observations(observations),
        )


# Which fields are written piece by piece: these grow with the hosts; every other field is small.
_SPLIT: dict[str, dict[str, Any] | None] = {
    "facts": {"hosts": None}, "findings": None, "observations": None,
}


def _indented(data: bytes, depth: int) -> bytes:
    """A JSON text made with indent=2 at the top, as it reads nested `depth` levels down (JSON strings hold no
    raw line break, so every line break is layout)."""
    return data.replace(b"\n", b"\n" + b"  " * depth) if depth else data


def _pieces(model: BaseModel, split: dict[str, Any], depth: int) -> Iterator[bytes]:
    """`model` as pydantic writes it with by_alias and indent=2, a field (or a list's item) at a time."""
    serializer = model.__pydantic_serializer__
    fields = type(model).model_fields
    pad = b"  " * (depth + 1)
    first = True
    yield b"{"
    for name in [*fields, *type(model).model_computed_fields]:
        value = getattr(model, name)
        items = value if isinstance(value, Observations) or (  # an observation at a time, read back as written
            isinstance(value, (list, tuple)) and all(isinstance(v, BaseModel) for v in value)) else None
        if name in fields and name in split and not fields[name].exclude and (
                isinstance(value, BaseModel) or items is not None):
            yield (b"\n" if first else b",\n") + pad + json.dumps(fields[name].serialization_alias
                                                               or fields[name].alias or name).encode() + b": "
            if items is None:
                yield from _pieces(value, split[name] or {}, depth + 1)
            elif not items:
                yield b"[]"
            else:
                yield b"["
                for position, item in enumerate(items):
                    yield (b"\n" if position == 0 else b",\n") + pad + b"  "
                    yield _indented(item.__pydantic_serializer__.to_json(item, by_alias=True, indent=2), depth + 2)
                yield b"\n" + pad + b"]"
        else:
            whole = serializer.to_json(model, include={name}, by_alias=True, indent=2)  # {\n  "name": value\n}
            if whole == b"{}":  # a field left out of the output
                continue
            yield (b"\n" if first else b",\n") + b"  " * depth + _indented(whole[2:-2], depth)
        first = False
    yield b"\n" + b"  " * depth + b"}" if not first else b"}"


def write_refs(result: CheckResult, sink: BinaryIO) -> None:
    """`result` as schema /2, written a piece at a time (no piece larger than one host's facts)."""

    shared = shared_details(result.findings)
    rules = [{**rule, "finding_details": shared[rule["id"]]} if rule.get("id") in shared else rule
             for rule in result.catalogue.rules]
    head = json.loads(result.__pydantic_serializer__.to_json(
        result, exclude={"facts", "findings", "observations"}, by_alias=True))
    head["schema"] = SCHEMA_REFS
    head["catalogue"]["rules"] = rules
    sink.write(json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1].encode("utf-8"))
    facts = result.facts
    rest = facts.__pydantic_serializer__.to_json(facts, exclude={"hosts"}, by_alias=True)
    sink.write(b',\n"facts":' + (rest[:-1] + b"," if rest != b"{}" else b"{") + b'"hosts":')
    for chunk in json_lines(h.__pydantic_serializer__.to_json(h, by_alias=True) for h in facts.hosts):
        sink.write(chunk)
    sink.write(b'},\n"findings":')

    def finding(f: FindingOut) -> bytes:
        common = shared.get(f.rule_id)
        if common:
            f = f.model_copy(update={"details": {k: v for k, v in f.details.items() if k not in common}})
        return f.__pydantic_serializer__.to_json(f, by_alias=True)

    for chunk in json_lines(finding(f) for f in result.findings):
        sink.write(chunk)
    sink.write(b',\n"observations":')
    for chunk in json_lines(o.__pydantic_serializer__.to_json(o, by_alias=True, exclude=OUTPUT_FIELDS)
                       for o in result.observations.metadata()):
        sink.write(chunk)
    sink.write(b"}\n")
