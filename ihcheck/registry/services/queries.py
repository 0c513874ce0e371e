"""What the regulator asks of the registry, as data (the JSON API and the pages call these).

The province table reads one row a hospital (its latest verified bundle, kept on the hospital at intake) and
the verdicts stored on that bundle, so it costs the same at the 52nd bundle a hospital as at the first.
"""

from __future__ import annotations

import functools
import json
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from checker.errors import InputError
from ihcheck.registry.models import Action, Bundle, Document, Finding, Hospital, KeyEvent, TrailAnchor
from reports.drift import RANK


def _age_days(when: datetime | None, now: datetime) -> int | None:
    return None if when is None else max(0, (now - when).days)


@functools.cache
def current_catalogue() -> dict[str, str]:
    from checker.catalogue import CATALOGUE_VERSION, catalogue_sha256

    return {"version": CATALOGUE_VERSION, "sha256": catalogue_sha256()}


def stale_cutoff(now: datetime, stale_days: int | None) -> datetime:
    return now - timedelta(days=stale_days if stale_days is not None else int(settings.IHCHECK_STALE_DAYS))


def province(*, city: str | None = None, stale_days: int | None = None, now: datetime | None = None,
             with_rules: bool = True) -> list[dict[str, Any]]:
    """Every enrolled hospital with its latest verified bundle: verdict per rule, worst, age, catalogue, stale,
    and whether its trail was flagged. One query of plain values (no model objects: 1,000 rows stay cheap)."""
    now = now or timezone.now()
    cutoff = stale_cutoff(now, stale_days)
    current = current_catalogue()["sha256"]
    hospitals = Hospital.objects.order_by("city", "name")
    if city:
        hospitals = hospitals.filter(city=city)
    flagged = set(TrailAnchor.objects.filter(extends=False).values_list("hospital_id", flat=True).distinct())
    rows = []
    for h in hospitals.values("pk", "uscc", "name", "city", "licence", "registered_on", "latest_bundle__digest",
                              "latest_bundle__signed_at", "latest_bundle__catalogue_version",
                              "latest_bundle__catalogue_sha256", "latest_bundle__worst", "latest_bundle__counts",
                              "latest_bundle__rules", "latest_bundle__key__revoked_at"):
        signed = h["latest_bundle__signed_at"]
        rules = h["latest_bundle__rules"] or {}
        row: dict[str, Any] = {
            "uscc": h["uscc"], "name": h["name"], "city": h["city"], "licence": h["licence"],
            "registered_on": h["registered_on"].isoformat() if h["registered_on"] else None,
            "bundle": h["latest_bundle__digest"], "signed_at": signed.isoformat() if signed else None,
            "age_days": _age_days(signed, now), "catalogue_version": h["latest_bundle__catalogue_version"],
            "older_catalogue": bool(signed and h["latest_bundle__catalogue_sha256"] != current),
            "worst": h["latest_bundle__worst"], "counts": h["latest_bundle__counts"] or {},
            "failing": sorted(r for r, v in rules.items() if v == "fail"),
            "stale": signed is None or signed < cutoff, "trail_flagged": h["pk"] in flagged,
            # taken in before its key was revoked: still held, but whoever has the key could have made it
            "key_revoked": h["latest_bundle__key__revoked_at"] is not None,
        }
        if with_rules:
            row["rules"] = rules
        rows.append(row)
    return rows


def stale(*, stale_days: int | None = None, now: datetime | None = None) -> list[dict[str, Any]]:
    """Hospitals with no verified bundle signed within the period (or none at all)."""
    return [r for r in province(stale_days=stale_days, now=now, with_rules=False) if r["stale"]]


def older_catalogue() -> list[dict[str, Any]]:
    """Hospitals whose latest bundle was judged by another catalogue than this registry's."""
    return [r for r in province(with_rules=False) if r["older_catalogue"]]


def failing(rule_id: str, verdict: str = "fail") -> list[dict[str, Any]]:
    """Hospitals whose latest bundle gives the rule this verdict, with the finding's reason."""
    latest = Hospital.objects.filter(latest_bundle__isnull=False).values_list("latest_bundle_id", flat=True)
    found = (Finding.objects.filter(bundle_id__in=latest, rule_id=rule_id, verdict=verdict)
             .select_related("bundle__hospital").order_by("bundle__hospital__city", "bundle__hospital__name"))
    return [{"uscc": f.bundle.hospital.uscc, "name": f.bundle.hospital.name, "city": f.bundle.hospital.city,
             "bundle": f.bundle.digest, "finding": f.index, "hosts": f.hosts, "reason": f.reason} for f in found]


def hospital(uscc: str) -> Hospital:
    try:
        return Hospital.objects.get(uscc=uscc.strip().upper())
    except Hospital.DoesNotExist:
        raise InputError(f"hospital: no hospital enrolled with 统一社会信用代码 {uscc!r}") from None


def history(uscc: str, *, limit: int = 200) -> dict[str, Any]:
    """A hospital's timeline: bundles taken in, uploads refused (from the action log), anchors, key events."""
    h = hospital(uscc)
    bundles = list(Bundle.objects.filter(hospital=h).order_by("-signed_at")
                   .values("digest", "signed_at", "received_at", "via", "catalogue_version", "worst", "counts",
                           "trail_head")[:limit])
    refused = list(Action.objects.filter(hospital=h, event="refuse").order_by("-seq")
                   .values("seq", "at", "actor", "detail")[:limit])
    anchors = list(TrailAnchor.objects.filter(hospital=h).order_by("-id")
                   .values("head", "last_seq", "stated_at", "received_at", "source", "extends", "problem")[:limit])
    keys = [{"ed25519": k.ed25519, "sm2": k.sm2, "valid_from": k.valid_from, "valid_until": k.valid_until,
             "retired_at": k.retired_at, "revoked_at": k.revoked_at} for k in h.keys.order_by("valid_from")]
    events = list(KeyEvent.objects.filter(key__hospital=h).order_by("at", "id")
                  .values("kind", "at", "actor", "reason", "key__ed25519"))
    return {"uscc": h.uscc, "name": h.name, "city": h.city, "licence": h.licence,
            "registered_on": h.registered_on, "bundles": bundles, "refused": refused, "anchors": anchors,
            "keys": keys, "key_events": events}


def _side(bundle: Bundle) -> Any:
    from ihcheck.registry.services.intake import bundle_files
    from reports.drift import Side

    content = bundle_files(bundle)

    def load(rel: str, default: Any) -> Any:
        return json.loads(content[rel]) if rel in content else default

    result = load("result.json", {})
    return Side(source=bundle.digest, kind="bundle", rules=dict(bundle.rules), findings=load("findings.json", []),
                facts=load("facts.json", {}), catalogue=load("catalogue.json", {}),
                finished_at=str(result.get("finished_at") or ""), signer=dict(load("manifest.json", {})["signer"]))


def drift(uscc: str, digest: str | None = None) -> dict[str, Any]:
    """The drift (reports.drift, as `ihcheck diff`) from the bundle before `digest` (default: the latest) to it."""
    from reports.drift import diff

    h = hospital(uscc)
    bundles = Bundle.objects.filter(hospital=h).order_by("-signed_at")
    new = bundles.filter(digest=digest).first() if digest else bundles.first()
    if new is None:
        raise InputError(f"bundle: {digest or 'latest'}: no such bundle of {h.uscc}")
    old = bundles.filter(signed_at__lt=new.signed_at).first()
    if old is None:
        return {"schema": "ihcheck.diff/1", "old": None, "new": {"source": new.digest}, "worse": False, "rules": []}
    return diff(_side(old), _side(new))


def evidence(digest: str, index: int) -> dict[str, Any]:
    """A finding and each observation it cites, as stored and verified on intake, with their signed digests."""
    from ihcheck.registry.services.intake import bundle_files
    from reports.bundle import observation_path

    bundle = Bundle.objects.select_related("hospital", "key").filter(digest=digest).first()
    if bundle is None:
        raise InputError(f"bundle: {digest}: not held")
    content = bundle_files(bundle)
    findings = json.loads(content["findings.json"])
    if not 0 <= index < len(findings):
        raise InputError(f"finding: {index}: the bundle holds {len(findings)} findings")
    finding = findings[index]
    manifest = json.loads(content["manifest.json"])
    cited = sorted({o for e in finding.get("evidence") or () for o in e.get("observations") or ()}
                   | set(finding.get("observations") or ()))
    observations = []
    for obs_id in cited:
        rel = observation_path(obs_id)
        entry = manifest["files"].get(rel, {})
        observations.append({"id": obs_id, "file": rel, "sha256": entry.get("sha256"), "sm3": entry.get("sm3"),
                             "observation": json.loads(content[rel]) if rel in content else None})
    return {"hospital": bundle.hospital.uscc, "bundle": bundle.digest, "signed_at": bundle.signed_at,
            "signer": {"ed25519": bundle.key.ed25519, "sm2": bundle.key.sm2},
            "catalogue": {"version": bundle.catalogue_version, "sha256": bundle.catalogue_sha256},
            "finding": finding, "observations": observations}


def deadlines(*, today: date | None = None, horizon_days: int = 30, uscc: str | None = None,
              usccs: list[str] | None = None) -> list[dict[str, Any]]:
    """What is due or overdue within the horizon: the 30/90-day uploads after 执业登记 (GD2020 三(一)/(二)), the
    yearly 等保 submission (三.2(4): due a year after its last submission, not by the certificate's age), and documents
    expiring. An item counts as handed in when the latest verified bundle carries it present and unexpired
    (checker.catalogue.gd2020_materials)."""
    from checker.catalogue.gd2020_materials import NOTICE_ISSUED, expiry, submission_due
    from checker.catalogue.materials_checklist import ITEMS
    from probes.facts.materials import DocumentFile

    today = today or timezone.localdate()
    until = today + timedelta(days=horizon_days)
    hospitals = Hospital.objects.select_related("latest_bundle").order_by("city", "name")
    if uscc:
        hospitals = hospitals.filter(uscc=uscc.strip().upper())
    if usccs is not None:
        hospitals = hospitals.filter(uscc__in=usccs)
    latest = {h.latest_bundle_id for h in hospitals if h.latest_bundle_id}
    docs: dict[int, list[Any]] = {}
    for d in Document.objects.filter(bundle_id__in=latest):
        docs.setdefault(d.bundle_id, []).append(d)
    due: list[dict[str, Any]] = []
    for h in hospitals:
        held = docs.get(h.latest_bundle_id or -1, [])
        files = [DocumentFile(file=d.file, items=tuple(d.items), title=d.title or None, issued=d.issued,
                              expires=d.expires, submitted=d.submitted, sha256=d.sha256 or None) for d in held]
        base = max(h.registered_on, NOTICE_ISSUED) if h.registered_on else None
        for item in ITEMS:
            if item.third_party_only:
                continue
            mine = [f for f in files if item.id in f.items]
            # a yearly item ends a year after its last submission; any other when its paper expires
            ends = [submission_due(f, item) if item.annual else expiry(f, item) for f in mine]
            valid = [e for e in ends if e is None or e >= today]
            row = {"uscc": h.uscc, "name": h.name, "city": h.city, "item": item.id, "title_zh": item.title_zh,
                   "title_en": item.title_en, "clause": item.clause}
            if not mine and base is not None and item.deadline_days is not None:
                when = base + timedelta(days=item.deadline_days)
                if when <= until:
                    due.append(row | {"kind": f"upload-{item.deadline_days}d", "due": when,
                                      "overdue": when < today})
            elif mine and not valid:
                due.append(row | {"kind": "yearly-mlps" if item.annual else "expired",
                                  "due": max(e for e in ends if e is not None), "overdue": True})
            elif valid and None not in valid:
                when = max(e for e in valid if e is not None)  # the newest paper carries the item until then
                if when <= until:
                    due.append(row | {"kind": "yearly-mlps" if item.annual else "expiring", "due": when,
                                      "overdue": False})
    return sorted(due, key=lambda r: (r["due"], r["city"], r["name"], r["item"]))


def search_hospitals(text: str) -> list[Hospital]:
    return list(Hospital.objects.filter(Q(name__icontains=text) | Q(uscc__icontains=text) | Q(city=text))[:50])


def worst_of(verdicts: list[str]) -> str | None:
    return max(verdicts, key=lambda v: RANK.get(v, 1)) if verdicts else None
