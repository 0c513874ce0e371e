"""Schema `ihcheck.result/2`: the result that scales (observations by reference, a rule's shared details once).

At 200 hosts the full form (/1) was 285 kB a host: the commands' output, which the bundle already holds, was
40 % of it, and every MLPS finding carried its item's scope, requirement and remediation again (34 findings
a host). /2 references each output by observation id and digest and writes a rule's shared details once, in
its catalogue entry; nothing a finding says is dropped, `expand` restores /1's shape (reports.result lists
the schema). Written a line per host, finding and observation, so neither the writer nor a reader needs
the document whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal, Protocol


class FindingLike(Protocol):
    """What `shared_details` reads of a finding (reports.result.FindingOut; not imported: it imports this)."""

    @property
    def rule_id(self) -> str: ...

    @property
    def details(self) -> dict[str, Any]: ...

SCHEMA_REFS: Literal["ihcheck.result/2"] = "ihcheck.result/2"  # outputs by reference (`write_json`'s default)

# fields an observation keeps in /2: everything but its output (`stdout_sha256` is the reference's digest)
OUTPUT_FIELDS: set[str] = {"stdout", "stderr"}


def shared_details(findings: Sequence[FindingLike]) -> dict[str, dict[str, Any]]:
    """Per rule with two findings or more: the details entries all its findings carry with one value."""
    by_rule: dict[str, list[FindingLike]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule_id, []).append(finding)
    shared: dict[str, dict[str, Any]] = {}
    for rule_id, group in by_rule.items():
        if len(group) < 2:
            continue
        first, *rest = group
        common = {key: value for key, value in first.details.items()
                  if all(key in f.details and f.details[key] == value for f in rest)}
        if common:
            shared[rule_id] = common
    return shared


def json_lines(items: Iterable[bytes]) -> Iterable[bytes]:
    """A JSON array, an item a line."""
    yield b"["
    for position, item in enumerate(items):
        yield (b"\n" if position == 0 else b",\n") + item
    yield b"\n]"


def expand(data: dict[str, Any]) -> dict[str, Any]:
    """A /2 document in /1's shape: each finding's details whole again. The outputs stay absent (they are in
    the bundle); `schema` stays /2, so a reader knows. A /1 document is returned as it is."""

    if data.get("schema") != SCHEMA_REFS:
        return data
    catalogue = data.get("catalogue") if isinstance(data.get("catalogue"), dict) else {}
    shared = {rule["id"]: rule["finding_details"] for rule in (catalogue or {}).get("rules") or ()
              if isinstance(rule, dict) and isinstance(rule.get("finding_details"), dict) and "id" in rule}
    findings = data.get("findings")
    if shared and isinstance(findings, list):
        data = {**data, "findings": [
            {**f, "details": {**shared[f["rule_id"]], **(f.get("details") or {})}}
            if isinstance(f, dict) and f.get("rule_id") in shared else f for f in findings]}
    return data
