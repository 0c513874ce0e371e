"""Power supplies, UPSes, kernel power_supply entries and the attestation of the machine room."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from probes.facts.base import Fact, Observed


class PowerSupplyUnit(Observed):
    """One power supply, as a BMC's Power Supply sensor (live) or an SMBIOS type 39 record (boot-time) reports it."""

    name: str
    source: Literal["ipmi", "dmi"]
    via: str = Field(description="where it was read: 'BMC 10.0.0.9:623 (lanplus)', 'in-band IPMI', 'SMBIOS'")
    present: bool | None = Field(description="None when the reading does not say")
    healthy: bool | None = Field(description="present and no failure/AC-lost/critical state; None when unknown")
    states: tuple[str, ...] = Field(default=(), description="the asserted states as the tool printed them")

    def describe(self) -> str:
        state = ", ".join(self.states) or "no state asserted"
        return f"power supply {self.name} ({self.via}): {state}"


class UpsReading(Observed):
    """One UPS as NUT's upsc (or the kernel's power_supply class) reports it."""

    name: str = Field(description="as queried, e.g. ups@localhost, or a /sys/class/power_supply entry")
    status: tuple[str, ...] = Field(description="ups.status flags, e.g. ('OL',) or ('OB', 'LB')")
    battery_charge: float | None = None
    input_voltage: float | None = None
    model: str | None = None
    implausible: tuple[str, ...] = Field(
        default=(), description="readings outside their physical range (NaN, -5000 %): the UPS proves nothing")

    def describe(self) -> str:
        extra = [f"battery {self.battery_charge:g}%" if self.battery_charge is not None else "",
                 f"input {self.input_voltage:g} V" if self.input_voltage is not None else "", self.model or "",
                 f"implausible: {'; '.join(self.implausible)}" if self.implausible else ""]
        detail = ", ".join(e for e in extra if e)
        return f"UPS {self.name}: status {' '.join(self.status) or '(none)'}" + (f" ({detail})" if detail else "")


class SysfsPowerSupply(Observed):
    """An entry of /sys/class/power_supply: mains adapters, batteries, USB-attached UPSes."""

    name: str
    type: str
    online: bool | None = None
    status: str | None = None


class PowerAttestation(Observed):
    """A document the hospital supplies for what no OS can see (a second utility feed, a generator)."""

    path: str
    sha256: str
    size: int


class PowerFacts(Fact):
    psus: tuple[PowerSupplyUnit, ...] = ()
    ups: tuple[UpsReading, ...] = ()
    sysfs: tuple[SysfsPowerSupply, ...] = ()
    attestation: PowerAttestation | None = None

