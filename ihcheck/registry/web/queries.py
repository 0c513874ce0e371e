"""What the pages ask beyond the registry's service layer (services.queries): the uploads refused since a
hospital's latest verified bundle, the verdict changes between consecutive bundles, a rule across the province,
and the pass rate per rule by week for the overview's chart. Read-only, and each one query a page (or a few),
so a page costs the same at the 52nd bundle a hospital as at the first."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from django.utils import timezone

from ihcheck.registry.models import Bundle, Finding, Hospital
from ihcheck.registry.web.overview import finding_href, hospital_href, rule_verdict

# The verdicts in the order a regulator reads them (worst first), with the Chinese the reports use.
ORDER = ("fail", "error", "inconclusive", "attested", "pass", "not_applicable")
MLPS_ITEMS = "GD2020-1.2.1-l3-"  # the 等保 level-3 items: shown folded, they would drown the notice's own rules


def verdict_changes(bundles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For bundles newest first (each with its `rules`), the rules whose verdict changed from the bundle before."""
    out = []
    for newer, older in pairwise(bundles):
        changed = sorted((rule, older["rules"].get(rule), verdict) for rule, verdict in newer["rules"].items()
                         if older["rules"].get(rule) != verdict)
        gone = sorted((rule, verdict, None) for rule, verdict in older["rules"].items() if rule not in newer["rules"])
        every = changed + gone
        # the notice's own rules first; the 等保 items (one per host and item) folded apart, not to drown them
        out.append({"digest": newer["digest"], "previous": older["digest"], "changes": every,
                    "notice": [c for c in every if not c[0].startswith(MLPS_ITEMS)],
                    "mlps": [c for c in every if c[0].startswith(MLPS_ITEMS)]})
    return out


def timeline(hospital: Hospital, limit: int = 60) -> list[dict[str, Any]]:
    """Bundles (newest first, with their rules) for the timeline and the verdict changes between them."""
    return list(Bundle.objects.filter(hospital=hospital).order_by("-signed_at")
                .values("id", "digest", "signed_at", "received_at", "via", "catalogue_version", "worst", "counts",
                        "rules", "key__ed25519")[:limit])


def not_passing(bundle_id: int) -> list[Finding]:
    return list(Finding.objects.filter(bundle_id=bundle_id).exclude(verdict__in=("pass", "not_applicable"))
                .order_by("index"))


def rule_across(rule_id: str) -> dict[str, list[dict[str, Any]]]:
    """The province on one rule: each hospital under the verdict its latest bundle gives it (passes resting on
    a document apart, as `attested`: Finding.basis, kept at intake), with the finding to open. Two queries,
    whatever the number of hospitals; no bundle is opened."""
    by: dict[str, list[dict[str, Any]]] = {v: [] for v in ORDER}
    by["none"] = []
    hospitals = list(Hospital.objects.order_by("city", "name").values(
        "pk", "uscc", "name", "city", "latest_bundle_id", "latest_bundle__digest", "latest_bundle__signed_at",
        "latest_bundle__catalogue_version", verdict=rule_verdict(rule_id)))
    index: dict[int, int] = {}
    attested: set[int] = set()
    latest = Hospital.objects.filter(latest_bundle__isnull=False).values("latest_bundle_id")
    for bundle_id, i, verdict, basis in (Finding.objects.filter(bundle_id__in=latest, rule_id=rule_id)
                                         .order_by("bundle_id", "index")
                                         .values_list("bundle_id", "index", "verdict", "basis")):
        index[bundle_id] = i  # the last of the rule's findings, as before
        if verdict == "pass" and "attested" in basis.split(","):
            attested.add(bundle_id)
    for h in hospitals:
        b = h["latest_bundle_id"]
        verdict = h["verdict"] if b else None
        if b in attested and verdict == "pass":
            verdict = "attested"
        h["href"] = hospital_href(h["uscc"])
        if b:
            h["finding_href"] = finding_href(h["latest_bundle__digest"], index[b]) if b in index else None
        row = {"hospital": h, "bundle": {"digest": h["latest_bundle__digest"],
                                         "signed_at": h["latest_bundle__signed_at"],
                                         "catalogue_version": h["latest_bundle__catalogue_version"]} if b else None,
               "finding": index.get(b) if b else None}
        by.get(verdict or "none", by["none"]).append(row)
    return by


class _WeeklyPasses:
    """Per ISO week (its Monday) and rule: [bundles passing, bundles judged], added up from each bundle's stored
    verdicts. Bundles are immutable and never deleted, so a process adds each bundle once (those with a higher
    id than it has seen) and a render reads only what came in since the last one."""

    def __init__(self) -> None:
        self.last_id = 0
        self.since: datetime | None = None
        self.table: dict[str, dict[str, list[int]]] = {}  # week → rule → [pass, judged]
        self.lock = threading.Lock()

    def update(self, since: datetime) -> dict[str, dict[str, list[int]]]:
        with self.lock:
            if self.since is None or since < self.since:  # a wider window than read so far: read it again
                self.last_id, self.since, self.table = 0, since, {}
            rows = (Bundle.objects.filter(id__gt=self.last_id, signed_at__gte=self.since).order_by("id")
                    .values_list("id", "signed_at", "rules"))
            for bundle_id, signed_at, rules in rows.iterator(chunk_size=2000):
                local = timezone.localtime(signed_at).date()
                week = (local - timedelta(days=local.weekday())).isoformat()
                cells = self.table.setdefault(week, {})
                mlps = [0, 0]
                for rule, verdict in rules.items():
                    if verdict == "not_applicable":
                        continue
                    if rule.startswith(MLPS_ITEMS):  # the 等保 items as one line: the share of items passing
                        mlps[0] += verdict == "pass"
                        mlps[1] += 1
                        continue
                    cell = cells.setdefault(rule, [0, 0])
                    cell[0] += verdict == "pass"
                    cell[1] += 1
                if mlps[1]:
                    cell = cells.setdefault(MLPS_LINE, [0, 0])
                    cell[0] += mlps[0]
                    cell[1] += mlps[1]
                self.last_id = max(self.last_id, bundle_id)
            return {w: {r: list(c) for r, c in cells.items()} for w, cells in self.table.items()}


MLPS_LINE = "等保三级 MLPS L3 items"
_WEEKLY = _WeeklyPasses()


def pass_rate_by_week(weeks: int = 12, now: datetime | None = None, rules: list[str] | None = None,
                      top: int = 8) -> dict[str, Any]:
    """Share of bundles signed each week that pass each rule (not-applicable left out), over the last `weeks`
    weeks; by default the `top` rules whose rate moved, then the lowest (the 等保 items folded into one line)."""
    now = now or timezone.now()
    start = timezone.localtime(now).date() - timedelta(weeks=weeks)
    start -= timedelta(days=start.weekday())
    since = timezone.make_aware(datetime.combine(start, datetime.min.time()))
    table = _WEEKLY.update(since)
    all_weeks = sorted(w for w in table if w >= start.isoformat())
    names = sorted({r for w in all_weeks for r in table[w]} if not rules else set(rules))
    rates = {rule: [round(100 * table[w][rule][0] / table[w][rule][1], 1) if rule in table[w] else None
                    for w in all_weeks] for rule in names}

    def rank(rule: str) -> tuple[bool, float, str]:  # rules whose rate moved first, then the lowest
        seen = [x for x in rates[rule] if x is not None]
        return (max(seen, default=0) == min(seen, default=0), min(seen, default=100), rule)

    chosen = sorted(rates, key=rank)[:top]
    return {"weeks": all_weeks, "series": [{"rule": r, "rates": rates[r]} for r in sorted(chosen)]}
