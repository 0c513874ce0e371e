"""Small helpers rules share for turning facts into findings with citations."""

from __future__ import annotations

from collections import defaultdict

from checker.engine import blindness
from checker.model import Said, Verdict
from probes.facts import DeploymentFacts, HostFacts


def machines(hosts: list[HostFacts]) -> dict[str, list[HostFacts]]:
    """Group reachable, identified hosts by the machine they reached (two names, one machine: one server).

    Two hosts that presented the same SSH host key are one machine too, whatever machine-id each printed:
    a key is the machine's own secret, so two "servers" behind one key (a proxy, a cloned image, a host
    answering for another) must never count twice."""
    grouped: dict[str, list[HostFacts]] = defaultdict(list)
    for host in hosts:
        if host.identity is not None:
            grouped[host.identity.key].append(host)
    by_key: dict[str, str] = {}
    for machine in list(grouped):
        for host in list(grouped.get(machine, ())):
            fingerprint = host.host_key_fingerprint
            if not fingerprint:
                continue
            first = by_key.setdefault(fingerprint, machine)
            if first != machine and machine in grouped:
                grouped[first].extend(grouped.pop(machine))
                for key, owner in by_key.items():
                    if owner == machine:
                        by_key[key] = first
                break
    return dict(grouped)


def names(hosts: list[HostFacts]) -> str:
    return ", ".join(h.name for h in hosts) or "none"


def names_zh(hosts: list[HostFacts]) -> str:
    return "、".join(h.name for h in hosts) or "无"


def all_hosts(facts: DeploymentFacts) -> tuple[str, ...]:
    return tuple(h.name for h in facts.hosts)


def blind_verdict(blind: list[HostFacts], family: str) -> Verdict:
    """Hosts a verdict could not see: the engine decides (checker.engine.blindness)."""
    decided = blindness(blind, family)
    return Verdict.INCONCLUSIVE if decided is None else decided.verdict


def why_blind(blind: list[HostFacts], family: str) -> Said:
    decided = blindness(blind, family)
    return Said("", "") if decided is None else decided.said

