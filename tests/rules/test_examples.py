"""Every rule's example facts give the verdict their file is named after: tests/data/facts/<rule-id>/<verdict>.json.

Most are recorded from real simulated hosts (tests/data/scenarios; the network ones from the netns lab in
tests/probes/uplink_lab.py) and narrowed to the families the rule needs; constructed ones say in their
`inventory` what was changed. tests/checker/test_catalogue.py fails for a rule without pass, fail and
inconclusive examples.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.catalogue import rule_by_id
from checker.engine import evaluate, rule_verdicts
from checker.model import Verdict
from probes.facts import DeploymentFacts

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "facts"


@pytest.mark.parametrize("example", sorted(str(p.relative_to(EXAMPLES)) for p in EXAMPLES.glob("*/*.json")))
def test_example_facts_give_their_verdict(example: str) -> None:
    rule_id, name = example.split("/")
    facts = DeploymentFacts.model_validate_json((EXAMPLES / example).read_text(encoding="utf-8"))
    findings = evaluate(facts, [rule_by_id(rule_id)])
    assert rule_verdicts(findings) == {rule_id: Verdict(name.removesuffix(".json"))}, [f.reason for f in findings]
