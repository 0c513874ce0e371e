"""Deadlines due per hospital for the overview's rows, cached per process (the overview's costliest part).

Apart from web.queries (the hospital, rule and chart queries, which use the overview's links) so the overview
imports it without a cycle."""

from __future__ import annotations

import threading
from datetime import date

from ihcheck.registry.models import Hospital


class _DueCounts:
    """Deadlines due per hospital (services.queries.deadlines), kept per process and recomputed only for the
    hospitals whose inputs changed: a hospital's deadlines depend on its registration date, the documents of its
    latest bundle (immutable: its digest names them) and the day, so (digest, registration date) is the key.
    Computing them for 1,000 hospitals on every overview was most of its time; the overview now asks only for
    the hospitals of the page it shows."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.day: tuple[date, int] | None = None
        self.keys: dict[str, tuple[str | None, date | None]] = {}
        self.counts: dict[str, int] = {}

    def get(self, today: date, horizon_days: int, usccs: list[str]) -> dict[str, int]:
        from ihcheck.registry.services import queries

        state = {uscc: (bundle, registered) for uscc, bundle, registered in
                 Hospital.objects.filter(uscc__in=usccs).values_list("uscc", "latest_bundle__digest",
                                                                    "registered_on")}
        with self.lock:
            if self.day != (today, horizon_days):
                self.day, self.keys, self.counts = (today, horizon_days), {}, {}
            changed = [uscc for uscc, key in state.items() if self.keys.get(uscc) != key]
            if changed:  # one pass over the hospitals whose inputs changed (two queries)
                self.counts.update(dict.fromkeys(changed, 0))
                for row in queries.deadlines(today=today, horizon_days=horizon_days, usccs=changed):
                    self.counts[row["uscc"]] += 1
            self.keys.update((uscc, state[uscc]) for uscc in changed)
            return {uscc: self.counts.get(uscc, 0) for uscc in state}


_DUE = _DueCounts()


def due_counts(today: date, horizon_days: int = 30, usccs: list[str] | None = None) -> dict[str, int]:
    """Deadlines due per hospital (those of `usccs`, by default every one)."""
    if usccs is None:
        usccs = list(Hospital.objects.values_list("uscc", flat=True))
    return _DUE.get(today, horizon_days, usccs)
