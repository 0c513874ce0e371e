"""What a fact family's collector is: a probe run on each host, or a deployment's work run with the hosts.

Two kinds, because facts come at two scopes (probes.families holds the table):

- a `Probe` fills one `HostFacts` field on every host, over that host's session;
- a `DeploymentWork` fills one `DeploymentFacts` field: it is prepared before any host is contacted (bad input
  fails there, in one line), its `HostPart`s run inside the named hosts' runs — over the very session the
  engine opened (direct, or Ansible's), within the host's `--host-timeout` and its `--forks` slot — and
  `finish` assembles the fact from what each part gave (a value, or the exception that stopped it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from checker.errors import HostUnreachable

if TYPE_CHECKING:
    from probes.facts import Fact, Record
    from probes.transport import Planned, Session


def _nothing(session: Session) -> tuple[Planned, ...]:
    return ()


@dataclass(frozen=True)
class Probe:
    name: str
    collect: Callable[[Session], Fact]
    slow: bool = False  # runs beside the quick probes instead of after them
    plan: Callable[[Session], tuple[Planned, ...]] = _nothing  # commands it always runs: sent ahead as one batch


class Unfinished(HostUnreachable):
    """A host part the host's deadline (or its unreachability) stopped: its family records why, as a probe's."""


@dataclass(frozen=True)
class HostPart:
    """One piece of a deployment family's work, run on one host within that host's run (after its probes)."""

    key: str  # what `finish` finds its outcome under
    host: str
    run: Callable[[Session], Any]


Outcome = Any  # a part's value, or the exception that stopped it (Unfinished when it never ran to the end)


@dataclass(frozen=True)
class DeploymentWork:
    """A deployment family's prepared work: the parts to run on hosts, and how their outcomes become its fact."""

    family: str
    parts: tuple[HostPart, ...]
    finish: Callable[[Mapping[str, Outcome]], Record | None]
