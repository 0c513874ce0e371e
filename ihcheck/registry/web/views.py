"""The pages a regulator reads: the province, a hospital, a rule, a finding's evidence, the drift between two
bundles, the action log. Each view asks the service layer (services.queries) or web.queries and renders a
template; what came from a bundle is data, shown escaped by Django's templates, never markup."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from checker.errors import InputError
from checker.model import VERDICT_ZH
from ihcheck.registry.models import Action, Document, Hospital
from ihcheck.registry.services import queries
from ihcheck.registry.web import queries as web_queries
from ihcheck.registry.web.access import context, regulator

PER_PAGE = 100  # rows of the overview a page (the worst first): a province of 1,000 is ten pages, filters narrow it
ECHARTS = "registry/vendor/echarts/echarts.min.js"  # Apache ECharts 6.1.0 (VERSION beside it)
VERDICTS = {**{str(k): v for k, v in VERDICT_ZH.items()}, "attested": "文件声明", "none": "未提交"}
VERDICT_EN = {"pass": "pass", "fail": "fail", "inconclusive": "inconclusive", "error": "error",
              "not_applicable": "not applicable", "attested": "attested", "none": "nothing handed in"}


def page(request: HttpRequest, template: str, values: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, template, {**context(request), "verdict_zh": VERDICTS, "verdict_en": VERDICT_EN,
                                      "echarts": ECHARTS, **values}, status=status)


def _rule_titles() -> dict[str, Any]:
    from checker.catalogue import CATALOGUE

    return {r.id: r for r in CATALOGUE}


def _flag(value: str | None) -> bool:
    return value in ("1", "on", "true", "yes")


def overview_rows(*, city: str = "", rule: str = "", verdict: str = "", stale_only: bool = False,
                  now: Any = None) -> dict[str, Any]:
    """The overview's data (also what `render_times` measures): rows sorted refused, stale, failing first."""
    now = now or timezone.now()
    every = queries.province(now=now, with_rules=bool(rule))
    refused = web_queries.refused_since_latest()
    ids = dict(Hospital.objects.values_list("uscc", "pk"))
    due = web_queries.due_counts(timezone.localdate(now), 30)
    for row in every:
        row["refused"] = refused.get(ids[row["uscc"]])
        row["due"] = due.get(row["uscc"], 0)
        row.setdefault("rules", {})
        row["shown_verdict"] = row["rules"].get(rule) if rule else row["worst"]
    rows = [r for r in every if (not city or r["city"] == city) and (not stale_only or r["stale"])
            and (not verdict or r["shown_verdict"] == verdict or (verdict == "none" and r["shown_verdict"] is None))
            and (not rule or rule in r["rules"] or not r["rules"])]
    rows.sort(key=lambda r: (r["refused"] is None, not r["stale"], not r["trail_flagged"],
                             r["worst"] not in ("fail", "error"), r["city"], r["name"]))
    return {"rows": rows, "every": every, "cities": sorted({r["city"] for r in every})}


@regulator
def overview(request: HttpRequest) -> HttpResponse:
    city, rule = request.GET.get("city", ""), request.GET.get("rule", "")
    verdict, stale_only = request.GET.get("verdict", ""), _flag(request.GET.get("stale"))
    data = overview_rows(city=city, rule=rule, verdict=verdict, stale_only=stale_only)
    shown = Paginator(data["rows"], PER_PAGE).get_page(request.GET.get("p"))
    titles = _rule_titles()
    every = data["every"]
    return page(request, "registry/overview.html", {
        **data, "shown": shown, "city": city, "rule": rule, "verdict": verdict, "stale_only": stale_only,
        "rules": [(r, titles[r].title_zh if r in titles else r) for r in sorted(titles)],
        "rule_obj": titles.get(rule), "verdicts": [v for v in web_queries.ORDER if v != "attested"] + ["none"],
        "totals": {"hospitals": len(every), "stale": sum(r["stale"] for r in every),
                   "failing": sum(r["worst"] in ("fail", "error") for r in every),
                   "refused": sum(r["refused"] is not None for r in every),
                   "flagged": sum(r["trail_flagged"] for r in every)},
        "chart_rates": web_queries.pass_rate_by_week(rules=[rule] if rule else None),
        "chart_cities": web_queries.city_bars(every)})


def _hospital(uscc: str) -> Hospital:
    try:
        return queries.hospital(uscc)
    except InputError:
        raise Http404("no such hospital") from None


def hospital_context(uscc: str) -> dict[str, Any]:
    """The hospital page's data (also what `render_times` measures)."""
    h = _hospital(uscc)
    history = queries.history(h.uscc, limit=60)
    bundles = web_queries.timeline(h)
    changes = {c["digest"]: c for c in web_queries.verdict_changes(bundles)}
    events: list[dict[str, Any]] = [{"kind": "bundle", "at": b["signed_at"], "bundle": b,
                                     "change": changes.get(b["digest"])} for b in bundles]
    events += [{"kind": "refused", "at": r["at"], "refusal": r} for r in history["refused"]]
    events.sort(key=lambda e: e["at"], reverse=True)
    latest = h.latest_bundle
    return {"hospital": h, "history": history, "events": events,
            "findings": web_queries.not_passing(latest.pk) if latest else [], "latest": latest,
            "documents": list(Document.objects.filter(bundle=latest).order_by("expires")) if latest else [],
            "deadlines": queries.deadlines(uscc=h.uscc, horizon_days=365),
            "stale": latest is None or latest.signed_at < queries.stale_cutoff(timezone.now(), None),
            "titles": _rule_titles()}


@regulator
def hospital(request: HttpRequest, uscc: str) -> HttpResponse:
    return page(request, "registry/hospital.html", hospital_context(uscc))


@regulator
def drift(request: HttpRequest, uscc: str, digest: str) -> HttpResponse:
    h = _hospital(uscc)
    try:
        found = queries.drift(h.uscc, digest)
    except InputError as exc:
        raise Http404(str(exc)) from None
    return page(request, "registry/drift.html", {"hospital": h, "drift": found, "digest": digest,
                                                 "titles": _rule_titles()})


@regulator
def rule(request: HttpRequest, rule_id: str) -> HttpResponse:
    titles = _rule_titles()
    if rule_id not in titles:
        raise Http404("no such rule")
    across = web_queries.rule_across(rule_id)
    return page(request, "registry/rule.html", {
        "rule": titles[rule_id], "groups": [(v, across[v]) for v in (*web_queries.ORDER, "none") if across[v]],
        "counts": {v: len(rows) for v, rows in across.items()}})


@regulator
def finding(request: HttpRequest, digest: str, index: int) -> HttpResponse:
    try:
        evidence = queries.evidence(digest, index)
    except InputError as exc:
        raise Http404(str(exc)) from None
    h = _hospital(evidence["hospital"])
    return page(request, "registry/finding.html", {"hospital": h, "e": evidence,
                                                   "rule": _rule_titles().get(evidence["finding"].get("rule_id"))})


@regulator
def action_log(request: HttpRequest) -> HttpResponse:
    recent = Action.objects.select_related("hospital").order_by("-seq")[:200]
    since = timezone.now() - timedelta(days=7)
    return page(request, "registry/actions.html", {"actions": recent,
                                                   "week": Action.objects.filter(at__gte=since).count()})
