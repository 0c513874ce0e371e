"""The read-only query path: a SELECT the inventory declares, run on a host against the hospital's database.

ihcheck never changes a hospital's systems, and a declared query is text a person typed into an
inventory, so two independent guards stand between it and the database:

1. before anything is sent, sqlglot parses it as PostgreSQL and it must be exactly one SELECT (or
   UNION/INTERSECT/EXCEPT of SELECTs) with no data-modifying part anywhere — no INSERT/UPDATE/DELETE/
   MERGE in a CTE, no SELECT … INTO, no FOR UPDATE, no function known to act on the server
   (pg_terminate_backend, set_config, lo_import, dblink, advisory locks, …);
2. it runs inside `BEGIN TRANSACTION READ ONLY` with `default_transaction_read_only=on`, then
   ROLLBACK, and the session's own `SHOW transaction_read_only` is kept as evidence that the server
   agreed it was read-only.

The query runs as `psql` on the host the declaration names, over that host's transport, so its
output is an observation like any probe's (basis `observed`). Authentication is the host's own
(peer, trust or ~/.pgpass for the user ihcheck logs in as): no password ever enters the inventory
or the evidence. Use a role that can only SELECT the tables concerned.
"""

from __future__ import annotations

import csv
import io
import shlex
from collections.abc import Callable
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from checker.errors import InputError
from probes.facts.pilot import SqlQuery

if TYPE_CHECKING:
    from probes.observation import Observation
    from probes.transport import Session

# Functions that act on the server even inside a read-only transaction, or read its files.
_FORBIDDEN_FUNCTIONS = frozenset({
    "pg_terminate_backend", "pg_cancel_backend", "pg_reload_conf", "pg_rotate_logfile", "pg_promote",
    "pg_switch_wal", "pg_create_restore_point", "pg_log_backend_memory_contexts", "set_config",
    "pg_notify", "pg_sleep", "pg_sleep_for", "pg_sleep_until", "lo_import", "lo_export", "lo_unlink", "lo_create",
    "lo_from_bytea", "lo_put", "pg_read_file", "pg_read_binary_file", "pg_ls_dir", "pg_stat_file",
    "pg_advisory_lock", "pg_advisory_xact_lock", "pg_try_advisory_lock", "pg_try_advisory_xact_lock",
    "pg_advisory_lock_shared", "pg_advisory_unlock", "pg_advisory_unlock_all", "dblink", "dblink_exec",
    "dblink_connect", "dblink_send_query", "nextval", "setval", "pg_create_logical_replication_slot",
    "pg_drop_replication_slot", "pg_file_write", "pg_file_unlink", "pg_file_rename",
})


def check_select(sql: str, where: str) -> str:
    """The query, if it is one read-only SELECT; InputError naming `where` (file and field) otherwise."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ParseError, TokenError

    text = sql.strip().rstrip(";").strip()
    if not text or text.startswith("\\"):
        raise InputError(f"{where}: not a SELECT (psql meta-commands are refused)")
    try:
        statements = [s for s in sqlglot.parse(text, read="postgres") if s is not None]
    except (ParseError, TokenError) as exc:
        first = str(exc).splitlines()[0]
        raise InputError(f"{where}: not SQL ihcheck can read as one SELECT ({first})") from None
    if len(statements) != 1:
        raise InputError(f"{where}: {len(statements)} statements; declare exactly one SELECT")
    tree = statements[0]
    if not isinstance(tree, exp.Select | exp.SetOperation):
        raise InputError(f"{where}: a {tree.key.upper()} statement; only a SELECT is run (read-only)")
    writes = (exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter, exp.Command,
              exp.Into, exp.Lock, exp.TruncateTable, exp.Set, exp.Copy)
    for node in tree.walk():
        if isinstance(node, writes):
            raise InputError(f"{where}: contains {node.key.upper()} ({node.sql(dialect='postgres')[:60]}); "
                             "only a read-only SELECT is run")
        if isinstance(node, exp.Func):
            name = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
            if name in _FORBIDDEN_FUNCTIONS:
                raise InputError(f"{where}: calls {name}(), which acts on the server; only a read-only SELECT is run")
    return text


def psql_command(query: SqlQuery, sql: str) -> str:
    """The psql invocation: a read-only transaction, its read-only status shown, the query as CSV, ROLLBACK."""
    argv = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--csv", "-d", query.database]
    if query.address:
        argv += ["-h", query.address]
    if query.port:
        argv += ["-p", str(query.port)]
    if query.user:
        argv += ["-U", query.user]
    argv += ["-c", "BEGIN TRANSACTION READ ONLY", "-c", "SHOW transaction_read_only", "-c", sql, "-c", "ROLLBACK"]
    options = "-c default_transaction_read_only=on -c statement_timeout=60000"
    return f"PGOPTIONS={shlex.quote(options)} PGCONNECT_TIMEOUT=10 " + " ".join(shlex.quote(a) for a in argv)


class QueryFailed(Exception):
    """The query could not be run or its output not read; the message says why (the fact is then missing)."""


class QueryOutput(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    read_only: bool = Field(description="the server's own SHOW transaction_read_only said on")
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def parse_output(stdout: str) -> QueryOutput:
    """psql's CSV output: the SHOW result (header + one row), then the query's header and rows."""
    records = list(csv.reader(io.StringIO(stdout, newline="")))
    if len(records) < 3 or records[0] != ["transaction_read_only"]:
        raise QueryFailed(f"unexpected psql output (expected the transaction_read_only line first): {stdout[:120]!r}")
    read_only = records[1] == ["on"]
    return QueryOutput(read_only=read_only, header=tuple(records[2]), rows=tuple(tuple(r) for r in records[3:]))


def render_csv(header: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


Scrub = Callable[[QueryOutput], QueryOutput]


def run_query(session: Session, query: SqlQuery, sql: str, scrub: Scrub) -> tuple[QueryOutput, Observation]:
    """Run a checked SELECT on the session's host. The observation keeps the output as scrubbed (personal
    data pseudonymised); QueryFailed when psql fails or the server did not run it read-only."""
    raw: dict[str, QueryOutput] = {}

    def keep(stdout: str) -> str:
        try:
            parsed = parse_output(stdout)
        except QueryFailed:
            return "" if stdout.strip() else stdout  # nothing readable to pseudonymise: keep nothing of it
        raw["output"] = parsed
        clean = scrub(parsed)
        return render_csv(("transaction_read_only",), (("on" if clean.read_only else "off",),)) \
            + render_csv(clean.header, clean.rows)

    obs = session.run(psql_command(query, sql), timeout=120, scrub=keep)
    if obs.truncated:  # a cut-off result would silently drop records: never judge part of a table
        raise QueryFailed(f"the query's output on {session.host.name} is larger than the checker's output cap for one "
                          f"command ({session.options.command_output_cap} bytes): narrow the query (e.g. the pilot "
                          "period's first visits only)")
    if not obs.ok:
        lines = obs.stderr.strip().splitlines()
        errors = [line for line in lines if "ERROR:" in line or "FATAL:" in line or "error:" in line]
        reason = (errors or lines or [f"exit status {obs.exit_status}"])[0]
        raise QueryFailed(f"psql on {session.host.name} failed: {reason}")
    if "output" not in raw:
        raise QueryFailed(f"unexpected psql output on {session.host.name} (see observation {obs.id})")
    output = raw["output"]
    if not output.read_only:
        raise QueryFailed(f"the server did not run the query read-only on {session.host.name}; nothing is used")
    return output, obs
