"""The fact families: one typed table of (name, model, collector, scope), the only place a family is declared.

A rule names the families it needs (`Rule.needs`); `plan` turns those names into the collectors to run, and the
engine that gathers the hosts (probes.gather, directly or with Ansible) runs them all:

- scope `host`: a `Probe` fills the `HostFacts` field of the family's name on every host;
- scope `deployment`: `prepare` reads and checks the inventory's declarations before any host is contacted
  (bad input fails in one line), and returns the `DeploymentWork` whose host parts run inside the hosts' runs;
  its fact fills the `DeploymentFacts` field of the family's name.

To add a family: its model in probes/facts/, its field on HostFacts or DeploymentFacts, its collector module,
and one row here (CONTRIBUTING.md). tests/probes/test_families.py holds the table to the models.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from probes import (
    av,
    baseline,
    connections,
    dependencies,
    egress,
    exchange,
    identity,
    power,
    programmes,
    public_pages,
    services,
    uplinks,
)
from probes.collectors import DeploymentWork, Probe
from probes.facts.av import AvFacts
from probes.facts.base import Record
from probes.facts.baseline import BaselineFacts
from probes.facts.connections import ConnectionFacts
from probes.facts.dependencies import DependencyFacts
from probes.facts.egress import EgressFacts
from probes.facts.exchange import ExchangeFacts
from probes.facts.identity import MachineIdentity
from probes.facts.materials import DocumentFacts
from probes.facts.pilot import PilotFacts
from probes.facts.power import PowerFacts
from probes.facts.public_pages import PublicPageFacts
from probes.facts.services import ServiceFacts
from probes.facts.uplinks import UplinkFacts
from probes.inventory import Inventory
from probes.materials_folder import load_documents


class Scope(StrEnum):
    HOST = "host"  # a fact per host, from a probe over the host's session
    DEPLOYMENT = "deployment"  # one fact for the deployment, from its declarations and parts run on named hosts


@dataclass(frozen=True)
class Preparing:
    """What a deployment collector may read before any host is contacted."""

    inventory: Inventory
    as_of: date  # the day the check started (a programme's roster is judged as of it)
    checklist: Collection[str] = ()  # the materials checklist's item ids (the catalogue's; handed down by the shell)


@dataclass(frozen=True)
class Family:
    name: str
    model: type[Record]
    scope: Scope
    probe: Probe | None = None  # scope host
    prepare: Callable[[Preparing], DeploymentWork | None] | None = None  # scope deployment: None when not declared

    def __post_init__(self) -> None:
        if (self.scope is Scope.HOST) != (self.probe is not None) or (self.scope is Scope.DEPLOYMENT) != (
                self.prepare is not None):
            raise ValueError(f"fact family {self.name}: a host family has a probe, a deployment family a prepare")


def _documents(preparing: Preparing) -> DeploymentWork | None:
    """The documents folder: read and checked whole before any host (attested, never observed); no host part."""
    documents = load_documents(preparing.inventory, preparing.checklist)
    return DeploymentWork(family="documents", parts=(), finish=lambda outcomes: documents)


def _pilot(preparing: Preparing) -> DeploymentWork | None:
    """The declared programme: files and queries checked first, then its queries and audit log on their hosts."""
    prepared = programmes.prepare(preparing.inventory, preparing.as_of)
    return None if prepared is None else programmes.work(prepared)


def _public_pages(preparing: Preparing) -> DeploymentWork | None:
    """The declared patient-facing pages: fetched from the checker within the declaring hosts' runs."""
    return public_pages.work(preparing.inventory)


IDENTITY = Probe("identity", identity.collect, plan=identity.plan)  # always runs: how a host is found and told apart
FAMILIES: tuple[Family, ...] = (
    Family("identity", MachineIdentity, Scope.HOST, probe=IDENTITY),
    Family("services", ServiceFacts, Scope.HOST, probe=Probe("services", services.collect, plan=services.plan)),
    Family("egress", EgressFacts, Scope.HOST, probe=Probe("egress", egress.collect, plan=egress.plan)),
    Family("uplinks", UplinkFacts, Scope.HOST, probe=Probe("uplinks", uplinks.collect, slow=True, plan=uplinks.plan)),
    Family("connections", ConnectionFacts, Scope.HOST,
           probe=Probe("connections", connections.collect, plan=connections.plan)),
    Family("dependencies", DependencyFacts, Scope.HOST,
           probe=Probe("dependencies", dependencies.collect, plan=dependencies.plan)),
    Family("av", AvFacts, Scope.HOST, probe=Probe("av", av.collect, plan=av.plan)),
    Family("power", PowerFacts, Scope.HOST, probe=Probe("power", power.collect, plan=power.plan)),
    # its dialogues depend on the declarations: nothing to batch
    Family("exchange", ExchangeFacts, Scope.HOST, probe=Probe("exchange", exchange.collect)),
    Family("baseline", BaselineFacts, Scope.HOST, probe=Probe("baseline", baseline.collect, plan=baseline.plan)),
    Family("documents", DocumentFacts, Scope.DEPLOYMENT, prepare=_documents),
    Family("pilot", PilotFacts, Scope.DEPLOYMENT, prepare=_pilot),
    Family("public_pages", PublicPageFacts, Scope.DEPLOYMENT, prepare=_public_pages),
)
BY_NAME: dict[str, Family] = {f.name: f for f in FAMILIES}
PROBES: tuple[Probe, ...] = tuple(f.probe for f in FAMILIES if f.probe is not None and f.probe is not IDENTITY)
NAMES: frozenset[str] = frozenset(BY_NAME)


def families(names: Iterable[str]) -> tuple[Family, ...]:
    """The registered families of `names`, in table order; ValueError naming any that no collector fills."""
    wanted = set(names)
    unknown = wanted - NAMES
    if unknown:
        raise ValueError(f"no collector fills the fact families {sorted(unknown)} (known: {sorted(NAMES)})")
    return tuple(f for f in FAMILIES if f.name in wanted)


def probes_for(names: Iterable[str]) -> tuple[Probe, ...]:
    """The host probes that fill `names`, in table order. `identity` always runs, so it is never listed."""
    return tuple(f.probe for f in families(names) if f.probe is not None and f.probe is not IDENTITY)


def prepare(names: Iterable[str], preparing: Preparing) -> tuple[DeploymentWork, ...]:
    """The deployment families of `names`, prepared (before any host is contacted); those not declared are left
    out, and their field stays None, as before any registry."""
    works = (f.prepare(preparing) for f in families(names) if f.prepare is not None)
    return tuple(w for w in works if w is not None)
