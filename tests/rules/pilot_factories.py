"""Builders of the Beijing 2026 pilot's facts for rule tests (and the examples in tests/data/facts/BJ2026-*)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from probes.facts import DeploymentFacts
from probes.facts.pilot import (
    AuditLogDeclaration,
    Physician,
    PilotFacts,
    Programme,
    Roster,
    Source,
    TrailCheck,
    TrailFacts,
    Visit,
    Visits,
)
from tests.factories import host

AS_OF = date(2026, 11, 23)
ROSTER_SOURCE = Source(basis="attested", description="file roster.xlsx", sha256="a" * 64)
VISITS_SOURCE = Source(basis="observed", description="read-only query on db1 (database his)", sha256="b" * 64,
                       observations=("db1#7",))


def physician(n: int, **changes: Any) -> Physician:
    fields: dict[str, Any] = {"row": n + 1, "id": f"licence:{n:016x}", "name": f"name:{n:016x}", "title": "attending",
                              "practice_since": date(2015, 7, 1), "online_followup_since": date(2022, 3, 1),
                              "training_passed_on": date(2025, 12, 20), "whitelist_status": "active",
                              "whitelist_since": date(2026, 1, 5), "specialties": ("儿童营养",)}
    return Physician(**(fields | changes))


def visit(n: int, **changes: Any) -> Visit:
    fields: dict[str, Any] = {"row": n + 1, "id": f"visit:{n:016x}", "physician": "licence:0000000000000001",
                              "specialty": "儿童营养", "started_at": datetime(2026, 2, 1, 9, 30), "first_visit": True,
                              "patient_age": 8, "guardian_recorded": True, "terminated": False,
                              "referral_recorded": False}
    return Visit(**(fields | changes))


EVENTS = ("visit.start", "visit.consent", "visit.end")


def trail(visits: list[Visit], *, broken: dict[str, Any] | None = None,
          events: dict[str, tuple[str, ...]] | None = None) -> TrailFacts:
    if events is None:
        events = {v.id: ("visit.start", "visit.consent", "visit.terminate" if v.terminated else "visit.end")
                  for v in visits}
    records = sum(len(e) for e in events.values())
    check = TrailCheck(source="/var/lib/ih/audit.jsonl", records=records, first_seq=1 if records else None,
                       last_seq=records or None, head="c" * 64, sha256="d" * 64, broken=broken)
    return TrailFacts(host="app1", path="/var/lib/ih/audit.jsonl", check=check, events=events,
                      observations=("app1#9",))


def pilot(*, physicians: list[Physician] | None = None, visits: list[Visit] | None = None,
          trail_facts: TrailFacts | bool | None = True, missing: dict[str, str] | None = None,
          roster: bool = True, head: str | None = "c" * 64, **programme_fields: Any) -> PilotFacts:
    physicians = physicians if physicians is not None else [physician(1), physician(2, title="chief")]
    visits = visits if visits is not None else [visit(1), visit(2, patient_age=30, guardian_recorded=False),
                                                visit(3, terminated=True, referral_recorded=True),
                                                visit(4, first_visit=False, specialty="儿童内分泌")]
    fields: dict[str, Any] = {"id": "BJ2026-first-visit", "hospital": "首都医科大学附属北京儿童医院"} | programme_fields
    programme = Programme(**fields,
                          audit_log=AuditLogDeclaration(host="app1", path="/var/lib/ih/audit.jsonl", head=head))
    return PilotFacts(programme=programme, as_of=AS_OF, pseudonyms="pseudonymised (test key)",
                      roster=Roster(source=ROSTER_SOURCE, physicians=tuple(physicians)) if roster else None,
                      visits=Visits(source=VISITS_SOURCE, visits=tuple(visits)),
                      trail=trail(visits) if trail_facts is True else (trail_facts or None),
                      missing=missing or {})


def deployment_with(p: PilotFacts | None) -> DeploymentFacts:
    return DeploymentFacts(inventory="test.yml", collected_at=datetime(2026, 11, 23, tzinfo=UTC),
                           hosts=(host("db1", "postgresql"), host("app1", "nginx")), pilot=p)
