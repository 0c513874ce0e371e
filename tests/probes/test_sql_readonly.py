"""The read-only query path against a real PostgreSQL: only a single SELECT is sent, inside a
read-only transaction the server itself confirms, and personal data never reaches the evidence."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from checker.errors import InputError
from probes.facts.pilot import SqlQuery
from probes.pilot import Pseudonymiser, query_roster, query_visits
from probes.sql import QueryFailed, check_select, run_query
from tests.daemons import postgres
from tests.probes.conftest import local_session

SETUP = """
CREATE TABLE physicians (name text, licence text PRIMARY KEY, title text, practice_since date, online_since date,
                         trained_on date, whitelist text, whitelist_on date, specialties text);
INSERT INTO physicians VALUES
  ('张三', '110101198001010011', '主治医师', '2015-07-01', '2022-03-01', '2025-12-20', '在册', '2026-01-05', '儿童营养'),
  ('李四', '110101198502020022', '住院医师', '2024-08-01', NULL, NULL, NULL, NULL, '儿童皮肤疾病');
CREATE TABLE visits (id text, licence text, specialty text, at timestamp, first boolean, age int, guardian text,
                     terminated boolean, referral text);
INSERT INTO visits VALUES ('V001', '110101198001010011', '儿童营养', '2026-02-01 09:30', true, 7, '母亲', false, NULL);
CREATE FUNCTION touch() RETURNS int LANGUAGE sql AS $$ INSERT INTO visits (id) VALUES ('written'); SELECT 1 $$;
"""
ROSTER_SQL = """SELECT name AS 姓名, licence AS "licence number", title AS 职称, practice_since AS 独立执业起始日期,
  online_since AS 互联网复诊起始日期, trained_on AS 培训考核通过日期, whitelist AS 白名单状态,
  whitelist_on AS 白名单状态日期, specialties AS 专业 FROM physicians ORDER BY licence"""
VISITS_SQL = """SELECT id AS visit_id, licence AS physician_licence, specialty, at AS started_at,
  CASE WHEN first THEN '是' ELSE '否' END AS first_visit, age AS patient_age, guardian,
  CASE WHEN terminated THEN '是' ELSE '否' END AS terminated, referral FROM visits"""
KEY = Pseudonymiser(b"k" * 32)
AS_OF = date(2026, 11, 30)


def psql(port: int, sql: str) -> str:
    return subprocess.run(["psql", "-X", "-q", "-At", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                           "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", sql],
                          check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    with postgres(tmp_path_factory.mktemp("pg")) as port:
        psql(port, SETUP)
        yield port


def query(port: int, sql: str) -> SqlQuery:
    return SqlQuery(host="local", database="postgres", user="postgres", address="127.0.0.1", port=port, sql=sql)


def test_the_roster_query_runs_read_only_and_the_evidence_holds_no_personal_data(db: int) -> None:
    session = local_session()
    roster = query_roster(session, query(db, ROSTER_SQL), "hosts.yml: ihcheck_programmes[0].roster", AS_OF, KEY)
    assert [(p.row, p.title, p.whitelist_status) for p in roster.physicians] == [
        (2, "attending", "active"), (3, "resident", "none")]
    assert roster.physicians[0].id == KEY("licence", "110101198001010011")
    assert roster.source.basis == "observed" and roster.source.observations == (session.observations[0].id,)
    kept = session.observations[0]
    assert kept.exit_status == 0 and "BEGIN TRANSACTION READ ONLY" in kept.command
    assert kept.stdout.startswith("transaction_read_only\non\n")  # the server's own word
    assert "张三" not in kept.stdout and "110101198001010011" not in kept.stdout
    assert KEY("licence", "110101198001010011") in kept.stdout
    visits = query_visits(session, query(db, VISITS_SQL), "visits", AS_OF, KEY).visits
    assert visits[0].physician == roster.physicians[0].id and visits[0].guardian_recorded
    assert "母亲" not in session.observations[1].stdout


REFUSED = {
    "INSERT INTO visits (id) VALUES ('x')": "INSERT statement",
    "UPDATE physicians SET title = '主任医师'": "UPDATE statement",
    "DELETE FROM visits": "DELETE statement",
    "DROP TABLE visits": "DROP statement",
    "WITH gone AS (DELETE FROM visits RETURNING *) SELECT * FROM gone": "contains DELETE",
    "SELECT * INTO copy_of_visits FROM visits": "contains INTO",
    "SELECT * FROM visits FOR UPDATE": "contains LOCK",
    "SELECT 1; DELETE FROM visits": "2 statements",
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity": "calls pg_terminate_backend()",
    "SELECT set_config('default_transaction_read_only', 'off', false)": "calls set_config()",
    "\\! touch /tmp/pwned": "meta-commands are refused",
    "COMMIT; DELETE FROM visits": "statement",
    "SELEC * FROM visits": "not SQL ihcheck can read",
}


@pytest.mark.parametrize("sql", sorted(REFUSED))
def test_anything_but_one_select_is_refused_before_it_is_sent(db: int, sql: str) -> None:
    session = local_session()
    with pytest.raises(InputError, match=r"^hosts.yml: ihcheck_programmes\[0\].visits.sql: ") as raised:
        query_visits(session, query(db, sql), "hosts.yml: ihcheck_programmes[0].visits.sql", AS_OF, KEY)
    assert REFUSED[sql] in str(raised.value)
    assert session.observations == []  # nothing was sent
    assert psql(db, "SELECT count(*) FROM visits").strip() == "1"


def test_the_read_only_transaction_stops_a_write_the_parser_cannot_see(db: int) -> None:
    """A function that writes looks like any SELECT to a parser; the server refuses it."""
    sql = check_select("SELECT touch()", "q")
    session = local_session()
    with pytest.raises(QueryFailed, match="read-only transaction"):
        run_query(session, query(db, sql), sql, lambda out: out)
    assert psql(db, "SELECT count(*) FROM visits").strip() == "1"
    assert session.observations[0].exit_status != 0


def test_a_query_that_cannot_run_is_a_missing_fact_with_its_reason(db: int) -> None:
    sql = check_select("SELECT * FROM no_such_table", "q")
    with pytest.raises(QueryFailed, match="no_such_table"):
        run_query(local_session(), query(db, sql), sql, lambda out: out)
    with pytest.raises(QueryFailed, match="psql on local failed"):
        run_query(local_session(), query(db, sql).model_copy(update={"port": 1}), sql, lambda out: out)


def test_a_malformed_query_result_is_named_like_a_malformed_file(db: int, tmp_path: Path) -> None:
    sql = ROSTER_SQL.replace("practice_since AS", "DATE '2027-01-01' AS")
    with pytest.raises(InputError, match=r"roster \(read-only query on local \(database postgres\)\): row 2, column "
                       r"独立执业起始日期 \(independent practice since\): 2027-01-01 is after the check date"):
        query_roster(local_session(), query(db, sql), "roster", AS_OF, KEY)


def test_a_result_beyond_the_output_cap_is_refused_not_judged_in_part(db: int) -> None:
    from dataclasses import replace

    session = local_session()
    session.options = replace(session.options, command_output_cap=200)
    sql = check_select("SELECT g AS n, repeat('x', 50) AS pad FROM generate_series(1, 100) g", "q")
    with pytest.raises(QueryFailed, match="larger than the checker's output cap"):
        run_query(session, query(db, sql), sql, lambda out: out)
