"""Audit-trail anchoring: heads kept, extension proven from the records sent, a rewritten or cut trail flagged."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from django.test import Client

from ihcheck.registry.models import Action, TrailAnchor
from ihcheck.registry.services import anchor, enrol, intake
from probes.trail import write_trail
from reports import trail_head
from tests.registry.conftest import USCC_A, Signed
from tests.registry.conftest import enrol as enrol_hospital

SCENARIOS = Path(__file__).resolve().parents[1] / "data" / "scenarios"


def _records(n: int, edited: int | None = None) -> list[dict[str, str]]:
    return [{"at": f"2026-11-{1 + i // 10:02d}T09:{i % 60:02d}:00+08:00", "event": "visit.start",
             "visit": f"V{i}" if i != edited else "V-edited"} for i in range(n)]


def test_heads_that_extend_are_anchored_and_a_rewritten_trail_is_flagged(
        db, hospital_a: Signed, tmp_path: Path) -> None:
    hospital = enrol_hospital(USCC_A, hospital_a)
    log = tmp_path / "audit.jsonl"
    write_trail(log, _records(5))
    first = anchor.submit_head(hospital, trail_head.make(log, hospital_a.keys), actor="t", log=log.read_bytes())
    assert first.extends is True and first.last_seq == 5
    write_trail(log, _records(8))  # appended: the first five records are unchanged
    second = anchor.submit_head(hospital, trail_head.make(log, hospital_a.keys), actor="t", log=log.read_bytes())
    assert second.extends is True and second.previous == first

    write_trail(log, _records(9, edited=2))  # record 3 rewritten, every hash after it recomputed: intact as a file
    rewritten = anchor.submit_head(hospital, trail_head.make(log, hospital_a.keys), actor="t", log=log.read_bytes())
    assert rewritten.extends is False and "the trail was rewritten" in rewritten.problem
    assert "record seq 8 now hashes to" in rewritten.problem
    assert Action.objects.filter(event="anchor.flag").count() == 1

    write_trail(log, _records(6))  # cut back: behind the last trusted head (seq 8), head alone
    cut = anchor.submit_head(hospital, trail_head.make(log, hospital_a.keys), actor="t")
    assert cut.extends is False and "before the anchored seq 8" in cut.problem
    assert cut.previous == second  # a flagged head is never what the next one must extend
    assert TrailAnchor.objects.filter(hospital=hospital).count() == 4  # every head kept


def test_a_continuation_segment_proves_extension_and_a_head_alone_says_it_cannot(
        db, hospital_a: Signed, tmp_path: Path) -> None:
    hospital = enrol_hospital(USCC_A, hospital_a)
    log = tmp_path / "audit.jsonl"
    write_trail(log, _records(5))
    first = anchor.submit_head(hospital, trail_head.make(log, hospital_a.keys), actor="t", log=log.read_bytes())
    write_trail(log, _records(7))
    lines = log.read_bytes().splitlines(keepends=True)
    segment = b"".join(lines[5:])
    grown = anchor.submit_head(hospital, trail_head.make(log, hospital_a.keys), actor="t", log=segment)
    assert grown.extends is True and grown.previous == first
    write_trail(log, _records(9))
    alone = anchor.submit_head(hospital, trail_head.make(log, hospital_a.keys), actor="t")
    assert alone.extends is None and "not provable from a head alone" in alone.problem


def test_a_head_signed_by_another_key_is_refused(db, hospital_a: Signed, hospital_b: Signed, tmp_path: Path) -> None:
    hospital = enrol_hospital(USCC_A, hospital_a)
    log = tmp_path / "audit.jsonl"
    write_trail(log, _records(3))
    with pytest.raises(intake.Refused, match="not a key enrolled and valid"):
        anchor.submit_head(hospital, trail_head.make(log, hospital_b.keys), actor="t")
    envelope = trail_head.make(log, hospital_a.keys)
    envelope["statement"] = envelope["statement"].replace('"records": 3', '"records": 30')
    with pytest.raises(intake.Refused, match="Ed25519 signature does not verify"):
        anchor.submit_head(hospital, envelope, actor="t")
    assert TrailAnchor.objects.count() == 0 and Action.objects.filter(event="refuse").count() == 2


def test_trail_heads_over_http_with_the_hospitals_token(db, hospital_a: Signed, tmp_path: Path) -> None:
    token = enrol.issue_token(enrol_hospital(USCC_A, hospital_a), actor="t")
    log = tmp_path / "audit.jsonl"
    write_trail(log, _records(4))

    def post(body: dict[str, object]) -> dict[str, object]:
        response = Client().post("/api/trail-heads", data=json.dumps(body), content_type="application/json",
                                 HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 201, response.content
        return dict(response.json())

    assert post({"head": trail_head.make(log, hospital_a.keys)})["extends"] is True
    write_trail(log, _records(4, edited=0))
    answer = post({"head": trail_head.make(log, hospital_a.keys),
                   "log_base64": base64.b64encode(log.read_bytes()).decode()})
    assert answer["extends"] is False and "rewritten" in str(answer["problem"])


def test_a_bundles_trail_head_is_anchored_and_a_later_head_that_contradicts_it_is_flagged(
        db, hospital_a: Signed) -> None:
    """The compliant scenario's pilot facts carry the verified head of its audit trail, and its last sequence number."""
    hospital = enrol_hospital(USCC_A, hospital_a)
    bundle = intake.take_file(hospital_a.tar("compliant"), via="cli", actor="t").bundle
    anchored = TrailAnchor.objects.get(hospital=hospital)
    assert anchored.source == "bundle" and anchored.bundle == bundle and anchored.extends is True
    recorded = json.loads((SCENARIOS / "compliant.json").read_text(encoding="utf-8"))
    check = recorded["facts"]["pilot"]["trail"]["check"]
    assert check["broken"] is None and check["last_seq"] > 0
    assert (anchored.head, anchored.last_seq) == (bundle.trail_head, check["last_seq"]) == (check["head"],
                                                                                            check["last_seq"])
    intake.take_file(hospital_a.tar("single-isp"), via="cli", actor="t")  # its facts hold no trail: nothing anchored
    assert TrailAnchor.objects.filter(hospital=hospital).count() == 1
    from django.utils import timezone

    from ihcheck.registry.models import Bundle

    # a later bundle whose trail ends at the same seq under another hash: the trail was rewritten
    Bundle.objects.filter(pk=bundle.pk).update(trail_head="f" * 64)
    rewritten = Bundle.objects.get(pk=bundle.pk)
    rewritten.signed_at = timezone.now()
    flagged = anchor.anchor_from_bundle(rewritten, actor="t")
    assert flagged is not None and flagged.extends is False and "the trail was rewritten" in flagged.problem
