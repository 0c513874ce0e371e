"""Numbers a host reports, checked against what is physically possible before they become facts.

A reading outside its physical range (a battery at -5000 %, a link at 1e300 bit/s), or one that is not
a number at all (NaN, inf), says the source is broken or lying; it must never let a rule pass. Parsers
use `reading` to turn such a value into a reason, and the fact carries that reason as `implausible`.

>>> reading("87", 0, 100), reading("NaN", 0, 100), reading("-5000", 0, 100), reading("1e300", 0, 1e6)
(87.0, None, None, None)
>>> why("battery.charge", "-5000", 0, 100)
"battery.charge '-5000' is outside 0–100"
"""

from __future__ import annotations

import math


def reading(value: object, low: float, high: float) -> float | None:
    """The value as a float when it is a finite number within [low, high]; None otherwise."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) and low <= number <= high else None


def why(name: str, value: object, low: float, high: float) -> str:
    """Why `value` is not a plausible `name` (for the fact's `implausible` reasons)."""
    return f"{name} {str(value)[:40]!r} is outside {low:g}–{high:g}"
