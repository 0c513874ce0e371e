"""Parse `dmidecode -t 39` (SMBIOS System Power Supply records).

SMBIOS is written by the firmware at boot, so its Status is a boot-time reading; a BMC's live
sensor wins when both are available.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DmiPowerSupply:
    handle: str
    fields: dict[str, str]

    @property
    def name(self) -> str:
        parts = [self.fields.get("Location", ""), self.fields.get("Name", "")]
        return " ".join(p for p in parts if p and p != "To Be Filled By O.E.M.") or self.handle

    @property
    def status(self) -> str:
        return self.fields.get("Status", "")

    @property
    def present(self) -> bool | None:
        if not self.status:
            return None
        return self.status.startswith("Present")

    @property
    def healthy(self) -> bool | None:
        """Present and OK, and plugged in; None when the firmware reports Unknown or Other."""
        if self.present is not True:
            return self.present
        condition = self.status.partition(", ")[2]
        if condition in ("Unknown", "Other", ""):
            return None
        return condition == "OK" and self.fields.get("Plugged", "Yes") == "Yes"


def parse_dmi_power_supplies(output: str) -> list[DmiPowerSupply]:
    """Type 39 records; an empty list when the firmware lists none.

    >>> text = ("Handle 0x0027, DMI type 39, 22 bytes\\nSystem Power Supply\\n\\tLocation: PSU1\\n"
    ...         "\\tStatus: Present, OK\\n\\tPlugged: Yes\\n\\n"
    ...         "Handle 0x0028, DMI type 39, 22 bytes\\nSystem Power Supply\\n\\tLocation: PSU2\\n"
    ...         "\\tStatus: Not Present\\n\\tPlugged: No\\n")
    >>> [(p.name, p.present, p.healthy) for p in parse_dmi_power_supplies(text)]
    [('PSU1', True, True), ('PSU2', False, False)]
    >>> parse_dmi_power_supplies("# dmidecode 3.4\\n# No SMBIOS nor DMI entry point found, sorry.\\n")
    []
    """
    records: list[DmiPowerSupply] = []
    current: dict[str, str] | None = None
    for line in output.splitlines():
        if line.startswith("Handle "):
            handle, _, _rest = line.partition(", ")
            current = {} if "DMI type 39," in line else None
            if current is not None:
                records.append(DmiPowerSupply(handle=handle.removeprefix("Handle "), fields=current))
            continue
        if current is not None and line.startswith("\t") and ": " in line:
            key, _, value = line.strip().partition(": ")
            current[key] = value.strip()
    return records
