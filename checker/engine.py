"""Evaluation: facts in, findings out. Pure; touches no host.

A rule that raises is reported as `error` for that rule alone; a rule that returns nothing is
`inconclusive`, never silently absent and never pass.
"""

from __future__ import annotations

from collections.abc import Iterable

from checker.model import Finding, Rule, Verdict, worst
from probes.facts import DeploymentFacts


def evaluate(facts: DeploymentFacts, rules: Iterable[Rule]) -> list[Finding]:
    findings: list[Finding] = []
    everyone = tuple(h.name for h in facts.hosts)
    for rule in rules:
        try:
            produced = rule.judge(facts)
        except Exception as exc:
            produced = [Finding(rule_id=rule.id, verdict=Verdict.ERROR, hosts=everyone,
                                reason=f"rule raised {type(exc).__name__}: {exc}")]
        if not produced:
            produced = [Finding(rule_id=rule.id, verdict=Verdict.INCONCLUSIVE, hosts=everyone,
                                reason="the rule produced no finding")]
        findings.extend(produced)
    return findings


def rule_verdicts(findings: Iterable[Finding]) -> dict[str, Verdict]:
    """One verdict per rule: the most severe of its findings."""
    by_rule: dict[str, list[Verdict]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule_id, []).append(finding.verdict)
    return {rule_id: worst(verdicts) for rule_id, verdicts in by_rule.items()}


def exit_code(findings: Iterable[Finding]) -> int:
    """0 all pass (or not applicable), 1 any fail, 2 any inconclusive or error and no fail."""
    verdicts = {f.verdict for f in findings}
    if Verdict.FAIL in verdicts:
        return 1
    if verdicts & {Verdict.INCONCLUSIVE, Verdict.ERROR} or not verdicts:
        return 2
    return 0
