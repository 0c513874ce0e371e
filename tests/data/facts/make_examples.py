"""Write the example facts of the rules that lack them, from the recorded scenarios (tests/data/scenarios,
facts gathered from real simulated hosts). Each example keeps only the fact families its rule needs and
says in `inventory` where it came from; the few constructed ones (a host made unreachable, a document
taken out of the folder) say what was changed. Run once from the repository root; existing files stay:

    .venv/bin/python tests/data/facts/make_examples.py
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from checker.catalogue import CATALOGUE, rule_by_id
from checker.model import Rule
from probes.facts import DeploymentFacts, HostFacts
from probes.families import FAMILIES, Scope

HERE = Path(__file__).resolve().parent
SCENARIOS = HERE.parent / "scenarios"


def recorded(name: str) -> DeploymentFacts:
    return DeploymentFacts.model_validate(json.loads((SCENARIOS / f"{name}.json").read_text(encoding="utf-8"))["facts"])


def narrowed(facts: DeploymentFacts, rule: Rule, origin: str) -> DeploymentFacts:
    hosts = tuple(h.model_copy(update={f.name: None for f in FAMILIES if f.scope is Scope.HOST and f.name not in rule.needs}) for h in facts.hosts)
    documents = facts.documents if "documents" in rule.needs else None
    return DeploymentFacts.model_validate(
        facts.model_copy(update={"hosts": hosts, "documents": documents, "inventory": origin}).model_dump(mode="json"))


def unreachable(facts: DeploymentFacts, name: str) -> DeploymentFacts:
    def gone(h: HostFacts) -> HostFacts:
        if h.name != name:
            return h
        return HostFacts(name=h.name, address=h.address, groups=h.groups, declared=h.declared, reachable=False,
                         unreachable_reason="cannot connect: [Errno 113] No route to host")
    return facts.model_copy(update={"hosts": tuple(gone(h) for h in facts.hosts)})


def add_unreachable(facts: DeploymentFacts, name: str, address: str) -> DeploymentFacts:
    extra = HostFacts(name=name, address=address, reachable=False,
                      unreachable_reason="cannot connect: [Errno 113] No route to host")
    return facts.model_copy(update={"hosts": (*facts.hosts, extra)})


def without_file(facts: DeploymentFacts, prefix: str) -> DeploymentFacts:
    assert facts.documents is not None
    first = next(d for d in facts.documents.documents if d.file.startswith(prefix))
    absent = first.model_copy(update={"size": None, "sha256": None, "sm3": None})
    docs = facts.documents.model_copy(update={
        "documents": tuple(absent if d is first else d for d in facts.documents.documents),
        "notes": (*facts.documents.notes, f"materials.yaml lists {first.file}, which is not in the folder")})
    return facts.model_copy(update={"documents": docs})


def firewall_unreadable(facts: DeploymentFacts, name: str) -> DeploymentFacts:
    """`name`'s packet filter as a login without CAP_NET_ADMIN sees it: not readable, with iptables-save's words."""
    def blind(h: HostFacts) -> HostFacts:
        if h.name != name or h.firewall is None:
            return h
        return h.model_copy(update={"firewall": h.firewall.model_copy(update={
            "readable": False, "chains": (), "notes": (), "tool": None,
            "reason": "nft is not installed; iptables-save may not read the ruleset as this user (needs root or "
                      "CAP_NET_ADMIN): iptables-save v1.8.9 (nf_tables): Could not fetch rule set generation id: "
                      "Permission denied (you must be root)"})})
    return facts.model_copy(update={"hosts": tuple(blind(h) for h in facts.hosts)})


def undeclared_networks(facts: DeploymentFacts, name: str) -> DeploymentFacts:
    def bare(h: HostFacts) -> HostFacts:
        if h.name != name:
            return h
        return h.model_copy(update={"declared": h.declared.model_copy(update={"management_networks": ()})})
    return facts.model_copy(update={"hosts": tuple(bare(h) for h in facts.hosts)})


def without_documents(facts: DeploymentFacts) -> DeploymentFacts:
    return facts.model_copy(update={"documents": None})


REC = "recorded: scenario {s} (tests/data/scenarios/{s}.json), families outside the rule's needs dropped"


def examples(rule_id: str) -> dict[str, tuple[str, Callable[[DeploymentFacts], DeploymentFacts], str]]:
    av2_gone = ("compliant", lambda f: unreachable(f, "av2"), "; constructed: av2 made unreachable")
    servers_blind = ("single-server", lambda f: add_unreachable(f, "srv2", "10.89.0.99"),
                     "; constructed: a second inventory host srv2 that could not be reached")
    docs = {
        "GD2020-2.2-materials": "topology", "GD2020-3.2-policies": "policy-online-prescription",
        "GD2020-3.2-emergency-plans": "plan-power-loss",
    }
    if rule_id in docs:
        return {
            "pass": ("compliant", lambda f: f, ""),
            "fail": ("compliant", lambda f: without_file(f, docs[rule_id]),
                     f"; constructed: {docs[rule_id]}… taken out of the folder"),
            "inconclusive": ("compliant", without_documents, "; constructed: no documents folder declared"),
        }
    if rule_id == "GD2020-1.2.1-mlps-report":
        return {
            "pass": ("compliant", lambda f: f, ""),
            "fail": ("mlps-report-fails", lambda f: f, ""),
            "inconclusive": ("compliant", without_documents, "; constructed: no documents folder declared"),
        }
    if rule_id == "GD2020-1.2.1-boundary-db-listen":
        return {
            "pass": ("compliant", lambda f: f, ""),
            "fail": ("db-listens-outside", lambda f: f, ""),
            "inconclusive": ("compliant", lambda f: unreachable(f, "db1"), "; constructed: db1 made unreachable"),
        }
    if rule_id == "GD2020-1.2.1-boundary-host-firewall":
        return {
            "pass": ("compliant", lambda f: f, ""),
            "fail": ("firewall-open", lambda f: f, ""),
            "inconclusive": ("compliant", lambda f: firewall_unreadable(f, "db1"),
                             "; constructed: db1's ruleset read by a login without CAP_NET_ADMIN"),
        }
    if rule_id == "GD2020-1.2.1-boundary-mgmt-ports":
        return {
            "pass": ("compliant", lambda f: f, ""),
            "fail": ("firewall-open", lambda f: f, ""),
            "inconclusive": ("compliant", lambda f: undeclared_networks(f, "db1"),
                             "; constructed: db1 declares no ihcheck_management_networks"),
        }
    fail = {"GD2020-1.2.3-servers": "single-server", "GD2020-1.2.3-db-app-split": "db-on-app-host",
            "GD2020-1.2.3-power": "no-power-redundancy", "GD2020-1.2.4-av-systems": "single-av-system"}[rule_id]
    return {
        "pass": ("compliant", lambda f: f, ""),
        "fail": (fail, lambda f: f, ""),
        "inconclusive": servers_blind if rule_id == "GD2020-1.2.3-servers"
        else ("host-unreachable", lambda f: f, "") if rule_id != "GD2020-1.2.3-db-app-split" else av2_gone,
    }


def main() -> None:
    for rule in CATALOGUE:
        folder = HERE / rule.id
        if folder.is_dir() and any(folder.glob("*.json")):
            continue
        folder.mkdir(exist_ok=True)
        for verdict, (scenario, change, note) in examples(rule.id).items():
            facts = narrowed(change(recorded(scenario)), rule_by_id(rule.id), REC.format(s=scenario) + note)
            path = folder / f"{verdict}.json"
            path.write_text(facts.model_dump_json(indent=1) + "\n", encoding="utf-8")
            print(f"wrote {path.relative_to(HERE.parent.parent.parent)}")


if __name__ == "__main__":
    main()
