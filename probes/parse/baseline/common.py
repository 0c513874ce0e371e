"""What every baseline parser returns: a value with the file and line it came from, or a problem."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Setting(Record):
    """One directive as written: `key value` at `file:line` (line None for command output)."""

    key: str
    value: str
    file: str
    line: int | None = None

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line is not None else self.file

    def describe(self) -> str:
        return f"{self.key} {self.value} ({self.where})"


class Problem(Record):
    """Input a parser could not make sense of; the items resting on it cannot pass."""

    file: str
    line: int | None = None
    message: str

    def describe(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.message}"


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


def as_int(value: str | None) -> int | None:
    """An integer setting, or None when absent or not a number.

    >>> as_int("90"), as_int("-1"), as_int("x"), as_int(None)
    (90, -1, None, None)
    """
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None
