"""The simulated hospital's pilot records, without containers: the same files, SQL and audit log the
simulator boots with, judged by the pilot's rules (its real PostgreSQL runs here on loopback)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from checker.catalogue.bj2026_pilot import RULES
from checker.engine import evaluate, rule_verdicts
from checker.model import Verdict
from probes.facts import DeploymentFacts
from probes.facts.pilot import PilotFacts, Programme, SqlQuery, TrailFacts
from probes.pilot import Pseudonymiser, query_visits, read_roster
from probes.trail import verify
from simulator import pilot_records
from tests.daemons import postgres
from tests.probes.conftest import local_session

TODAY = date(2026, 11, 30)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    root = tmp_path_factory.mktemp("sim")
    files = pilot_records.write(root / "state", root / "db1", root / "app1", TODAY, lapsed=False, edited_seq=None)
    with postgres(tmp_path_factory.mktemp("pg")) as port:
        subprocess.run(["psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-v",
                        "ON_ERROR_STOP=1", "-f", str(root / "db1" / "pilot" / "visits.sql")], check=True)
        assert files.password in (root / "db1" / "pilot" / "pgpass").read_text()
        yield port, root


def judge(root: Path, port: int, *, lapsed: bool = False, edited_seq: int | None = None) -> list:  # type: ignore[type-arg]
    files = pilot_records.write(root / "state", root / "db1", root / "app1", TODAY, lapsed=lapsed, edited_seq=edited_seq)
    key = Pseudonymiser(files.key.read_bytes().strip())
    declared = pilot_records.programme(root / "state", "db1", "app1")
    programme = Programme.model_validate(declared)
    roster = read_roster(files.roster, TODAY, key)
    # as the simulated hospital's read-only role (SELECT on one table; the guard refuses a superuser)
    query = SqlQuery(host="db1", database="his", user=pilot_records.ROLE, address="127.0.0.1", port=port,
                     sql=pilot_records.VISITS_QUERY)
    visits = query_visits(local_session(), query, "visits", TODAY, key)
    events: dict[str, list[str]] = {}
    assert programme.audit_log is not None and programme.audit_log.head  # the simulated hospital's anchored head
    check = verify(root / "app1" / "pilot" / "audit.jsonl", expect_head=programme.audit_log.head,
                   on_record=lambda r: events.setdefault(key("visit", r["visit"]), []).append(r["event"]))
    trail = TrailFacts(host="app1", path=pilot_records.AUDIT_LOG, check=check,
                       events={k: tuple(v) for k, v in events.items()})
    pilot = PilotFacts(programme=programme, as_of=TODAY, pseudonyms=key.describe(), roster=roster, visits=visits,
                       trail=trail)
    facts = DeploymentFacts(inventory="sim", collected_at=datetime(2026, 11, 30, tzinfo=UTC), hosts=(), pilot=pilot)
    return evaluate(facts, RULES)


def test_the_simulated_hospital_passes_every_pilot_rule(db: tuple[int, Path]) -> None:
    port, root = db
    findings = judge(root, port)
    assert rule_verdicts(findings) == {r.id: Verdict.PASS for r in RULES}, [f.reason for f in findings]


def test_whitelist_lapsed_fails_only_the_physician_rule_naming_both(db: tuple[int, Path]) -> None:
    port, root = db
    findings = judge(root, port, lapsed=True)
    verdicts = rule_verdicts(findings)
    assert verdicts == {"BJ2026-3-physicians": Verdict.FAIL, "BJ2026-3-first-visits": Verdict.PASS,
                        "BJ2026-1-traceability": Verdict.PASS}
    [finding] = [f for f in findings if f.rule_id == "BJ2026-3-physicians"]
    assert [s["row"] for s in finding.details["short"]] == [7, 8]
    assert "under 3 years" in finding.reason and "training not passed" in finding.reason


def test_trail_edited_fails_only_traceability_naming_the_record(db: tuple[int, Path]) -> None:
    port, root = db
    findings = judge(root, port, edited_seq=17)
    assert rule_verdicts(findings) == {"BJ2026-3-physicians": Verdict.PASS, "BJ2026-3-first-visits": Verdict.PASS,
                                       "BJ2026-1-traceability": Verdict.FAIL}
    [finding] = [f for f in findings if f.rule_id == "BJ2026-1-traceability"]
    assert "line 17 (seq 17): the record was changed after it was written" in finding.reason
