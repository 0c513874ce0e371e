"""Small helpers rules share for turning facts into findings with citations."""

from __future__ import annotations

from collections import defaultdict

from checker.engine import blindness
from checker.model import Basis, Evidence, Said, Verdict
from probes.facts import DeploymentFacts, HostFacts


def machines(hosts: list[HostFacts]) -> dict[str, list[HostFacts]]:
    """Group reachable, identified hosts by the machine they reached (two names, one machine: one server).

    Two hosts that presented the same SSH host key are one machine too, whatever machine-id each printed:
    a key is the machine's own secret, so two "servers" behind one key (a proxy, a cloned image, a host
    answering for another) must never count twice. So are two hosts on one running kernel (the same
    /proc/sys/kernel/random/boot_id): containers or namespaces of one box, whatever machine-id each holds."""
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
    return _one_kernel(grouped)


def _one_kernel(grouped: dict[str, list[HostFacts]]) -> dict[str, list[HostFacts]]:
    """Merge machines that run on one kernel (the same boot_id): containers and namespaces of one box are one
    server. A host whose inventory declares `ihcheck_simulated_separate_servers` stays apart: see `simulated`."""
    owner: dict[str, str] = {}
    for machine in list(grouped):
        group = grouped.get(machine)
        if group is None or any(h.declared.simulated_separate_servers for h in group):
            continue
        for kernel in {h.identity.kernel for h in group if h.identity is not None and h.identity.kernel}:
            first = owner.setdefault(kernel, machine)
            if first != machine and machine in grouped:
                grouped[first].extend(grouped.pop(machine))
    return dict(grouped)


def shared_kernels(grouped: dict[str, list[HostFacts]]) -> list[list[HostFacts]]:
    """Hosts on one running kernel that `machines` kept apart because the inventory declares a simulation."""
    by_kernel: dict[str, dict[str, HostFacts]] = defaultdict(dict)
    for machine, group in grouped.items():
        for host in group:
            if host.identity is not None and host.identity.kernel:
                by_kernel[host.identity.kernel].setdefault(machine, host)
    return [list(hosts.values()) for hosts in by_kernel.values() if len(hosts) > 1]


def simulated_apart(grouped: dict[str, list[HostFacts]]) -> tuple[Said, list[Evidence]]:
    """What to say of machines counted apart only by the simulation's declaration (empty when none)."""
    shared = shared_kernels(grouped)
    if not shared:
        return Said("", ""), []
    said = Said.join(Said(f"{names_zh(hosts)} 运行在同一个内核上（boot_id {hosts[0].identity.boot_id}），"
                          "仅因清单声明模拟（ihcheck_simulated_separate_servers）而按不同服务器计数：这是模拟，不是观测",
                          f"{names(hosts)} run on one kernel (boot_id {hosts[0].identity.boot_id}) and count as "
                          "separate servers only because the inventory declares a simulation "
                          "(ihcheck_simulated_separate_servers): simulated, not observed")
                     for hosts in shared if hosts[0].identity is not None)
    evidence = [Evidence(host=h.name, basis=Basis.SIMULATED, observations=h.identity.observations,
                         statement=f"{h.name}: kernel boot_id {h.identity.boot_id} shared with "
                         f"{names([o for o in hosts if o is not h])}; declared a separate simulated server")
                for hosts in shared for h in hosts if h.identity is not None]
    return said, evidence


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

