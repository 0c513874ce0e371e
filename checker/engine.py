"""Evaluation: facts in, findings out. Pure; touches no host.

A rule that raises is reported as `error` for that rule alone (for a host rule, for that host alone);
a rule that returns nothing is `inconclusive`, never silently absent and never pass. Host rules get
the host loop from here: scope, order, the hosts that lack a needed family, and the empty case.
"""

from __future__ import annotations

from collections.abc import Iterable

from checker.errors import ExitCode
from checker.model import Evidence, Finding, Rule, Verdict, worst
from probes.facts import DeploymentFacts, HostFacts


def _raised(rule: Rule, hosts: tuple[str, ...], exc: Exception) -> Finding:
    return Finding(rule_id=rule.id, verdict=Verdict.ERROR, hosts=hosts,
                   reason=f"rule raised {type(exc).__name__}: {exc}")


def blind(rule: Rule, host: HostFacts) -> Finding | None:
    """The finding for a host lacking a family the rule needs: `error` when its probe broke on a reachable
    host, else `inconclusive`; None when every required family is there."""
    missing = [f for f in rule.needs if f not in rule.optional and f != "documents" and getattr(host, f) is None]
    if not missing:
        return None
    broke = host.reachable and any(f in host.errors for f in missing)
    why = [host.why_missing(f) for f in missing] if host.reachable else [host.why_missing(missing[0])]
    reason = "; ".join(why) + (f"; {rule.blind_hint}" if rule.blind_hint and not broke else "")
    return Finding(rule_id=rule.id, verdict=Verdict.ERROR if broke else Verdict.INCONCLUSIVE, hosts=(host.name,),
                   reason=reason, evidence=tuple(Evidence(host=host.name, statement=w) for w in why))


def _per_host(rule: Rule, facts: DeploymentFacts) -> list[Finding]:
    assert rule.judge_host is not None
    hosts = [h for h in facts.hosts if rule.applies_to is None or rule.applies_to(h)]
    if rule.order is not None:
        hosts.sort(key=rule.order)
    findings: list[Finding] = []
    for host in hosts:
        try:
            findings.append(blind(rule, host) or rule.judge_host(host))
        except Exception as exc:
            findings.append(_raised(rule, (host.name,), exc))
    if not findings:
        findings.append(Finding(rule_id=rule.id, verdict=Verdict.INCONCLUSIVE,
                                hosts=tuple(h.name for h in facts.hosts), reason=rule.nobody))
    return findings


def evaluate(facts: DeploymentFacts, rules: Iterable[Rule]) -> list[Finding]:
    findings: list[Finding] = []
    everyone = tuple(h.name for h in facts.hosts)
    for rule in rules:
        if rule.judge_host is not None:
            produced = _per_host(rule, facts)
        else:
            assert rule.judge is not None
            try:
                produced = rule.judge(facts)
            except Exception as exc:
                produced = [_raised(rule, everyone, exc)]
        if not produced:
            produced = [Finding(rule_id=rule.id, verdict=Verdict.INCONCLUSIVE, hosts=everyone,
                                reason="the rule produced no finding")]
        findings.extend(_never_pass_on_implausible(rule, facts, f) for f in produced)
    return findings


def _never_pass_on_implausible(rule: Rule, facts: DeploymentFacts, finding: Finding) -> Finding:
    """A pass that rests on a fact the host reported implausibly (contradictory socket owners, NaN readings)
    becomes inconclusive, whatever the judge said: what cannot be true proves nothing."""
    if finding.verdict is not Verdict.PASS:
        return finding
    named = set(finding.hosts)
    reasons = [f"{host.name} {family}: {why}" for host in facts.hosts if host.name in named
               for family in rule.needs if family != "documents"
               for why in getattr(getattr(host, family, None), "implausible", ())]
    if not reasons:
        return finding
    return finding.model_copy(update={
        "verdict": Verdict.INCONCLUSIVE,
        "reason": f"{finding.reason} — but not passed: implausible facts ({'; '.join(reasons)})",
    })


def rule_verdicts(findings: Iterable[Finding]) -> dict[str, Verdict]:
    """One verdict per rule: the most severe of its findings."""
    by_rule: dict[str, list[Verdict]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule_id, []).append(finding.verdict)
    return {rule_id: worst(verdicts) for rule_id, verdicts in by_rule.items()}


def exit_code(findings: Iterable[Finding]) -> ExitCode:
    """0 all pass (or not applicable), 1 any fail, 2 any inconclusive or error and no fail."""
    verdicts = {f.verdict for f in findings}
    if Verdict.FAIL in verdicts:
        return ExitCode.FAIL
    if verdicts & {Verdict.INCONCLUSIVE, Verdict.ERROR} or not verdicts:
        return ExitCode.INCONCLUSIVE
    return ExitCode.PASS
