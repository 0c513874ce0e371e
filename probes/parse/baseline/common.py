"""What every baseline parser returns: a value with the file and line it came from, or a problem."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple


class Line(NamedTuple):
    number: int
    text: str


def logical_lines(text: str, *, comment: str = "#", continuation: bool = False) -> Iterator[Line]:
    """Non-blank lines without comments, numbered from 1; backslash-continued lines joined when asked.

    >>> list(logical_lines("a 1\\n# c\\n\\n  b 2  # x\\n"))
    [Line(number=1, text='a 1'), Line(number=4, text='b 2')]
    >>> list(logical_lines("x \\\\\\n  y\\nz\\n", continuation=True))
    [Line(number=1, text='x y'), Line(number=3, text='z')]
    """
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw
        if comment and not pending:
            stripped = line.lstrip()
            if stripped.startswith(comment):
                continue
        if comment:
            line = re.split(r"\s" + re.escape(comment), line, maxsplit=1)[0] if comment in line else line
        if continuation and line.rstrip().endswith("\\"):
            if not pending:
                start = number
            pending.append(line.rstrip()[:-1].strip())
            continue
        if pending:
            pending.append(line.strip())
            joined = " ".join(p for p in pending if p)
            pending = []
            if joined:
                yield Line(start, joined)
            continue
        if line.strip():
            yield Line(number, line.strip())
    if pending:
        yield Line(start, " ".join(p for p in pending if p))
