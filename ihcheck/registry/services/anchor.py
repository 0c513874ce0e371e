"""Audit-trail anchoring: every signed head a hospital submits is kept, and each is checked to extend the last
anchored head that was not itself flagged. With the records since (or the whole log) sent along, extension is
proven by the trail verifier (probes.trail); a head alone proves it only when it is the same head, and a head
behind the anchored one is flagged at once. This is what lets 只增不改 (append-only) be checked from outside.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import transaction

from checker.errors import InputError
from ihcheck.registry.models import Bundle, Hospital, TrailAnchor
from ihcheck.registry.services import actions
from ihcheck.registry.services.enrol import key_valid_at
from ihcheck.registry.services.refusals import Refused, from_the_future


def last_trusted(hospital: Hospital) -> TrailAnchor | None:
    """The last anchor proven to extend the ones before it: what a new head must be shown to extend.

    Only a proven one: an anchor that could not be proven (a head alone, further on) is kept and compared with,
    but never becomes the base, or a rewritten trail's head sent alone first would be what its log is checked
    against next time, and the rewrite would never be seen."""
    return TrailAnchor.objects.filter(hospital=hospital, extends=True).order_by("-id").first()


def _unproven_since(hospital: Hospital, proven: TrailAnchor | None) -> list[TrailAnchor]:
    """The anchors kept after the last proven one and not flagged: a new head may not fall behind them either."""
    later = TrailAnchor.objects.filter(hospital=hospital, extends__isnull=True, last_seq__isnull=False)
    if proven is not None:
        later = later.filter(id__gt=proven.pk)
    return list(later.order_by("id"))


def _rewinds(anchors: list[TrailAnchor], head: str, last_seq: int | None) -> str | None:
    """Why a head cannot come after these anchors (it ends before one, or hashes its seq otherwise), or None."""
    for previous in anchors:
        if last_seq is None or previous.last_seq is None:
            continue
        if last_seq < previous.last_seq:
            return (f"the trail ends at seq {last_seq}, before the anchored seq {previous.last_seq} "
                    f"(head {previous.head[:16]}…): records were removed or the trail was replaced")
        if last_seq == previous.last_seq and head != previous.head:
            return (f"seq {last_seq} now hashes to {head[:16]}…, anchored as {previous.head[:16]}…: "
                    "the trail was rewritten")
    return None


def _judge_head(previous: TrailAnchor | None, head: str, last_seq: int | None,
                later: list[TrailAnchor] = ()) -> tuple[bool | None, str]:  # type: ignore[assignment]
    if problem := _rewinds([a for a in (previous, *later) if a is not None], head, last_seq):
        return False, problem
    if previous is None:
        return True, ""
    if last_seq is None or previous.last_seq is None:
        return (True, "") if head == previous.head else (None, "no seq to compare with the anchored head")
    if last_seq == previous.last_seq:
        return True, ""
    return None, (f"the trail went on from seq {previous.last_seq} to {last_seq}: extension not provable from a "
                  "head alone (send the log with the head)")


def _judge_log(previous: TrailAnchor | None, log: bytes, statement: dict[str, Any],
               later: list[TrailAnchor] = ()) -> tuple[bool, str]:  # type: ignore[assignment]
    """Verify the records sent: a continuation from the anchored head, or the whole log passing through it; every
    anchor kept since (proven or not) must be a record of it."""
    from probes.trail import GENESIS, verify_stream

    head, last_seq = str(statement["head"]), statement.get("last_seq")
    if problem := _rewinds(list(later), head, last_seq):
        return False, problem
    chunks = [log[i:i + (1 << 20)] for i in range(0, len(log), 1 << 20)]
    wanted = {a.last_seq for a in (previous, *later) if a is not None and a.last_seq is not None}
    seen: dict[int, str] = {}

    def note(record: dict[str, Any]) -> None:
        if record.get("seq") in wanted:
            seen[int(record["seq"])] = str(record.get("hash"))

    continuation = previous is not None and log.startswith(b'{"prev":"' + previous.head.encode() + b'"')
    check = verify_stream(chunks, source="trail", expect_head=head, on_record=note,
                          prev=previous.head if continuation and previous is not None
                          else str(statement.get("prev") or GENESIS))
    if check.broken is not None:
        what = "the records sent after the anchored head" if continuation else "the log sent"
        return False, f"{what} do not verify: {check.broken.describe()}"
    if check.last_seq != last_seq:
        return False, f"the log sent ends at seq {check.last_seq}, the statement says {last_seq}"
    if previous is None:
        return True, ""
    for kept in (previous, *later):
        if kept.last_seq is None or (continuation and kept is previous):
            continue  # a continuation starts from the anchored head itself: proven by its first prev
        if kept.last_seq not in seen:
            return False, (f"the log sent holds no record seq {kept.last_seq} (an anchored head): records were "
                           "removed or the trail was replaced")
        if seen[kept.last_seq] != kept.head:
            return False, (f"record seq {kept.last_seq} now hashes to {seen[kept.last_seq][:16]}…, anchored as "
                           f"{kept.head[:16]}…: the trail was rewritten")
    return True, ""


def submit_head(hospital: Hospital, envelope: Any, *, actor: str, log: bytes | None = None) -> TrailAnchor:
    """Verify a signed head (reports.trail_head) with the hospital's keys valid when it was stated, and anchor it."""
    from reports import trail_head

    try:
        when = trail_head.stated_at(envelope)
        if when is None:
            raise InputError("trail head: no stated_at")
        if future := from_the_future(when):
            raise InputError(f"trail head: {future}")
        pinned = {p for k in hospital.keys.all() if key_valid_at(k, when) for p in k.fingerprints()}
        head = trail_head.verify(envelope, pinned)
        if log is not None and len(log) > int(settings.IHCHECK_MAX_UPLOAD_BYTES):
            raise InputError(f"trail log: more than {settings.IHCHECK_MAX_UPLOAD_BYTES} bytes")
    except InputError as exc:
        actions.record("refuse", actor, hospital=hospital, source="trail head", reason=str(exc))
        raise Refused(str(exc)) from None
    statement = head.statement
    with transaction.atomic():
        previous = last_trusted(hospital)
        later = _unproven_since(hospital, previous)
        extends: bool | None
        if log is not None:
            extends, problem = _judge_log(previous, log, statement, later)
        else:
            extends, problem = _judge_head(previous, head.head, statement.get("last_seq"), later)
        anchor = TrailAnchor.objects.create(
            hospital=hospital, head=head.head, records=statement.get("records"), last_seq=statement.get("last_seq"),
            stated_at=head.stated_at, source="head", previous=previous, extends=extends, problem=problem,
            statement=json.loads(json.dumps(envelope)))
        actions.record("anchor" if extends is not False else "anchor.flag", actor, hospital=hospital,
                       head=head.head, last_seq=statement.get("last_seq"), extends=extends, problem=problem)
    return anchor


def anchor_from_bundle(bundle: Bundle, *, actor: str) -> TrailAnchor | None:
    """A verified bundle's trail head (facts.pilot.trail) is anchored too, and judged like a head alone."""
    if not bundle.trail_head:
        return None
    with transaction.atomic():
        previous = last_trusted(bundle.hospital)
        if previous is not None and previous.head == bundle.trail_head:
            return previous
        extends, problem = _judge_head(previous, bundle.trail_head, bundle.trail_last_seq,
                                       _unproven_since(bundle.hospital, previous))
        anchor = TrailAnchor.objects.create(
            hospital=bundle.hospital, head=bundle.trail_head, last_seq=bundle.trail_last_seq,
            stated_at=bundle.signed_at, source="bundle", bundle=bundle, previous=previous, extends=extends,
            problem=problem)
        if extends is False:
            actions.record("anchor.flag", actor, hospital=bundle.hospital, head=bundle.trail_head,
                           bundle=bundle.digest, problem=problem)
    return anchor
