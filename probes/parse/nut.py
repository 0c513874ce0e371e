"""Parse NUT's `upsc` output: `upsc -l HOST` (UPS names) and `upsc UPS[@HOST[:PORT]]` (variables)."""

from __future__ import annotations

from checker.errors import ProbeError


def parse_upsc_list(output: str) -> list[str]:
    """UPS names served by one upsd, one per line.

    >>> parse_upsc_list("dummy\\nrack2\\n")
    ['dummy', 'rack2']
    """
    return [line.strip() for line in output.splitlines() if line.strip()]


def parse_upsc(output: str) -> dict[str, str]:
    """`name: value` variables.

    >>> v = parse_upsc("battery.charge: 100\\nups.status: OB LB\\ninput.voltage: 230.0\\n")
    >>> v["ups.status"], v["battery.charge"]
    ('OB LB', '100')
    >>> parse_upsc("garbage")
    Traceback (most recent call last):
    ...
    checker.errors.ProbeError: unexpected upsc line: 'garbage'
    """
    variables: dict[str, str] = {}
    for line in output.splitlines():
        if not line.strip():
            continue
        name, sep, value = line.partition(": ")
        if not sep or "." not in name or " " in name:  # NUT variables are dotted: ups.status
            raise ProbeError(f"unexpected upsc line: {line[:120]!r}")
        variables[name] = value.strip()
    return variables


def status_flags(variables: dict[str, str]) -> tuple[str, ...]:
    """The ups.status flags (OL on line, OB on battery, LB low battery, RB replace battery, ...).

    >>> status_flags({"ups.status": "OL CHRG"})
    ('OL', 'CHRG')
    >>> status_flags({})
    ()
    """
    return tuple(variables.get("ups.status", "").split())


def number(variables: dict[str, str], name: str) -> float | None:
    """A numeric variable, None when absent or not a number.

    >>> number({"battery.charge": "87"}, "battery.charge"), number({}, "input.voltage")
    (87.0, None)
    """
    try:
        return float(variables[name])
    except (KeyError, ValueError):
        return None
