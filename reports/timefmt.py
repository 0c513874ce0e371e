"""Times as a person in the deployment reads them: its time zone (default Asia/Shanghai, +08:00),
to the second. Machine formats (JSON, SARIF, the bundle) keep full ISO 8601 in UTC."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Asia/Shanghai"


def local_time(value: str | datetime | None, zone: str = DEFAULT_ZONE) -> str:
    """`2026-11-24T02:41:49.322543+00:00` → `2026-11-24 10:41:49 +08:00`; empty for nothing.

    >>> local_time("2026-11-24T02:41:49.322543+00:00")
    '2026-11-24 10:41:49 +08:00'
    """
    if not value:
        return ""
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    local = when.astimezone(ZoneInfo(zone)).replace(microsecond=0)
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M:%S} {offset[:3]}:{offset[3:]}"
