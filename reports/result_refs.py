"""Schema `ihcheck.result/2`: the result that scales (observations by reference, a rule's shared details once).

At 200 hosts the full form (/1) was 285 kB a host: the commands' output, which the bundle already holds, was
40 % of it, and every MLPS finding carried its item's scope, requirement and remediation again (34 findings
a host). /2 references each output by observation id and digest and writes a rule's shared details once, in
its catalogue entry; nothing a finding says is dropped, `expand` restores /1's shape (reports.result lists
the schema). Written a line per host, finding and observation, so neither the writer nor a reader needs
the document whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:
    from reports.result import CheckResult, FindingOut

# fields an observation keeps in /2: everything but its output (`stdout_sha256` is the reference's digest)
OUTPUT_FIELDS: set[str] = {"stdout", "stderr"}


def shared_details(findings: Sequence[FindingOut]) -> dict[str, dict[str, Any]]:
    """Per rule with two findings or more: the details entries all its findings carry with one value."""
    by_rule: dict[str, list[FindingOut]] = {}
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


def _line(items: Iterable[bytes]) -> Iterable[bytes]:
    """A JSON array, an item a line."""
    yield b"["
    for position, item in enumerate(items):
        yield (b"\n" if position == 0 else b",\n") + item
    yield b"\n]"


def write_refs(result: CheckResult, sink: BinaryIO) -> None:
    """`result` as schema /2, written a piece at a time (no piece larger than one host's facts)."""
    from reports.result import SCHEMA_REFS

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
    for chunk in _line(h.__pydantic_serializer__.to_json(h, by_alias=True) for h in facts.hosts):
        sink.write(chunk)
    sink.write(b'},\n"findings":')

    def finding(f: FindingOut) -> bytes:
        common = shared.get(f.rule_id)
        if common:
            f = f.model_copy(update={"details": {k: v for k, v in f.details.items() if k not in common}})
        return f.__pydantic_serializer__.to_json(f, by_alias=True)

    for chunk in _line(finding(f) for f in result.findings):
        sink.write(chunk)
    sink.write(b',\n"observations":')
    for chunk in _line(o.__pydantic_serializer__.to_json(o, by_alias=True, exclude=OUTPUT_FIELDS)
                       for o in result.observations.metadata()):
        sink.write(chunk)
    sink.write(b"}\n")


def expand(data: dict[str, Any]) -> dict[str, Any]:
    """A /2 document in /1's shape: each finding's details whole again. The outputs stay absent (they are in
    the bundle); `schema` stays /2, so a reader knows. A /1 document is returned as it is."""
    from reports.result import SCHEMA_REFS

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
