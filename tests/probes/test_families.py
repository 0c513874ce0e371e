"""The fact-family registry (probes.families) is the facts' own shape: a row per field, the model of its field.

And the engine runs a deployment family's host parts inside the hosts' runs: over the same session as the probes,
their outcomes handed to `finish`, an unreachable host's parts stopped with its reason.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Any

import pytest

from checker.errors import HostUnreachable
from probes.collectors import DeploymentWork, HostPart
from probes.facts import DeploymentFacts, HostFacts
from probes.facts.materials import DocumentFacts
from probes.families import FAMILIES, NAMES, Family, Scope, families
from probes.gather import gather
from probes.inventory import Inventory, InventoryHost
from probes.transport import Session


def _model(owner: type[Any], name: str) -> Any:
    annotation = typing.get_type_hints(owner)[name]
    assert typing.get_origin(annotation) in (typing.Union, types.UnionType), (name, annotation)
    [model] = [a for a in typing.get_args(annotation) if a is not type(None)]
    return model


def test_every_family_is_a_field_of_its_scope_with_its_model() -> None:
    for family in FAMILIES:
        owner = HostFacts if family.scope is Scope.HOST else DeploymentFacts
        assert family.name in owner.model_fields, family.name
        assert _model(owner, family.name) is family.model, family.name
    assert len(NAMES) == len(FAMILIES)
    # and every fact field is registered: the rest of HostFacts is the host's own record, not a family
    record = {"name", "address", "groups", "transport", "reachable", "unreachable_reason", "host_key_fingerprint",
              "host_key_verified", "declared", "errors", "unfinished", "observations"}
    assert set(HostFacts.model_fields) - record == {f.name for f in FAMILIES if f.scope is Scope.HOST}
    assert set(DeploymentFacts.model_fields) - {"inventory", "collected_at", "hosts"} == {
        f.name for f in FAMILIES if f.scope is Scope.DEPLOYMENT}


def test_a_family_has_the_collector_of_its_scope_and_unknown_names_are_refused() -> None:
    with pytest.raises(ValueError, match="a host family has a probe"):
        Family("x", DocumentFacts, Scope.HOST)
    with pytest.raises(ValueError, match=r"no collector fills the fact families \['wifi'\]"):
        families(["services", "wifi"])


def test_the_engine_runs_deployment_parts_in_the_hosts_runs() -> None:
    """Two local hosts and one that cannot be reached: each part runs over its own host's session (the session the
    probes used: the same single-flight runs), and the unreachable host's part ends with its reason."""
    hosts = (InventoryHost(name="a", address="127.0.0.1", connection="local"),
             InventoryHost(name="b", address="127.0.0.1", connection="local"),
             InventoryHost(name="gone", address="127.0.0.1", connection="ssh"))
    seen: dict[str, Any] = {}

    def finish(outcomes: Mapping[str, Any]) -> DocumentFacts | None:
        seen.update(outcomes)
        return None

    def who(session: Session) -> str:
        return f"{session.host.name}:{session.transport.name}:{session.run('echo part').stdout.strip()}"

    work = DeploymentWork("documents", (HostPart("on-a", "a", who), HostPart("on-b", "b", who),
                                        HostPart("on-gone", "gone", who)), finish)

    def opener(host: InventoryHost, options: Any, log: Any) -> Session:
        if host.name == "gone":
            raise HostUnreachable("refused")
        from probes.transport import open_transport
        return Session(host=host, transport=open_transport(host, options), log=log, options=options)

    gathered = gather(Inventory(source="test", hosts=hosts), probes=(), deployment=(work,), opener=opener)
    assert seen["on-a"] == "a:local:part" and seen["on-b"] == "b:local:part"
    assert isinstance(seen["on-gone"], HostUnreachable) and str(seen["on-gone"]) == "gone unreachable (refused)"
    assert sorted(o.host for o in gathered.observations if "echo part" in o.command) == ["a", "b"]
