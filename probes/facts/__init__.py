"""Typed facts: what probes saw, each carrying the observation ids it was read from.

Facts are the only thing rules see. One module per fact family (identity, services, connections,
egress, uplinks, power, av; materials for the hospital's folder), every model frozen on
`base.Record`, provenance always `observations: tuple[str, ...]`. A family is `None` on a host when
its probe did not run or could not observe; the reason is in `HostFacts.errors` (the probe broke) or
in the family's own `notes` (it ran but could not see, e.g. process names hidden without privileges).

Facts judge nothing: whether a UPS on line power counts as a second feed is the power rule's call.
Import models from their family's module (`from probes.facts.power import PowerFacts`); this package
re-exports only what every layer uses.
"""

from typing import TYPE_CHECKING, Any

from probes.facts.base import Fact, Observed, Record

if TYPE_CHECKING:
    from probes.facts.host import DeploymentFacts, HostFacts


def __getattr__(name: str) -> Any:
    """HostFacts and DeploymentFacts on first use: the host model reads the declarations, whose exchange entries
    are the protocol modules' models, and those import probes.facts.base — loading the host here would make
    `from probes.protocols import dicom` a circular import."""
    if name in ("DeploymentFacts", "HostFacts"):
        from probes.facts import host

        return getattr(host, name)
    raise AttributeError(f"module 'probes.facts' has no attribute {name!r}")


__all__ = ["DeploymentFacts", "Fact", "HostFacts", "Observed", "Record"]
