"""The host's ways out: default routes, their egress identity and measured throughput."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from probes.facts.base import Fact, Observed, Record
from probes.facts.egress import EgressPath

# The measurement method's own uncertainty as a share of the goodput (headers, framing, shaper timing): part of
# each measured figure's margin (`method_mbps`), and quoted by the bandwidth rule.
METHOD_UNCERTAINTY = 0.10


class Throughput(Observed):
    """One direction of one uplink, measured with iperf3 against the measurement endpoint."""

    direction: Literal["upload", "download"]
    mbps: float | None = Field(default=None, description="receiver-side TCP goodput in steady state")
    margin_mbps: float | None = Field(default=None, description="± half-width: statistical + method uncertainty")
    statistical_mbps: float | None = None
    method_mbps: float | None = None
    samples_mbps: tuple[float, ...] = Field(default=(), description="receiver-side steady-state interval rates")
    sender_mbps: float | None = None
    retransmits: int | None = None
    seconds: float | None = None
    error: str | None = None

    def describe(self) -> str:
        if self.mbps is None or self.margin_mbps is None:
            return f"{self.direction}: not measured ({self.error or 'no result'})"
        return f"{self.direction} {self.mbps:.2f} ± {self.margin_mbps:.2f} Mbps"


class Uplink(Record):
    """One way out of the host: an interface with a default route, its egress identity and its throughput."""

    interface: str
    gateways: tuple[str, ...] = ()
    metric: int | None = None
    tables: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    egress: EgressPath | None = None
    upload: Throughput | None = None
    download: Throughput | None = None


class UplinkFacts(Fact):
    echo_url: str | None = None
    measure_endpoints: tuple[str, ...] = ()
    uplinks: tuple[Uplink, ...] = ()

