"""`ihcheck registry demo`: a registry on the embedded SQLite holding a simulated province (ihcheck.registry.province),
so a regulator can open the pages and see what a morning's work looks like, without enrolling anything.

Everything goes in through the registry's own services, as it would in production: hospitals enrolled, keys
registered (and one rotated), every bundle verified on intake, a tampered upload refused, a rewritten audit trail
flagged by a signed head. Nothing is written into the tables directly.
"""

from __future__ import annotations

import secrets
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ihcheck.registry import province as sim

ACTOR = "demo"


@dataclass
class Loaded:
    """What the demo province holds, for the banner and the tests (which hospital tells which story)."""

    hospitals: int = 0
    bundles: int = 0
    refused: int = 0
    stories: dict[str, list[str]] = field(default_factory=dict)  # story → USCCs
    scenarios: Counter[str] = field(default_factory=Counter)

    def first(self, story: str) -> str:
        return self.stories[story][0]


def _rewritten_head(h: sim.SimHospital, at: datetime, work: Path) -> dict[str, object]:
    """A signed head of a trail as long as the anchored one (seq 42) whose records were written again: what a
    hospital that edited its log and re-chained it would send."""
    from probes.trail import write_trail
    from reports import trail_head

    log = work / f"{h.uscc}-audit.jsonl"
    write_trail(log, ({"at": (at - timedelta(minutes=42 - i)).isoformat(), "event": "visit.note",
                       "visit": f"v{i // 3:03d}", "note": "重写 rewritten"} for i in range(42)))
    return trail_head.make(log, h.keys, at=at)


def load(hospitals: int = 32, weeks: int = 10, *, work: Path, now: datetime | None = None,
         bases: dict[str, dict[str, bytes]] | None = None) -> Loaded:
    """Enrol and fill the simulated province into the configured registry (Django set up, schema migrated)."""
    from ihcheck.registry.services import anchor, enrol, intake

    now = now or datetime.now(UTC)
    bases = bases or sim.base_bundles(work / "scenarios")
    loaded = Loaded()
    first = now - timedelta(weeks=weeks)
    for h in sim.plan(hospitals, weeks, now=now, stories=sim.demo_stories(hospitals)):
        hospital = enrol.enrol_hospital(name=h.name, uscc=h.uscc, city=h.city, licence=h.licence,
                                        registered_on=h.registered_on, actor=ACTOR)
        enrol.add_key(hospital, " ".join(h.keys.public().fingerprints()), actor=ACTOR,
                      valid_from=first - timedelta(days=1))
        loaded.hospitals += 1
        loaded.stories.setdefault(h.story, []).append(h.uscc)
        rotated = False
        for week, (at, scenario) in enumerate(h.weeks):
            if h.new_keys is not None and h.rotate_at is not None and at >= h.rotate_at and not rotated:
                enrol.rotate_key(hospital, " ".join(h.new_keys.public().fingerprints()), actor=ACTOR,
                                 at=h.rotate_at, reason="年度轮换 yearly rotation")
                rotated = True
            if h.story == sim.TRAIL_REWRITTEN and week == len(h.weeks) - 1:
                anchor.submit_head(hospital, _rewritten_head(h, at - timedelta(days=1), work),
                                   actor=f"token:{h.uscc[:8]}")
            intake.take(sim.bundle_for(h, week, bases), name=f"{h.uscc}-{week:02d}.tar.gz", via="http",
                        actor=f"token:{h.uscc[:8]}", hospital=hospital)
            loaded.bundles += 1
            loaded.scenarios[scenario] += 1
        if h.story == sim.TAMPERED and h.weeks:
            h.weeks.append((now - timedelta(hours=5), "single-isp"))
            try:
                intake.take(sim.tampered(sim.bundle_for(h, len(h.weeks) - 1, bases)),
                            name=f"{h.uscc}-{len(h.weeks) - 1:02d}.tar.gz", via="http",
                            actor=f"token:{h.uscc[:8]}", hospital=hospital)
            except intake.Refused:
                loaded.refused += 1
            else:
                raise AssertionError("a tampered bundle was taken in")  # the demo must show the refusal
    return loaded


@dataclass(frozen=True)
class Logins:
    administrator: tuple[str, str]
    inspector: tuple[str, str]


def accounts() -> Logins:
    """An administrator and a read-only inspector with fresh random passwords (shown once in the banner)."""
    from ihcheck.registry.services import enrol

    admin = ("admin", secrets.token_urlsafe(12))
    inspector = ("inspector", secrets.token_urlsafe(12))
    enrol.create_account(*admin, "administrator", actor=ACTOR)
    enrol.create_account(*inspector, "inspector", actor=ACTOR)
    return Logins(admin, inspector)


def prepare(data: Path | None, hospitals: int, weeks: int) -> tuple[Path, Loaded, Logins]:
    """Configure a fresh registry in `data` (default a new temporary folder), migrate, load, make accounts."""
    from ihcheck.registry.settings import configure, migrate

    folder = data or Path(tempfile.mkdtemp(prefix="ihcheck-registry-demo-"))
    if (folder / "registry.sqlite3").exists():
        from checker.errors import InputError

        raise InputError(f"--data {folder}: holds a registry already; the demo starts from an empty folder")
    configure(data=folder, database=f"sqlite:///{folder / 'registry.sqlite3'}")
    migrate()
    loaded = load(hospitals, weeks, work=folder / "work")
    return folder, loaded, accounts()
