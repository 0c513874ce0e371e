"""Where a host is: egress addresses per uplink, cloud region, timezone, NTP servers."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from probes.facts.base import Fact, Observed
from probes.facts.geo import GeoIdentity


class EgressPath(Observed):
    """The address one uplink presents to the outside, as an echo service saw it."""

    interface: str | None = Field(description="the interface bound to (None: the host's default route)")
    gateway: str | None = None
    address: str | None = Field(default=None, description="the caller's address as the echo service reported it")
    identity: GeoIdentity | None = None
    error: str | None = Field(default=None, description="why no address (or no identity) was obtained")


class CloudRegion(Observed):
    """The region a cloud provider's instance metadata service says the machine runs in."""

    provider: Literal["alibaba", "tencent", "huawei", "aws"]
    region: str
    country: str | None = Field(default=None, description="ISO code of the region's territory; None if unknown")
    url: str


class EgressFacts(Fact):
    """Signals of where a host is: its egress addresses per uplink, cloud region, timezone, NTP servers."""

    echo_url: str | None = None
    paths: tuple[EgressPath, ...] = ()
    cloud_metadata_url: str | None = None
    cloud: CloudRegion | None = None
    timezone: str | None = None
    ntp_servers: tuple[str, ...] = ()
    supporting_observations: tuple[str, ...] = Field(default=(), description="timezone and NTP observations")

