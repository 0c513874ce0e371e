"""One instance of each equal part of the facts across a run's hosts.

A fleet's servers come from a few images: their `sshd -T` settings, login.defs, accounts and pending
updates are mostly the same records. Held once per host they are the bulk of a large run's memory (about
0.25 MB of small frozen models a host with the MLPS baseline: a pydantic instance costs some 400 bytes
before its values). Frozen records that are equal in every value, down to each value's type, are the
same fact, so the run keeps one and every host refers to it; what serialises, and so every output,
evidence and digest, is unchanged. A record unlike any other host's costs a table entry and nothing else.

Records are shared from the leaves up, so by the time a record is looked up its records and tuples are the run's
own instances: it is keyed by its type, the identity of those and its plain values, hashed once. Hashing the
record itself would hash its whole subtree again at every level (pydantic's frozen models cache no hash).
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel

T = TypeVar("T")
_HELD = object()  # marks a part of a key that is a held instance's id, never equal to a plain value


class SharedRecords:
    """The run's table of frozen records and tuples of them; safe to use from every host's thread."""

    def __init__(self) -> None:
        self._table: dict[Any, Any] = {}
        self._held: set[int] = set()  # ids of the table's instances (the table keeps them alive for the run)
        self._lock = threading.Lock()

    def share(self, value: T) -> T:
        """`value` with each frozen record and tuple in it replaced by the run's equal one, if there is one."""
        return self._share(value)  # type: ignore[no-any-return]

    def _share(self, value: Any) -> Any:
        if isinstance(value, BaseModel):
            changed = {}
            for name in type(value).model_fields:
                child = value.__dict__[name]
                shared = self._share(child)
                if shared is not child:
                    changed[name] = shared
            if changed:
                value = value.model_copy(update=changed)  # the same values, no validation
            return self._one(value) if value.model_config.get("frozen") and not value.__pydantic_extra__ else value
        if type(value) is tuple:
            items = tuple(self._share(v) for v in value)
            return self._one(items if any(a is not b for a, b in zip(items, value, strict=True)) else value)
        if type(value) is list:
            return [self._share(v) for v in value]
        if type(value) is dict:
            return {k: self._share(v) for k, v in value.items()}
        return value

    def _one(self, value: Any) -> Any:
        key = self._key(value)
        try:
            with self._lock:
                found = self._table.setdefault(key, value)
                if found is value:
                    self._held.add(id(value))
        except TypeError:  # holds a mapping or another unhashable value: kept as it is
            return value
        return found if found is value or _same(found, value) else value

    def _key(self, value: Any) -> Any:
        """What the table finds `value` by: its type and each part, a held instance by identity (equal held
        instances are one), a plain value as itself; the value itself when a part is neither (a mapping, a list,
        a record no other was equal to in every written form), which the table then hashes whole, as before."""
        parts = [value.__dict__[n] for n in type(value).model_fields] if isinstance(value, BaseModel) else value
        key: list[Any] = [type(value)]
        for part in parts:
            if id(part) in self._held:
                key.append((_HELD, id(part)))
            elif isinstance(part, BaseModel | tuple | list | dict | set | frozenset):
                return value
            else:
                key.append(part)
        return tuple(key)


def _same(a: Any, b: Any) -> bool:
    """Equal, and written out alike: Python's equality lets 1 == 1.0 == True, and two datetimes in different
    zones be equal, where JSON would show each differently."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, BaseModel):
        return all(_same(a.__dict__[n], b.__dict__[n]) for n in type(a).model_fields)
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float):
        return repr(a) == repr(b)
    if isinstance(a, datetime):
        return bool(a == b) and a.isoformat() == b.isoformat()
    if isinstance(a, (str, int, bool, bytes)) or a is None:
        return bool(a == b)
    return bool(a == b) and repr(a) == repr(b)
