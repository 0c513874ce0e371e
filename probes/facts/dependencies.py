"""Every system a host depends on that ihcheck is told of or sees in use, each placed by the offline geo data.

GD2020 一(二)3 says information systems are not hosted on or leased from servers abroad: not only the inventory's
hosts, but what they lean on — a vendor's A/V cloud, the platform, the hospital's peers, the DNS and NTP servers
the hosts are configured with, the peers of their established connections. Each dependency says where ihcheck
learnt of it (`source`, declared or observed) and where the lookup placed it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from probes.facts.base import Fact, Observed
from probes.facts.geo import GeoIdentity

Kind = Literal["av-endpoint", "platform", "exchange-peer", "dns", "ntp", "backup", "outbound"]


class Dependency(Observed):
    kind: Kind
    name: str = Field(description="what the source calls it: an endpoint's name, `nameserver`, a process")
    target: str = Field(description="as declared or configured: a name or an address (with its port)")
    source: str = Field(description="where ihcheck learnt of it, e.g. ihcheck_av_endpoints, /etc/resolv.conf")
    basis: Literal["declared", "observed"]
    address: str | None = Field(default=None, description="the address placed (a name resolved on the host)")
    identity: GeoIdentity | None = None
    error: str | None = Field(default=None, description="why it has no address or place")


class DependencyFacts(Fact):
    dependencies: tuple[Dependency, ...] = ()
