"""The pages a regulator reads: the province, a hospital, a rule, a finding's evidence, the drift between two
bundles, the action log. Each view asks the service layer (services.queries) or web.queries and renders a
template; what came from a bundle is data, shown escaped by Django's templates, never markup."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from checker.errors import InputError
from checker.model import VERDICT_ZH
from ihcheck.registry.models import Action, Document, Hospital
from ihcheck.registry.services import queries
from ihcheck.registry.web import queries as web_queries
from ihcheck.registry.web.access import context, regulator
from ihcheck.registry.web.overview import Filters
from ihcheck.registry.web.overview import overview as province_overview

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


@regulator
def overview(request: HttpRequest) -> HttpResponse:
    filters = Filters(city=request.GET.get("city", ""), rule=request.GET.get("rule", ""),
                      verdict=request.GET.get("verdict", ""), stale_only=_flag(request.GET.get("stale")))
    titles = _rule_titles()
    if filters.rule and filters.rule not in titles:
        filters = Filters(city=filters.city, verdict=filters.verdict, stale_only=filters.stale_only)
    data = province_overview(filters, page=request.GET.get("p"), per_page=PER_PAGE)
    return page(request, "registry/overview.html", {
        **data, "city": filters.city, "rule": filters.rule, "verdict": filters.verdict,
        "stale_only": filters.stale_only,
        "rules": [(r, titles[r].title_zh if r in titles else r) for r in sorted(titles)],
        "rule_obj": titles.get(filters.rule),
        "verdicts": [v for v in web_queries.ORDER if v != "attested"] + ["none"],
        "chart_rates": web_queries.pass_rate_by_week(rules=[filters.rule] if filters.rule else None)})


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
