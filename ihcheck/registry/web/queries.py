"""What the pages ask beyond the registry's service layer (services.queries): the uploads refused since a
hospital's latest verified bundle, the verdict changes between consecutive bundles, a rule across the province,
and the pass rate per rule by week for the overview's chart. Read-only, and each one query a page (or a few),
so a page costs the same at the 52nd bundle a hospital as at the first."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from django.db.models import Count, Max
from django.db.models.functions import TruncWeek
from django.utils import timezone

from ihcheck.registry.models import Action, Bundle, Finding, Hospital

# The verdicts in the order a regulator reads them (worst first), with the Chinese the reports use.
ORDER = ("fail", "error", "inconclusive", "attested", "pass", "not_applicable")
MLPS_ITEMS = "GD2020-1.2.1-l3-"  # the 等保 level-3 items: shown folded, they would drown the notice's own rules


def refused_since_latest() -> dict[int, dict[str, Any]]:
    """hospital id → the last refusal, for hospitals whose last upload was refused after their latest bundle."""
    last = dict(Action.objects.filter(event="refuse", hospital__isnull=False).values("hospital_id")
                .annotate(seq=Max("seq")).values_list("hospital_id", "seq"))
    if not last:
        return {}
    rows = Action.objects.filter(seq__in=last.values()).values("hospital_id", "at", "detail")
    latest = dict(Hospital.objects.filter(pk__in=last).values_list("pk", "latest_bundle__received_at"))
    return {r["hospital_id"]: r for r in rows
            if latest.get(r["hospital_id"]) is None or r["at"] > latest[r["hospital_id"]]}


def verdict_changes(bundles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For bundles newest first (each with its `rules`), the rules whose verdict changed from the bundle before."""
    out = []
    for newer, older in zip(bundles, bundles[1:], strict=False):
        changed = sorted((rule, older["rules"].get(rule), verdict) for rule, verdict in newer["rules"].items()
                         if older["rules"].get(rule) != verdict)
        gone = sorted((rule, verdict, None) for rule, verdict in older["rules"].items() if rule not in newer["rules"])
        out.append({"digest": newer["digest"], "previous": older["digest"], "changes": changed + gone})
    return out


def timeline(hospital: Hospital, limit: int = 60) -> list[dict[str, Any]]:
    """Bundles (newest first, with their rules) for the timeline and the verdict changes between them."""
    return list(Bundle.objects.filter(hospital=hospital).order_by("-signed_at")
                .values("id", "digest", "signed_at", "received_at", "via", "catalogue_version", "worst", "counts",
                        "rules", "key__ed25519")[:limit])


def not_passing(bundle_id: int) -> list[Finding]:
    return list(Finding.objects.filter(bundle_id=bundle_id).exclude(verdict__in=("pass", "not_applicable"))
                .order_by("index"))


@lru_cache(maxsize=4096)
def _attested_rules(digest: str) -> frozenset[str]:
    """Rules a bundle passes on a document's word only (evidence basis `attested`): bundles are immutable, so
    this is read from the stored findings once per bundle and process."""
    from ihcheck.registry.services.intake import bundle_files

    bundle = Bundle.objects.get(digest=digest)
    findings = json.loads(bundle_files(bundle)["findings.json"])
    return frozenset(f["rule_id"] for f in findings if f.get("verdict") == "pass"
                     and any(e.get("basis") == "attested" for e in f.get("evidence") or ()))


def rule_across(rule_id: str) -> dict[str, list[dict[str, Any]]]:
    """The province on one rule: each hospital under the verdict its latest bundle gives it (attested passes
    apart), with the finding to open."""
    by: dict[str, list[dict[str, Any]]] = {v: [] for v in ORDER}
    by["none"] = []
    hospitals = Hospital.objects.select_related("latest_bundle").order_by("city", "name")
    latest = [h.latest_bundle_id for h in hospitals if h.latest_bundle_id]
    index = {b: i for b, i in Finding.objects.filter(bundle_id__in=latest, rule_id=rule_id)
             .values("bundle_id").annotate(first=Max("index")).values_list("bundle_id", "first")}
    for h in hospitals:
        b = h.latest_bundle
        verdict = b.rules.get(rule_id) if b else None
        if b is not None and verdict == "pass" and rule_id in _attested_rules(b.digest):
            verdict = "attested"
        row = {"hospital": h, "bundle": b, "finding": index.get(b.pk) if b else None}
        by.get(verdict or "none", by["none"]).append(row)
    return by


def pass_rate_by_week(weeks: int = 12, now: datetime | None = None, rules: list[str] | None = None,
                      top: int = 8) -> dict[str, Any]:
    """Share of bundles signed each week that pass each rule (not-applicable left out), over the last `weeks`
    weeks; by default the `top` rules with the lowest pass rate (the 等保 items folded into one line)."""
    now = now or timezone.now()
    since = now - timedelta(weeks=weeks)
    found = (Finding.objects.filter(bundle__signed_at__gte=since).exclude(verdict="not_applicable")
             .annotate(week=TruncWeek("bundle__signed_at")).values("week", "rule_id", "verdict")
             .annotate(n=Count("bundle_id", distinct=True)))
    if rules:
        found = found.filter(rule_id__in=rules)
    table: dict[str, dict[str, list[int]]] = {}
    for row in found:
        rule = row["rule_id"] if not row["rule_id"].startswith(MLPS_ITEMS) else "等保三级 MLPS L3 (136)"
        week = row["week"].date().isoformat()
        cell = table.setdefault(rule, {}).setdefault(week, [0, 0])
        cell[1] += row["n"]
        if row["verdict"] == "pass":
            cell[0] += row["n"]
    all_weeks = sorted({w for cells in table.values() for w in cells})
    rates = {rule: [round(100 * cells[w][0] / cells[w][1], 1) if w in cells and cells[w][1] else None
                    for w in all_weeks] for rule, cells in table.items()}
    chosen = sorted(rates, key=lambda r: (min((x for x in rates[r] if x is not None), default=100), r))[:top]
    return {"weeks": all_weeks, "series": [{"rule": r, "rates": rates[r]} for r in sorted(chosen)]}


def city_bars(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Hospitals per city by their state: failing, stale, inconclusive at worst, passing everything."""
    cities = sorted({r["city"] for r in rows})
    states = ("fail", "stale", "inconclusive", "pass")
    count = {s: dict.fromkeys(cities, 0) for s in states}
    for r in rows:
        state = "stale" if r["stale"] else ("fail" if r["worst"] in ("fail", "error") else
                                            "inconclusive" if r["worst"] == "inconclusive" else "pass")
        count[state][r["city"]] += 1
    return {"cities": cities, "states": states,
            "series": [{"state": s, "counts": [count[s][c] for c in cities]} for s in states],
            "rows": [{"city": c, "counts": [count[s][c] for s in states]} for c in cities]}
