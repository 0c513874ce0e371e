"""Server-side render time of the overview and a hospital page: the view and its template, called as a request
would call them (RequestFactory, an administrator's session), without the network or the browser. The registry
benchmark (benchmarks/registry.py) and benchmarks/registry_pages.py call `render_times` at their volume."""

from __future__ import annotations

import random
import statistics
import time
from typing import Any


def _user() -> Any:
    from django.contrib.auth.models import User

    user = User.objects.filter(is_superuser=True, is_active=True).first()
    if user is None:
        from ihcheck.registry.services import enrol

        enrol.create_account("bench-admin", "bench-" + "x" * 16 + "-pages", "administrator", actor="bench")
        user = User.objects.get(username="bench-admin")
    return user


def render_times(*, runs: int = 20, seed: int = 1) -> dict[str, list[float]]:
    """Seconds per render of `/` (the province overview), `/hospitals/<uscc>/` (random hospitals with
    bundles), `/rules/<id>/` (the notice's rules in turn: the first render of each is timed too) and
    `/bundles/<digest>/findings/<n>/` (a random finding of a random latest bundle), `runs` each; every response
    is checked to be a complete 200 page."""
    from django.test import RequestFactory

    from checker.catalogue import CATALOGUE
    from ihcheck.registry.models import Finding, Hospital
    from ihcheck.registry.web import views

    factory, user = RequestFactory(), _user()
    usccs = list(Hospital.objects.filter(latest_bundle__isnull=False).values_list("uscc", flat=True))
    rules = sorted(r.id for r in CATALOGUE if not r.id.startswith("GD2020-1.2.1-l3-"))
    rng = random.Random(seed)
    out: dict[str, list[float]] = {"overview": [], "hospital": [], "rule": [], "finding": []}
    for n in range(runs):
        uscc = rng.choice(usccs)
        latest = Hospital.objects.get(uscc=uscc).latest_bundle
        assert latest is not None
        index = rng.choice(list(Finding.objects.filter(bundle=latest).values_list("index", flat=True)))
        rule_id = rules[n % len(rules)]
        pages: tuple[tuple[str, str, Any, tuple[Any, ...]], ...] = (
            ("overview", "/", views.overview, ()), ("hospital", f"/hospitals/{uscc}/", views.hospital, (uscc,)),
            ("rule", f"/rules/{rule_id}/", views.rule, (rule_id,)),
            ("finding", f"/bundles/{latest.digest}/findings/{index}/", views.finding, (latest.digest, index)))
        for name, path, view, args in pages:
            request = factory.get(path)
            request.user = user
            started = time.perf_counter()
            response = view(request, *args)
            out[name].append(time.perf_counter() - started)
            assert response.status_code == 200 and b"</html>" in response.content, (path, response.status_code)
    return out


def summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (f"p50 {statistics.median(ordered) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms   "
            f"max {ordered[-1] * 1000:7.1f} ms   first {samples[0] * 1000:7.1f} ms   (n={len(ordered)})")
