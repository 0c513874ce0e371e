"""The platform push job's log: when did the last successful push happen?

Input is what `date +%Y-%m-%dT%H:%M:%S%z; tail -n N -- LOG` printed on the pushing host: the host's
clock first (so the age is measured on the host's own clock, and a timestamp without a zone is read
in the host's zone), then the log's last lines. A success is the last line matching the declared
pattern that carries an ISO-8601-like timestamp (`2026-11-30 01:02:03`, `2026-11-30T01:02:03+08:00`,
`2026/11/30 01:02:03`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import NamedTuple

STAMP = re.compile(r"(\d{4})[-/](\d{2})[-/](\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,]\d+)?\s*(Z|[+-]\d{2}:?\d{2})?")


class LastPush(NamedTuple):
    host_now: datetime
    last_success: datetime | None
    line: str | None
    lines_read: int


def _zone(text: str | None, default: timezone) -> timezone:
    if not text:
        return default
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4])))


def parse(output: str, success: str) -> LastPush:
    """The last success in the host's clock output and log lines (ValueError when the clock is unreadable).

    >>> out = ("2026-11-30T09:10:00+0800\\n2026-11-30 09:01:00 push OK 12 records\\n"
    ...        "2026-11-30 09:05:00 push FAILED\\n")
    >>> p = parse(out, "OK")
    >>> p.last_success.isoformat(), p.host_now - p.last_success
    ('2026-11-30T09:01:00+08:00', datetime.timedelta(seconds=540))
    >>> parse("2026-11-30T09:10:00+0000\\n", "OK").last_success is None
    True
    """
    lines = output.splitlines()
    if not lines:
        raise ValueError("no output: the host's clock could not be read")
    head = STAMP.fullmatch(lines[0].strip())
    if head is None:
        raise ValueError(f"the host's clock is not a timestamp: {lines[0][:60]!r}")
    host_zone = _zone(head.group(7), UTC)
    host_now = _stamp(head, host_zone)
    pattern = re.compile(success)
    for line in reversed(lines[1:]):
        if not pattern.search(line):
            continue
        found = STAMP.search(line)
        if found is not None:
            return LastPush(host_now, _stamp(found, host_zone), line.strip()[:300], len(lines) - 1)
    return LastPush(host_now, None, None, len(lines) - 1)


def _stamp(match: re.Match[str], default: timezone) -> datetime:
    y, mo, d, h, mi, s = (int(match.group(i)) for i in range(1, 7))
    return datetime(y, mo, d, h, mi, s, tzinfo=_zone(match.group(7), default))
