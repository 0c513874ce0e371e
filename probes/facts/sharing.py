"""One instance of each equal part of the facts across a run's hosts.

A fleet's servers come from a few images: their `sshd -T` settings, login.defs, accounts and pending
updates are mostly the same records. Held once per host they are the bulk of a large run's memory (about
0.25 MB of small frozen models a host with the MLPS baseline: a pydantic instance costs some 400 bytes
before its values). Frozen records that are equal in every value, down to each value's type, are the
same fact, so the run keeps one and every host refers to it; what serialises, and so every output,
evidence and digest, is unchanged. A record unlike any other host's costs a table entry and nothing else.

The table is keyed shallowly, bottom-up: a record's key is its class and, for each field, the value's
type-tagged value or, for a record or tuple inside it, the identity of the run's one instance of that
(already shared, so equal children are the same object). Looking a record up then costs its own fields,
not a hash and two comparisons of everything below it at every level (issue 26 measured that at a seventh
of the checker's CPU a host).
"""

from __future__ import annotations

import functools
import threading
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel

T = TypeVar("T")
_PLAIN = frozenset({str, int, float, bool, type(None), bytes, datetime})  # values with no record inside

Key = Any  # hashable; None: the value cannot be shared (it holds a mapping, a list or an unhashable value)


@functools.cache
def _fields(model: type[BaseModel]) -> tuple[str, ...]:
    """A model's field names, read once per class (pydantic's `model_fields` is a property that builds a view)."""
    return tuple(model.model_fields)


def _plain_key(value: Any) -> Key:
    """A plain value's key: equal only for values written out alike. Python's equality lets 1 == 1.0 == True,
    and two datetimes in different zones be equal, where JSON shows each differently; so each is tagged with
    its type (None too: a key of None means "not shareable"), a float keyed by its repr and a datetime by its ISO
    form. A str is its own key (it equals no other kind of key: tuples, and the ints standing for shared instances)."""
    kind = type(value)
    if kind is str:
        return value
    if kind is float:
        return (float, repr(value))
    if kind is datetime:
        return (datetime, value.isoformat())
    return (kind, value)


class SharedRecords:
    """The run's table of frozen records and tuples of them; safe to use from every host's thread."""

    def __init__(self) -> None:
        self._table: dict[Key, Any] = {}  # key -> the run's one instance (which the table keeps alive)
        self._lock = threading.Lock()

    def share(self, value: T) -> T:
        """`value` with each frozen record and tuple in it replaced by the run's equal one, if there is one."""
        return self._share(value)[0]  # type: ignore[no-any-return]

    def _share(self, value: Any) -> tuple[Any, Key]:
        """`value` with its parts shared, and its key (None when it cannot be shared)."""
        kind = type(value)
        if kind in _PLAIN:
            return value, _plain_key(value)
        if isinstance(value, BaseModel):
            model = type(value)
            changed = {}
            keys: list[Key] = [model]
            for name in _fields(model):
                child = value.__dict__[name]
                shared, key = self._share(child)
                if shared is not child:
                    changed[name] = shared
                keys.append(key)
            if changed:
                value = value.model_copy(update=changed)  # the same values, no validation
            if not value.model_config.get("frozen") or value.__pydantic_extra__ or None in keys:
                return value, None
            return self._one(value, tuple(keys))
        if kind is tuple:
            if all(type(v) is str for v in value):  # names, lines: the tuple is its own key
                return self._one(value, value)
            pairs = [self._share(v) for v in value]
            items = tuple(shared for shared, _ in pairs)
            if any(a is not b for a, b in zip(items, value, strict=True)):
                value = items
            keys = [tuple, *(key for _, key in pairs)]
            return (value, None) if None in keys else self._one(value, tuple(keys))
        if kind is list:
            return [self._share(v)[0] for v in value], None
        if kind is dict:
            return {k: self._share(v)[0] for k, v in value.items()}, None
        try:  # another value (an enum member, an address): equal, of one type and written alike
            return value, (kind, value, repr(value)) if hash(value) is not None else None
        except TypeError:
            return value, None

    def _one(self, value: Any, key: Key) -> tuple[Any, Key]:
        """The run's instance for `key` (`value`, if it is the first), and the key its holders use for it."""
        with self._lock:
            found = self._table.setdefault(key, value)
        return found, id(found)
