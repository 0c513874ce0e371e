"""Evaluation: facts in, findings out. Pure; touches no host.

A rule that raises is reported as `error` for that rule alone (for a host rule, for that host alone);
a rule that returns nothing is `inconclusive`, never silently absent and never pass. Host rules get
the host loop from here: scope, order, the hosts that lack a needed family, and the empty case.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from checker.errors import ExitCode
from checker.model import Evidence, Finding, Rule, Said, Verdict, worst
from probes.facts import DeploymentFacts, HostFacts


def why_missing(host: HostFacts, family: str) -> Said:
    """Why `host` lacks a fact family, in both languages."""
    return Said(*host.missing_words(family))


@dataclass(frozen=True)
class Blindness:
    """What the engine decided about hosts that lack fact families a verdict needs.

    The one decision (every judge that meets a blind host asks `blindness`, never decides itself): a family
    missing because its probe broke on a reachable host is `error` (the checker failed, someone must look); missing
    for any other reason (host unreachable, probe unfinished at the deadline, nothing to observe) is
    `inconclusive`. Never pass, never fail: what was not seen proves nothing either way."""

    verdict: Verdict
    hosts: tuple[HostFacts, ...]  # the hosts lacking a family, in the order given
    why: tuple[Said, ...]  # a reachable host: one per missing family; an unreachable one: one for the host
    broke: tuple[Said, ...]  # the part of `why` where a probe broke on a reachable host (what made it `error`)

    @property
    def said(self) -> Said:
        return Said.join(self.why)


def blindness(hosts: Iterable[HostFacts], families: str | Iterable[str]) -> Blindness | None:
    """The engine's decision for `hosts` lacking any of `families` (host-level families only; an unreachable host
    lacks them all); None when every host has them all."""
    wanted = [families] if isinstance(families, str) else list(families)
    wanted = [f for f in wanted if f in HostFacts.model_fields]  # deployment-level families are no host's
    lacking: list[HostFacts] = []
    why: list[Said] = []
    broke: list[Said] = []
    for host in hosts:
        # an unreachable host is blind to every family, whatever a record claims it held
        missing = wanted if not host.reachable else [f for f in wanted if getattr(host, f) is None]
        if not missing:
            continue
        lacking.append(host)
        if not host.reachable:
            why.append(why_missing(host, missing[0]))  # one reason for the host: it was not reached
            continue
        for family in missing:
            said = why_missing(host, family)
            why.append(said)
            if family in host.errors:
                broke.append(said)
    if not lacking:
        return None
    return Blindness(verdict=Verdict.ERROR if broke else Verdict.INCONCLUSIVE, hosts=tuple(lacking), why=tuple(why),
                     broke=tuple(broke))


def _raised(rule: Rule, hosts: tuple[str, ...], exc: Exception) -> Finding:
    said = Said(f"规则执行出错 {type(exc).__name__}：{exc}", f"rule raised {type(exc).__name__}: {exc}")
    return Finding(rule_id=rule.id, verdict=Verdict.ERROR, hosts=hosts, **said.reason())


def blind(rule: Rule, host: HostFacts) -> Finding | None:
    """The finding for a host lacking a family the rule needs (`blindness` decides); None when every required
    family is there."""
    decided = blindness([host], [f for f in rule.needs if f not in rule.optional])
    if decided is None:
        return None
    hint = [rule.blind_hint] if rule.blind_hint and decided.verdict is not Verdict.ERROR else []
    return Finding(rule_id=rule.id, verdict=decided.verdict, hosts=(host.name,),
                   **Said.join([*decided.why, *hint]).reason(),
                   evidence=tuple(Evidence(host=host.name, statement=w.en) for w in decided.why))


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
                                hosts=tuple(h.name for h in facts.hosts), **rule.nobody.reason()))
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
                                **Said("规则没有给出任何结论", "the rule produced no finding").reason())]
        if rule.finding_details:  # said in every finding of the rule, a blind host's included
            produced = [f.model_copy(update={"details": {**dict(rule.finding_details), **f.details}})
                        for f in produced]
        findings.extend(_never_pass_on_implausible(rule, facts, f) for f in produced)
    return findings


def _never_pass_on_implausible(rule: Rule, facts: DeploymentFacts, finding: Finding) -> Finding:
    """A pass that rests on a fact the host reported implausibly (contradictory socket owners, NaN readings)
    becomes inconclusive, whatever the judge said: what cannot be true proves nothing."""
    if finding.verdict is not Verdict.PASS:
        return finding
    named = set(finding.hosts)
    reasons = [f"{host.name} {family}: {why}" for host in facts.hosts if host.name in named
               for family in rule.needs if family in HostFacts.model_fields
               for why in getattr(getattr(host, family, None), "implausible", ())]
    if not reasons:
        return finding
    return finding.model_copy(update={
        "verdict": Verdict.INCONCLUSIVE,
        "reason": f"{finding.reason} — but not passed: implausible facts ({'; '.join(reasons)})",
        "reason_zh": f"{finding.reason_zh or finding.reason} —— 但事实不可信，不判为符合（{'；'.join(reasons)}）",
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
