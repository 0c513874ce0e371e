"""The registry's own hash-chained log of what it did (enrol, rotate, revoke, token, upload, refuse, anchor,
export), in ihcheck's audit-trail format (probes.trail), so `ihcheck trail verify` checks an export of it.

Each record is stored as its exact line; appending takes a lock (PostgreSQL: a transaction-scoped advisory
lock; SQLite: its IMMEDIATE write transaction), so concurrent workers still write one chain.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from ihcheck.registry.models import Action, Hospital
from probes.trail import GENESIS, record_line, verify_stream

_LOCK = 0x1AC7  # the advisory-lock number of the action chain


def record(event: str, actor: str, *, hospital: Hospital | None = None, **detail: Any) -> Action:
    """Append one action; `detail` is data (a refusal's reason quotes the bundle) and is stored as JSON."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])
        last = Action.objects.order_by("-seq").only("seq", "hash").first()
        prev, seq = (last.hash, last.seq + 1) if last else (GENESIS, 1)
        at = datetime.now(UTC)
        fields: dict[str, Any] = {"at": at.isoformat(), "event": f"registry.{event}", "actor": actor}
        if hospital is not None:
            fields["hospital"] = hospital.uscc
        detail = _storable(detail)
        fields.update(detail)
        line, digest = record_line(prev, seq, fields)
        return Action.objects.create(seq=seq, prev=prev, hash=digest, line=line, at=at, event=event, actor=actor,
                                     hospital=hospital, detail=detail)


def _storable(value: Any) -> Any:
    """A detail as PostgreSQL's jsonb can hold it: NUL (which a refused bundle's name or reason may quote) as
    U+FFFD, in keys and values alike, so the line and the row say the same."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_storable(v) for v in value]
    return value


def lines() -> Iterator[bytes]:
    for raw in Action.objects.order_by("seq").values_list("line", flat=True).iterator(chunk_size=2000):
        yield bytes(raw)


def export(path: Path) -> str:
    """Write the whole log as a trail file; returns its head (hand it to whoever keeps heads elsewhere)."""
    head = GENESIS
    with path.open("wb") as out:
        for line in lines():
            out.write(line)
            head = line[-67:-3].decode()
    return head


def verify() -> tuple[bool, str]:
    """The chain as stored, checked by the trail verifier: (intact, head or the first broken link)."""
    check = verify_stream(lines(), source="registry action log")
    return check.intact, check.head if check.broken is None else check.broken.describe()
