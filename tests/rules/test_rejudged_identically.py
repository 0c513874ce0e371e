"""The recorded scenarios re-judge exactly as they did before the registries (issue 19): same verdicts, reasons,
evidence and exit codes.

tests/data/rejudged/findings.json was computed from main before fact families, blindness and output formats became
registries: per scenario, the exit code, each rule's verdict and the SHA-256 of its findings in full (verdict,
hosts, both reasons, evidence, details). Beside the 15 recorded scenarios it judges three blind variants of the
compliant one (a probe broken on a reachable host, a probe cut by the deadline, a host unreachable), which are
what the one blindness decision decides. A change that means to change a judge regenerates the file with
`IHCHECK_RECORD_REJUDGED=1 pytest tests/rules/test_rejudged_identically.py` and says so in its commit. A new
rule is not pinned here (its examples and the scenarios pin it), so adding one leaves this file alone.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from checker.catalogue import CATALOGUE
from checker.engine import evaluate, exit_code, rule_verdicts
from probes.facts import DeploymentFacts

DATA = Path(__file__).resolve().parents[1] / "data"
GOLDEN = DATA / "rejudged" / "findings.json"
FAMILIES = ("identity", "services", "egress", "uplinks", "connections", "av", "power", "exchange", "baseline",
            "firewall")


def _blind_variants(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The compliant deployment with its first host's probes broken, its second's cut short, its third unreachable."""
    variants: dict[str, dict[str, Any]] = {}
    for name, change in (
        ("blind-errors", lambda h: h | {"errors": {f: "RuntimeError: boom" for f in FAMILIES}}),
        ("blind-unfinished", lambda h: h | {"unfinished": {f: "did not finish within --host-timeout 5 s"
                                                           for f in FAMILIES}}),
        ("blind-unreachable", lambda h: {k: v for k, v in h.items() if k not in FAMILIES}
         | {"reachable": False, "unreachable_reason": "timed out"}),
    ):
        facts = json.loads(json.dumps(record["facts"]))
        index = {"blind-errors": 0, "blind-unfinished": 1, "blind-unreachable": 2}[name]
        host = facts["hosts"][index]
        host = {k: v for k, v in host.items() if k not in FAMILIES or name == "blind-unreachable"}
        if name == "blind-errors" and len(facts["hosts"]) > 3:  # a partial blindness: one family gone on another host
            other = facts["hosts"][3]
            other.pop("services", None)
            other["errors"] = {"services": "RuntimeError: half"}
        facts["hosts"][index] = change(host)
        variants[name] = facts
    return variants


def _cases() -> dict[str, dict[str, Any]]:
    cases = {p.stem: json.loads(p.read_text(encoding="utf-8"))["facts"]
             for p in sorted((DATA / "scenarios").glob("*.json"))}
    cases |= _blind_variants(json.loads((DATA / "scenarios" / "compliant.json").read_text(encoding="utf-8")))
    return cases


def _judged(facts_json: dict[str, Any]) -> dict[str, Any]:
    facts = DeploymentFacts.model_validate(facts_json)
    findings = evaluate(facts, CATALOGUE)
    by_rule: dict[str, list[Any]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule_id, []).append(finding.model_dump(mode="json"))
    return {
        "exit_code": int(exit_code(findings)),
        "verdicts": {k: v.value for k, v in sorted(rule_verdicts(findings).items())},
        "findings_sha256": {rule: hashlib.sha256(json.dumps(dumped, sort_keys=True, ensure_ascii=False)
                                                 .encode()).hexdigest() for rule, dumped in sorted(by_rule.items())},
    }


CASES = _cases()


def test_golden_covers_every_case() -> None:
    if os.environ.get("IHCHECK_RECORD_REJUDGED") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps({name: _judged(facts) for name, facts in CASES.items()}, indent=1,
                                     ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    assert sorted(json.loads(GOLDEN.read_text(encoding="utf-8"))) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_rejudged_identically(name: str) -> None:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))[name]
    got = _judged(CASES[name])
    # A rule added since the file was made is not pinned here (its examples and the scenarios' derived expectations
    # pin it), so adding a rule does not touch this file; every rule pinned here is still judged, and identically.
    new = set(got["verdicts"]) - set(golden["verdicts"])
    assert got["exit_code"] == golden["exit_code"] or any(got["verdicts"][r] in ("fail", "error") for r in new)
    assert {r: v for r, v in got["verdicts"].items() if r not in new} == golden["verdicts"]
    pinned = {r: d for r, d in got["findings_sha256"].items() if r not in new}
    changed = {rule for rule, digest in pinned.items() if golden["findings_sha256"].get(rule) != digest}
    assert not changed and set(pinned) == set(golden["findings_sha256"]), sorted(changed)
