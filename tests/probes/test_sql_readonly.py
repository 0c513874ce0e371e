"""The read-only query path against a real PostgreSQL with a least-privilege role: only a plain SELECT is sent,
as a role checked first to hold nothing but SELECT, inside a read-only transaction the server itself confirms;
every known bypass is refused before anything reaches the server, the server's state is unchanged after a run,
and personal data never reaches the evidence."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from checker.errors import InputError
from probes import sql as guard
from probes.facts.pilot import SqlQuery
from probes.pilot import Pseudonymiser, query_roster, query_visits
from probes.sql import QueryFailed, RoleRefused, check_select, psql_command, run_query
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
-- The README's read-only role: SELECT on the tables the declared queries name, nothing else.
CREATE ROLE ihcheck_reader LOGIN;
GRANT SELECT ON physicians, visits TO ihcheck_reader;
-- Roles a hospital must not hand ihcheck: each is refused before its query is sent.
CREATE ROLE writer LOGIN;
GRANT SELECT, INSERT ON physicians, visits TO writer;
CREATE ROLE reads_files LOGIN;
GRANT SELECT ON physicians, visits TO reads_files;
GRANT pg_read_server_files TO reads_files;
CREATE ROLE replicator LOGIN REPLICATION;
GRANT SELECT ON physicians, visits TO replicator;
CREATE ROLE creator LOGIN;
GRANT SELECT ON physicians, visits TO creator;
GRANT CREATE ON SCHEMA public TO creator;
CREATE ROLE blind LOGIN;
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


def query(port: int, sql: str, user: str = "ihcheck_reader") -> SqlQuery:
    return SqlQuery(host="local", database="postgres", user=user, address="127.0.0.1", port=port, sql=sql)


def test_the_roster_query_runs_read_only_and_the_evidence_holds_no_personal_data(db: int) -> None:
    session = local_session()
    roster = query_roster(session, query(db, ROSTER_SQL), "hosts.yml: ihcheck_programmes[0].roster", AS_OF, KEY)
    assert [(p.row, p.title, p.whitelist_status) for p in roster.physicians] == [
        (2, "attending", "active"), (3, "resident", "none")]
    assert roster.physicians[0].id == KEY("licence", "110101198001010011")
    assert roster.source.basis == "observed" and roster.source.observations == (session.observations[1].id,)
    checked, kept = session.observations[0], session.observations[1]
    assert checked.exit_status == 0 and "rolsuper" in checked.command  # the role, checked before the query
    assert kept.exit_status == 0 and "BEGIN TRANSACTION READ ONLY" in kept.command
    assert kept.stdout.startswith("transaction_read_only\non\n")  # the server's own word
    assert "张三" not in kept.stdout and "110101198001010011" not in kept.stdout
    assert KEY("licence", "110101198001010011") in kept.stdout
    visits = query_visits(session, query(db, VISITS_SQL), "visits", AS_OF, KEY).visits
    assert visits[0].physician == roster.physicians[0].id and visits[0].guardian_recorded
    assert "母亲" not in session.observations[3].stdout


REFUSED = {
    "INSERT INTO visits (id) VALUES ('x')": "INSERT statement",
    "UPDATE physicians SET title = '主任医师'": "UPDATE statement",
    "DELETE FROM visits": "DELETE statement",
    "DROP TABLE visits": "DROP statement",
    "WITH gone AS (DELETE FROM visits RETURNING *) SELECT * FROM gone": "contains DELETE",
    "SELECT * INTO copy_of_visits FROM visits": "contains INTO",
    "SELECT * FROM visits FOR UPDATE": "contains FOR UPDATE",
    "SELECT 1; DELETE FROM visits": "2 statements",
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity": "calls pg_terminate_backend()",
    "SELECT set_config('default_transaction_read_only', 'off', false)": "calls set_config()",
    "\\! touch /tmp/pwned": "meta-commands are refused",
    "COMMIT; DELETE FROM visits": "statement",
    "SELEC * FROM visits": "not SQL ihcheck can read",
    # issue 21: each passed the single-SELECT guard and acted on the server
    "SELECT query_to_xml('SELECT pg_terminate_backend(pid) FROM pg_stat_activity', true, false, '')":
        "calls query_to_xml()",
    "SELECT query_to_xml('SELECT pg_read_file(''/etc/passwd'')', true, false, '')": "calls query_to_xml()",
    "SELECT pg_read_file('/etc/passwd')": "calls pg_read_file()",
    "SELECT * FROM pg_create_physical_replication_slot('ihcheck_slot', true)":
        "calls pg_create_physical_replication_slot()",
    "SELECT pg_catalog.pg_create_physical_replication_slot('ihcheck_slot', true)":
        "calls pg_create_physical_replication_slot()",
    "SELECT pg_stat_reset()": "calls pg_stat_reset()",
    "SELECT id FROM visits WHERE pg_stat_reset() IS NOT NULL": "calls pg_stat_reset()",
    "SELECT (SELECT pg_terminate_backend(pid) FROM pg_stat_activity LIMIT 1)": "calls pg_terminate_backend()",
    "SELECT * FROM visits, LATERAL (SELECT pg_cancel_backend(1)) x": "calls pg_cancel_backend()",
    "SELECT 1 OPERATOR(public.+) 2": "operator public.+",
    "SELECT 'pg_stat_reset'::regproc": "casts to regproc",
    "SELECT xmlparse(document '<a/>')": "contains XmlExpr",
    "SELECT * FROM pg_stat_activity": "system relation pg_stat_activity",
    "SELECT * FROM pg_catalog.pg_authid": "system relation pg_catalog.pg_authid",
    "SELECT touch()": "calls touch()",
    "SELECT dblink('host=x', 'DELETE FROM visits')": "calls dblink()",
    "SELECT lo_import('/etc/passwd')": "calls lo_import()",
    "SELECT nextval('s')": "calls nextval()",
    "EXPLAIN ANALYZE SELECT touch()": "EXPLAIN statement",
    "VALUES (pg_stat_reset())": "calls pg_stat_reset()",
}


@pytest.mark.parametrize("sql", sorted(REFUSED))
def test_anything_but_one_select_is_refused_before_it_is_sent(db: int, sql: str) -> None:
    session = local_session()
    with pytest.raises(InputError, match=r"^hosts.yml: ihcheck_programmes\[0\].visits.sql: ") as raised:
        query_visits(session, query(db, sql), "hosts.yml: ihcheck_programmes[0].visits.sql", AS_OF, KEY)
    assert REFUSED[sql] in str(raised.value)
    assert session.observations == []  # nothing was sent
    assert psql(db, "SELECT count(*) FROM visits").strip() == "1"


def test_the_read_only_transaction_stops_a_write_even_past_the_parser(db: int) -> None:
    """The third guard alone: the command ihcheck sends, with a writing function the parser would refuse."""
    session = local_session()
    obs = session.run(psql_command(query(db, "SELECT touch()"), "SELECT touch()"), timeout=60)
    assert obs.exit_status != 0 and "read-only transaction" in obs.stderr
    assert psql(db, "SELECT count(*) FROM visits").strip() == "1"


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


def server_state(port: int) -> tuple[str, ...]:
    """What each bypass of issue 21 would change: replication slots, the statistics' reset time, the visits."""
    return (psql(port, "SELECT count(*) FROM pg_replication_slots"),
            psql(port, "SELECT coalesce(stats_reset::text, 'never') FROM pg_stat_database "
                       "WHERE datname = current_database()"),
            psql(port, "SELECT count(*) FROM visits"), psql(port, "SELECT count(*) FROM pg_roles"))


BYPASSES = [sql for sql, said in REFUSED.items() if said.startswith(("calls", "operator", "casts", "contains X"))]


def test_every_bypass_is_refused_before_the_server_and_a_run_leaves_its_state_unchanged(db: int) -> None:
    """A bystander session must still be alive, no slot, stats not reset, nothing of /etc/passwd in the evidence."""
    bystander = subprocess.Popen(["psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(db), "-U", "postgres", "-d",
                                  "postgres", "-c", "SELECT pg_sleep(120)"], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
    try:
        before = server_state(db)
        for sql in BYPASSES:
            session = local_session()
            with pytest.raises(InputError):
                query_visits(session, query(db, sql), "hosts.yml: visits.sql", AS_OF, KEY)
            with pytest.raises(InputError):  # run_query parses again: no caller can skip the first guard
                run_query(session, query(db, sql), sql, lambda out: out)
            assert session.observations == [], sql
        session = local_session()
        query_visits(session, query(db, VISITS_SQL), "visits", AS_OF, KEY)
        assert server_state(db) == before
        assert bystander.poll() is None  # no backend terminated
        assert all("root:" not in o.stdout for o in session.observations)
    finally:
        bystander.terminate()
        bystander.wait()


@pytest.mark.parametrize(("user", "said"), [
    ("postgres", "role attributes SUPERUSER"),
    ("writer", r"write privileges \(or ownership\) on physicians visits"),
    ("reads_files", "membership in pg_read_server_files"),
    ("replicator", "role attributes REPLICATION"),
    ("creator", "CREATE on public"),
    ("blind", "cannot SELECT"),
])
def test_a_role_that_can_do_more_than_read_the_named_tables_is_refused_before_the_query(db: int, user: str,
                                                                                         said: str) -> None:
    session = local_session()
    with pytest.raises(RoleRefused, match=said) as raised:
        run_query(session, query(db, VISITS_SQL, user), check_select(VISITS_SQL, "q"), lambda out: out)
    assert "\n" not in str(raised.value) and "nothing was run" in str(raised.value)
    assert len(session.observations) == 1 and "rolsuper" in session.observations[0].command  # the check only


def test_more_rows_than_the_cap_are_refused_not_judged_in_part(db: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guard, "ROW_CAP", 10)
    sql = check_select("SELECT g FROM generate_series(1, 50) g", "q")
    with pytest.raises(QueryFailed, match="more than 10 rows"):
        run_query(local_session(), query(db, sql), sql, lambda out: out)
    output, _ = run_query(local_session(), query(db, "SELECT 1 AS one"), "SELECT 1 AS one", lambda out: out)
    assert output.rows == (("1",),)


def test_the_statement_timeout_and_read_only_default_travel_with_every_session(db: int) -> None:
    command = psql_command(query(db, "SELECT 1"), "SELECT 1")
    assert "default_transaction_read_only=on" in command and "statement_timeout=60000" in command
    assert "FETCH FORWARD 100001" in command
