"""Parse ipmitool's `sdr type "Power Supply"` listing (IPMI sensor type 0x08).

Each line is `name | sensor number | status | entity | asserted states`, the states being the
sensor-specific offsets of table 42-3 of the IPMI 2.0 spec as ipmitool words them. Presence is
offset 0; every other offset but "AC out-of-range, but present" means the unit cannot be relied on.
"""

from __future__ import annotations

from dataclasses import dataclass

from checker.errors import ProbeError

PRESENT = "Presence detected"
# Offsets 01h-04h, 06h (and 07h, "inactive", in newer ipmitool): the supply is not delivering power.
FAULTS = (
    "Failure detected",
    "Predictive failure",
    "Power Supply AC lost",
    "AC lost or out-of-range",
    "Config Error",
    "Power Supply Inactive",
)
# ipmitool's status column: ok, or ns (no reading), nc/cr/nr (threshold-style), us (unspecified).
UNREADABLE = ("ns", "na")


@dataclass(frozen=True)
class SdrPowerSupply:
    name: str
    sensor: str
    status: str
    entity: str
    states: tuple[str, ...]

    @property
    def present(self) -> bool | None:
        """Whether the unit is there; None when the sensor gives no reading."""
        if self.status in UNREADABLE:
            return None
        return PRESENT in self.states

    @property
    def healthy(self) -> bool | None:
        if self.present is None:
            return None
        return self.present and not any(f in self.states for f in FAULTS) and self.status == "ok"


def parse_sdr_power_supplies(output: str) -> list[SdrPowerSupply]:
    """Power Supply sensors from `ipmitool sdr type "Power Supply"`; a redundancy sensor is listed like any other.

    >>> rows = parse_sdr_power_supplies(
    ...     "PS1 Status       | 10h | ok  | 10.1 | Presence detected\\n"
    ...     "PS2 Status       | 11h | ok  | 10.2 | Presence detected, Failure detected\\n"
    ...     "PS3 Status       | 12h | ok  | 10.3 | \\n")
    >>> [(r.name, r.present, r.healthy) for r in rows]
    [('PS1 Status', True, True), ('PS2 Status', True, False), ('PS3 Status', False, False)]
    >>> parse_sdr_power_supplies("")
    []
    """
    rows: list[SdrPowerSupply] = []
    for line in output.splitlines():
        if not line.strip():
            continue
        fields = [f.strip() for f in line.split("|")]
        if len(fields) != 5:
            raise ProbeError(f"unexpected ipmitool sdr line: {line[:120]!r}")
        name, sensor, status, entity, states = fields
        rows.append(SdrPowerSupply(name=name, sensor=sensor, status=status, entity=entity,
                                   states=tuple(s.strip() for s in states.split(",") if s.strip())))
    return rows
