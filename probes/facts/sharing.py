"""One instance of each equal part of the facts across a run's hosts.

A fleet's servers come from a few images: their `sshd -T` settings, login.defs, accounts and pending
updates are mostly the same records. Held once per host they are the bulk of a large run's memory (about
0.25 MB of small frozen models a host with the MLPS baseline: a pydantic instance costs some 400 bytes
before its values). Frozen records that are equal in every value, down to each value's type, are the
same fact, so the run keeps one and every host refers to it; what serialises, and so every output,
evidence and digest, is unchanged. A record unlike any other host's costs a table entry and nothing else.
"""

from __future__ import annotations

import functools
import threading
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel

T = TypeVar("T")
_PLAIN = frozenset({str, int, float, bool, type(None), bytes, datetime})  # values with no record inside


@functools.cache
def _fields(model: type[BaseModel]) -> tuple[str, ...]:
    """A model's field names, read once per class (pydantic's `model_fields` is a property that builds a view)."""
    return tuple(model.model_fields)


class SharedRecords:
    """The run's table of frozen records and tuples of them; safe to use from every host's thread."""

    def __init__(self) -> None:
        self._table: dict[Any, Any] = {}
        self._lock = threading.Lock()

    def share(self, value: T) -> T:
        """`value` with each frozen record and tuple in it replaced by the run's equal one, if there is one."""
        return self._share(value)  # type: ignore[no-any-return]

    def _share(self, value: Any) -> Any:
        if isinstance(value, BaseModel):
            changed = {}
            for name in _fields(type(value)):
                child = value.__dict__[name]
                if type(child) in _PLAIN:
                    continue
                shared = self._share(child)
                if shared is not child:
                    changed[name] = shared
            if changed:
                value = value.model_copy(update=changed)  # the same values, no validation
            return self._one(value) if value.model_config.get("frozen") and not value.__pydantic_extra__ else value
        if type(value) is tuple:
            if all(type(v) in _PLAIN for v in value):  # names, lines: nothing in it to share but itself
                return self._one(value)
            items = tuple(self._share(v) for v in value)
            return self._one(items if any(a is not b for a, b in zip(items, value, strict=True)) else value)
        if type(value) is list:
            return [self._share(v) for v in value]
        if type(value) is dict:
            return {k: self._share(v) for k, v in value.items()}
        return value

    def _one(self, value: Any) -> Any:
        try:
            with self._lock:
                found = self._table.setdefault(value, value)
        except TypeError:  # holds a mapping or another unhashable value: kept as it is
            return value
        return found if found is value or _same(found, value) else value


def _same(a: Any, b: Any) -> bool:
    """Equal, and written out alike: Python's equality lets 1 == 1.0 == True, and two datetimes in different
    zones be equal, where JSON would show each differently."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, BaseModel):
        return all(_same(a.__dict__[n], b.__dict__[n]) for n in _fields(type(a)))
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float):
        return repr(a) == repr(b)
    if isinstance(a, datetime):
        return bool(a == b) and a.isoformat() == b.isoformat()
    if isinstance(a, (str, int, bool, bytes)) or a is None:
        return bool(a == b)
    return bool(a == b) and repr(a) == repr(b)
