"""The province overview as a few SQL queries whose number does not grow with the province.

Each hospital's latest verified bundle is kept on its row at intake (Hospital.latest_bundle, set under the
hospital's row lock), so the table's columns are one join away; what a regulator filters and sorts on (stale,
refused since the latest bundle, trail flagged, failing, a rule's verdict) is computed by the database, which
also counts the totals and the per-city bars and hands back only the page shown. Before, every hospital's
verdicts were decoded from JSON and sorted in Python on every render: the overview grew with the province
(285 ms p95 at 1,000 hospitals with one bundle each).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from django.core.paginator import Page, Paginator
from django.db.models import BooleanField, Case, CharField, Count, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce
from django.urls import reverse
from django.utils import timezone

from ihcheck.registry.models import Action, Bundle, Hospital, TrailAnchor
from ihcheck.registry.services import queries
from ihcheck.registry.web.due import due_counts

BAD = ("fail", "error")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Filters:
    """What the overview's form asks (all optional); `rule` shows that rule's verdict instead of the worst."""

    city: str = ""
    rule: str = ""
    verdict: str = ""
    stale_only: bool = False


def rule_verdict(rule: str) -> Cast:
    """The verdict a hospital's latest bundle gives `rule`, as text (SQL NULL when it was not judged)."""
    return Cast(KeyTextTransform(rule, "latest_bundle__rules"), CharField())


def annotated(now: datetime, rule: str = "") -> QuerySet[Hospital]:
    """Every hospital with what the overview sorts and filters on, computed in SQL."""
    cutoff = queries.stale_cutoff(now, None)
    refused = Action.objects.filter(hospital=OuterRef("pk"), event="refuse",
                                    at__gt=Coalesce(OuterRef("latest_bundle__received_at"), Value(_EPOCH)))
    return Hospital.objects.annotate(
        refused=Exists(refused),
        flagged=Exists(TrailAnchor.objects.filter(hospital=OuterRef("pk"), extends=False)),
        stale=Case(When(latest_bundle__isnull=True, then=Value(True)),
                   When(latest_bundle__signed_at__lt=cutoff, then=Value(True)),
                   default=Value(False), output_field=BooleanField()),
        failing_now=Case(When(latest_bundle__worst__in=BAD, then=Value(True)), default=Value(False),
                         output_field=BooleanField()),
        shown_verdict=rule_verdict(rule) if rule else F("latest_bundle__worst"))


def _filtered(every: QuerySet[Hospital], f: Filters) -> QuerySet[Hospital]:
    rows = every
    if f.city:
        rows = rows.filter(city=f.city)
    if f.stale_only:
        rows = rows.filter(stale=True)
    if f.rule:  # hospitals whose latest bundle judged the rule, and those with nothing judged yet
        rows = rows.filter(Q(latest_bundle__rules__has_key=f.rule) | Q(latest_bundle__isnull=True))
    if f.verdict == "none":
        rows = rows.filter(shown_verdict__isnull=True)
    elif f.verdict:
        rows = rows.filter(shown_verdict=f.verdict)
    return rows.order_by("-refused", "-stale", "-flagged", "-failing_now", "city", "name")


COLUMNS = ("uscc", "name", "city", "refused", "flagged", "stale", "shown_verdict", "latest_bundle__digest",
           "latest_bundle__signed_at", "latest_bundle__catalogue_version", "latest_bundle__catalogue_sha256",
           "latest_bundle__worst", "latest_bundle_id", "latest_bundle__key__revoked_at")


def hospital_href(uscc: str) -> str:
    """The hospital page's path, by string: `{% url %}` costs about a millisecond a row (Django's reverse)."""
    return _hospital_prefix() + quote(uscc, safe="") + "/"


@functools.cache
def _hospital_prefix() -> str:  # read once the URLconf is loaded
    return reverse("registry-web:hospital", args=["-"]).removesuffix("-/")


def finding_href(digest: str, index: int) -> str:
    return _finding_prefix() + quote(digest, safe="") + f"/findings/{int(index)}/"


@functools.cache
def _finding_prefix() -> str:
    return reverse("registry-web:finding", args=["-", 0]).removesuffix("-/findings/0/")


def _row(h: dict[str, Any], now: datetime, current: str, due: dict[str, int], rules: dict[str, str]) -> dict[str, Any]:
    signed = h["latest_bundle__signed_at"]
    return {"uscc": h["uscc"], "href": hospital_href(h["uscc"]), "name": h["name"], "city": h["city"],
            "bundle": h["latest_bundle__digest"],
            "signed_at": signed.isoformat() if signed else None,
            "age_days": None if signed is None else max(0, (now - signed).days),
            "catalogue_version": h["latest_bundle__catalogue_version"],
            "older_catalogue": bool(signed and h["latest_bundle__catalogue_sha256"] != current),
            "worst": h["latest_bundle__worst"], "shown_verdict": h["shown_verdict"],
            "failing": sorted(r for r, v in rules.items() if v == "fail"), "stale": h["stale"],
            "refused": h["refused"], "trail_flagged": h["flagged"], "due": due.get(h["uscc"], 0),
            # taken in before its key was revoked: still held, but whoever has the key could have made it
            "key_revoked": h["latest_bundle__key__revoked_at"] is not None}


def by_city(every: QuerySet[Hospital]) -> list[dict[str, Any]]:
    """Per city: hospitals, and how many are stale, failing (not stale), inconclusive at worst (not stale),
    refused since their latest bundle, trail flagged, failing whatever their age — one GROUP BY."""
    fresh = Q(stale=False)
    return list(every.order_by().values("city").annotate(
        hospitals=Count("pk"), stale_n=Count("pk", filter=Q(stale=True)),
        fail_n=Count("pk", filter=fresh & Q(latest_bundle__worst__in=BAD)),
        inconclusive_n=Count("pk", filter=fresh & Q(latest_bundle__worst="inconclusive")),
        refused_n=Count("pk", filter=Q(refused=True)), flagged_n=Count("pk", filter=Q(flagged=True)),
        failing_n=Count("pk", filter=Q(latest_bundle__worst__in=BAD))).order_by("city"))


def city_bars(cities: list[dict[str, Any]]) -> dict[str, Any]:
    """Hospitals per city by their state: stale, failing, inconclusive at worst, passing everything."""
    states = ("fail", "stale", "inconclusive", "pass")

    def counts(c: dict[str, Any]) -> list[int]:
        return [c["fail_n"], c["stale_n"], c["inconclusive_n"],
                c["hospitals"] - c["fail_n"] - c["stale_n"] - c["inconclusive_n"]]

    names = [c["city"] for c in cities]
    table = [counts(c) for c in cities]
    return {"cities": names, "states": states,
            "series": [{"state": s, "counts": [row[i] for row in table]} for i, s in enumerate(states)],
            "rows": [{"city": n, "counts": row} for n, row in zip(names, table, strict=True)]}


def overview(f: Filters, *, page: Any = 1, per_page: int = 100, now: datetime | None = None) -> dict[str, Any]:
    """The page of rows shown (refused, stale, flagged, failing first), the number matching, the totals and the
    per-city bars: a fixed number of queries whatever the province's size."""
    now = now or timezone.now()
    every = annotated(now, f.rule)
    shown: Page[Any] = Paginator(_filtered(every, f).values(*COLUMNS), per_page).get_page(page)
    rows = list(shown.object_list)
    due = due_counts(timezone.localdate(now), 30, usccs=[r["uscc"] for r in rows])
    current = queries.current_catalogue()["sha256"]
    # each shown bundle's verdicts, for its failing rules: read for the page only (sorting every hospital's row
    # with its verdicts attached made PostgreSQL read and sort them all: half the query's time at 488 hospitals)
    verdicts = dict(Bundle.objects.filter(pk__in=[r["latest_bundle_id"] for r in rows if r["latest_bundle_id"]])
                    .values_list("pk", "rules"))
    shown.object_list = [_row(r, now, current, due, verdicts.get(r["latest_bundle_id"]) or {}) for r in rows]
    cities = by_city(every)
    totals = {"hospitals": sum(c["hospitals"] for c in cities), "stale": sum(c["stale_n"] for c in cities),
              "failing": sum(c["failing_n"] for c in cities), "refused": sum(c["refused_n"] for c in cities),
              "flagged": sum(c["flagged_n"] for c in cities)}
    return {"shown": shown, "matching": shown.paginator.count, "totals": totals,
            "cities": [c["city"] for c in cities], "chart_cities": city_bars(cities)}
