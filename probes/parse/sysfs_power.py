"""Parse the listing of /sys/class/power_supply the power probe prints (`== DIR` then `file=value` lines)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SysfsEntry:
    name: str
    type: str
    online: bool | None
    status: str | None


def parse_power_supply_class(output: str) -> list[SysfsEntry]:
    """One entry per power_supply device.

    >>> parse_power_supply_class("== /sys/class/power_supply/AC\\ntype=Mains\\nonline=1\\n"
    ...                          "== /sys/class/power_supply/ups0\\ntype=UPS\\nonline=0\\nstatus=Discharging\\n")
    [SysfsEntry(name='AC', type='Mains', online=True, status=None), \
SysfsEntry(name='ups0', type='UPS', online=False, status='Discharging')]
    """
    entries: list[SysfsEntry] = []
    name: str | None = None
    values: dict[str, str] = {}

    def flush() -> None:
        if name is not None:
            online = values.get("online")
            entries.append(SysfsEntry(name=name, type=values.get("type", "Unknown"),
                                      online=None if online is None else online.strip() == "1",
                                      status=values.get("status")))

    for line in output.splitlines():
        if line.startswith("== "):
            flush()
            name, values = line[3:].rstrip("/").rsplit("/", 1)[-1], {}
        elif "=" in line and name is not None:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    flush()
    return entries
