"""The read-only query path: a SELECT the inventory declares, run on a host against the hospital's database.

ihcheck never changes a hospital's systems, and a declared query is text a person typed into an inventory.
A list of forbidden functions cannot win (`query_to_xml('SELECT pg_terminate_backend(…)')` hides a call in a
string; `pg_create_physical_replication_slot` survives a ROLLBACK; `pg_stat_reset()` runs in a read-only
transaction), so three independent guards stand between the text and the database, each enough alone for
what the others miss:

1. before anything is sent, PostgreSQL's own parser (pglast, libpg_query) reads it and it must be one plain
   SELECT built only of the node kinds below, over ordinary relations (no system catalog), calling only
   functions of `FUNCTIONS`, with only built-in operators and casts to built-in types: no INTO, no FOR
   UPDATE, no data-modifying CTE, no function that reads files, signals backends or writes state;
2. the role the query runs as is checked first, in a separate session (`ROLE_CHECK`): no superuser,
   CREATEROLE, CREATEDB, REPLICATION or BYPASSRLS, no predefined role (pg_read_server_files,
   pg_signal_backend…), no CREATE on the database or any schema, no write privilege (nor ownership) on
   any relation of the database, and SELECT on every relation the query names. A stronger role is refused
   before the query is sent (the README lists the GRANTs the hospital makes);
3. the query runs inside `BEGIN TRANSACTION READ ONLY` with `default_transaction_read_only=on`, a statement
   timeout, through a cursor fetched to at most `ROW_CAP` rows, then ROLLBACK, and the session's own
   `SHOW transaction_read_only` is kept as evidence that the server agreed it was read-only.

The query runs as `psql` on the host the declaration names, over that host's transport, so its output is an
observation like any probe's (basis `observed`). Authentication is the host's own (peer, trust or ~/.pgpass
for the role): no password ever enters the inventory or the evidence.
"""

from __future__ import annotations

import csv
import io
import shlex
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from checker.errors import InputError
from probes.facts.pilot import SqlQuery

if TYPE_CHECKING:
    from probes.observation import Observation
    from probes.transport import Session

ROW_CAP = 100_000  # the largest programme table ihcheck reads (a year of first visits) is far below this
STATEMENT_TIMEOUT_MS = 60_000
# The parse-tree nodes a plain SELECT is made of; anything else (an INSERT in a CTE, INTO, a locking clause,
# a parameter, XML functions, a sub-statement of any other kind) is refused by name.
NODES = frozenset({
    "RawStmt", "SelectStmt", "ResTarget", "ColumnRef", "String", "A_Star", "A_Const", "Integer", "Float",
    "Boolean", "BitString", "Null", "RangeVar", "Alias", "A_Expr", "BoolExpr", "FuncCall", "TypeCast", "TypeName",
    "SortBy", "NullTest", "BooleanTest", "CaseExpr", "CaseWhen", "CoalesceExpr", "MinMaxExpr", "SubLink",
    "JoinExpr", "RangeSubselect", "RangeFunction", "WithClause", "CommonTableExpr", "A_Indirection", "A_Indices",
    "A_ArrayExpr", "RowExpr", "SQLValueFunction", "WindowDef", "GroupingSet", "CollateClause",
})
# Functions a programme's query needs, none of which reads a file, signals, sleeps, writes or runs SQL text.
FUNCTIONS = frozenset({
    "count", "sum", "min", "max", "avg", "bool_and", "bool_or", "every", "string_agg", "array_agg",
    "lower", "upper", "trim", "btrim", "ltrim", "rtrim", "length", "char_length", "character_length", "substr",
    "substring", "replace", "concat", "concat_ws", "left", "right", "lpad", "rpad", "split_part", "position",
    "strpos", "repeat", "initcap", "reverse", "translate", "starts_with", "to_char", "to_date", "to_timestamp",
    "to_number", "date_trunc", "date_part", "extract", "age", "make_date", "make_timestamp", "now",
    "abs", "round", "floor", "ceil", "ceiling", "trunc", "mod", "row_number", "rank", "dense_rank", "lag",
    "lead", "first_value", "last_value", "generate_series", "array_length", "cardinality", "unnest",
    "timezone", "isfinite", "justify_days",
})
OPERATORS = frozenset({
    "=", "<>", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%", "||", "~~", "!~~", "~~*", "!~~*", "~", "~*",
    "!~", "!~*", "BETWEEN", "NOT BETWEEN", "BETWEEN SYMMETRIC", "NOT BETWEEN SYMMETRIC",
})
TYPES = frozenset({
    "text", "varchar", "bpchar", "char", "int2", "int4", "int8", "smallint", "integer", "int", "bigint", "numeric",
    "decimal", "float4", "float8", "real", "date", "time", "timestamp", "timestamptz", "interval", "bool", "boolean",
})
SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")


def _dotted(names: Any) -> list[str]:
    return [getattr(n, "sval", str(n)) for n in names or ()]


class _Reader:
    """One walk over the parse tree: refuses what a plain SELECT does not hold, collects the relations read."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.relations: set[tuple[str, str]] = set()
        self.ctes: set[str] = set()

    def refuse(self, what: str) -> InputError:
        return InputError(f"{self.where}: {what}; only a plain SELECT over the tables it names is run (read-only)")

    def walk(self, node: Any) -> None:
        from pglast import ast

        if isinstance(node, tuple | list):
            for item in node:
                self.walk(item)
            return
        if not isinstance(node, ast.Node):
            return
        kind = type(node).__name__
        if kind not in NODES:
            raise self.refuse(f"contains {kind.removesuffix('Stmt').upper() if kind.endswith('Stmt') else kind}")
        self.check(node, kind)
        for name in node:  # the node's attributes
            self.walk(getattr(node, name))

    def check(self, node: Any, kind: str) -> None:
        if kind == "SelectStmt":
            if node.intoClause is not None:
                raise self.refuse("contains INTO (it creates a table)")
            if node.lockingClause:
                raise self.refuse("contains FOR UPDATE/SHARE (it locks rows)")
        elif kind == "CommonTableExpr":
            self.ctes.add(node.ctename)
        elif kind == "FuncCall":
            name = _dotted(node.funcname)
            if len(name) == 2 and name[0] == "pg_catalog":
                name = name[1:]
            if len(name) != 1 or name[0].lower() not in FUNCTIONS:
                raise self.refuse(f"calls {'.'.join(name)}(), which is not one of the functions ihcheck runs")
        elif kind == "RangeFunction" and getattr(node, "is_rowsfrom", False):
            raise self.refuse("contains ROWS FROM")
        elif kind == "A_Expr":
            name = _dotted(node.name)
            if len(name) != 1 or name[0] not in OPERATORS:
                raise self.refuse(f"uses the operator {'.'.join(name)}, which is not a built-in one ihcheck runs")
        elif kind == "TypeName":
            name = [n for n in _dotted(node.names) if n != "pg_catalog"]
            if len(name) != 1 or name[0].lower() not in TYPES:
                cast = ".".join(_dotted(node.names))
                raise self.refuse(f"casts to {cast}, which is not a built-in type ihcheck runs")
        elif kind == "RangeVar":
            schema, relation = node.schemaname or "", node.relname
            if schema in SYSTEM_SCHEMAS or relation.startswith("pg_") or node.catalogname:
                raise self.refuse(f"reads the system relation {'.'.join(p for p in (schema, relation) if p)}")
            self.relations.add((schema, relation))


class Checked(BaseModel):
    """A declared query that passed the parse, and the relations it reads (what its role may SELECT, and no more)."""

    model_config = ConfigDict(frozen=True)

    sql: str
    relations: tuple[tuple[str, str], ...]


def read_select(sql: str, where: str) -> Checked:
    """The query and the relations it names, if it is one plain SELECT; InputError naming `where` otherwise."""
    from pglast import parse_sql
    from pglast.parser import ParseError

    text = sql.strip().rstrip(";").strip()
    if not text or text.startswith("\\"):
        raise InputError(f"{where}: not a SELECT (psql meta-commands are refused)")
    try:
        statements = parse_sql(text)
    except ParseError as exc:
        raise InputError(f"{where}: not SQL ihcheck can read as one SELECT ({str(exc).splitlines()[0]})") from None
    if len(statements) != 1:
        raise InputError(f"{where}: {len(statements)} statements; declare exactly one SELECT")
    statement = statements[0].stmt
    if type(statement).__name__ != "SelectStmt":
        verb = type(statement).__name__.removesuffix("Stmt").upper()
        raise InputError(f"{where}: a {verb} statement; only a SELECT is run (read-only)")
    reader = _Reader(where)
    reader.walk(statements[0])
    relations = tuple(sorted(r for r in reader.relations if r[0] or r[1] not in reader.ctes))
    return Checked(sql=text, relations=relations)


def check_select(sql: str, where: str) -> str:
    """The query, if it is one plain SELECT (see read_select)."""
    return read_select(sql, where).sql


def _literal(value: str) -> str:
    """An SQL string literal (the session runs with standard_conforming_strings=on)."""
    return "'" + value.replace("'", "''") + "'"


def role_check(relations: tuple[tuple[str, str], ...]) -> str:
    """One SELECT answering, for the role psql logs in as, everything that would make it more than a reader of
    `relations`: one row of columns, each empty when all is well."""
    named = ", ".join(f"to_regclass(format('%I.%I', {_literal(s)}, {_literal(r)}))" if s
                      else f"to_regclass(format('%I', {_literal(r)}))" for s, r in relations)
    array = f"ARRAY[{named}]::regclass[]" if relations else "ARRAY[]::regclass[]"
    texts = "ARRAY[" + ", ".join(_literal(".".join(p for p in rel if p)) for rel in relations) + "]"
    return f"""SELECT
  (SELECT concat_ws(' ', CASE WHEN rolsuper THEN 'SUPERUSER' END, CASE WHEN rolcreaterole THEN 'CREATEROLE' END,
          CASE WHEN rolcreatedb THEN 'CREATEDB' END, CASE WHEN rolreplication THEN 'REPLICATION' END,
          CASE WHEN rolbypassrls THEN 'BYPASSRLS' END)
     FROM pg_roles WHERE rolname = current_user) AS attributes,
  (SELECT string_agg(rolname, ' ' ORDER BY rolname) FROM pg_roles
    WHERE rolname <> current_user AND pg_has_role(current_user, oid, 'MEMBER')
      AND (rolname LIKE 'pg\\_%' OR rolsuper OR rolreplication OR rolcreaterole)) AS roles,
  (SELECT concat_ws(' ', CASE WHEN has_database_privilege(current_database(), 'CREATE') THEN 'database' END,
          (SELECT string_agg(nspname, ' ' ORDER BY nspname) FROM pg_namespace
            WHERE has_schema_privilege(oid, 'CREATE'))) ) AS creates,
  (SELECT string_agg(c.oid::regclass::text, ' ' ORDER BY c.oid::regclass::text) FROM pg_class c
     JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
      AND has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')) AS beyond,
  (SELECT string_agg(r::text, ' ') FROM unnest({array}) AS r
    WHERE r IS NOT NULL AND NOT has_table_privilege(r, 'SELECT')) AS unreadable,
  (SELECT string_agg(n, ' ') FROM unnest({texts}::text[], {array}) AS t(n, r) WHERE r IS NULL) AS missing"""


def judge_role(row: dict[str, str], who: str) -> None:
    """RoleRefused saying what the role has beyond SELECT on the named tables (nothing: it returns)."""
    said = []
    if row.get("attributes"):
        said.append(f"role attributes {row['attributes']}")
    if row.get("roles"):
        said.append(f"membership in {row['roles']}")
    if row.get("creates"):
        said.append(f"CREATE on {row['creates']}")
    if row.get("beyond"):
        said.append(f"write privileges (or ownership) on {row['beyond'][:200]}")
    if said:
        raise RoleRefused(f"{who}: the role may do more than SELECT the tables the query names ({'; '.join(said)}); "
                          "grant a role only SELECT on them (README: the read-only role) — nothing was run")
    if row.get("unreadable"):
        raise RoleRefused(f"{who}: the role cannot SELECT {row['unreadable']} — nothing was run")


def _psql(query: SqlQuery, commands: list[str]) -> str:
    argv = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--csv", "-d", query.database]
    if query.address:
        argv += ["-h", query.address]
    if query.port:
        argv += ["-p", str(query.port)]
    if query.user:
        argv += ["-U", query.user]
    for command in commands:
        argv += ["-c", command]
    options = (f"-c default_transaction_read_only=on -c statement_timeout={STATEMENT_TIMEOUT_MS} "
               "-c standard_conforming_strings=on -c idle_in_transaction_session_timeout=120000")
    return f"PGOPTIONS={shlex.quote(options)} PGCONNECT_TIMEOUT=10 " + " ".join(shlex.quote(a) for a in argv)


def role_command(query: SqlQuery, checked: Checked) -> str:
    return _psql(query, ["BEGIN TRANSACTION READ ONLY", role_check(checked.relations), "ROLLBACK"])


def psql_command(query: SqlQuery, sql: str) -> str:
    """The psql invocation: a read-only transaction, its read-only status shown, the query through a cursor
    fetched to ROW_CAP + 1 rows (one more says the cap was passed), ROLLBACK."""
    return _psql(query, ["BEGIN TRANSACTION READ ONLY", "SHOW transaction_read_only",
                         f"DECLARE ihcheck_query NO SCROLL CURSOR FOR {sql}",
                         f"FETCH FORWARD {ROW_CAP + 1} FROM ihcheck_query", "ROLLBACK"])


class QueryFailed(Exception):
    """The query could not be run or its output not read; the message says why (the fact is then missing)."""


class RoleRefused(QueryFailed):
    """The role the query would run as can do more than SELECT the tables it names (or cannot even that): known
    only once the host is asked, so the fact is missing with this reason (the rule inconclusive), never a pass."""


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


def _failure(obs: Observation, host: str) -> QueryFailed:
    lines = obs.stderr.strip().splitlines()
    errors = [line for line in lines if "ERROR:" in line or "FATAL:" in line or "error:" in line]
    reason = (errors or lines or [f"exit status {obs.exit_status}"])[0]
    return QueryFailed(f"psql on {host} failed: {reason}")


def check_role(session: Session, query: SqlQuery, checked: Checked) -> Observation:
    """RoleRefused when the role can do more than SELECT the tables the query names; the observation otherwise."""
    obs = session.run(role_command(query, checked), timeout=30)
    if not obs.ok:
        raise _failure(obs, session.host.name)
    records = list(csv.reader(io.StringIO(obs.stdout, newline="")))
    if len(records) != 2:
        raise QueryFailed(f"unexpected psql output for the role check on {session.host.name}: {obs.stdout[:120]!r}")
    who = f"{query.user or 'the login role'} on {session.host.name} (database {query.database})"
    row = dict(zip(records[0], records[1], strict=False))
    judge_role(row, who)
    if row.get("missing"):
        raise QueryFailed(f"psql on {session.host.name} failed: relation {row['missing']} does not exist "
                          f"in database {query.database}")
    return obs


def run_query(session: Session, query: SqlQuery, sql: str, scrub: Scrub) -> tuple[QueryOutput, Observation]:
    """Run a declared SELECT on the session's host after checking it (read_select) and its role (check_role).
    The observation keeps the output as scrubbed (personal data pseudonymised); QueryFailed when psql fails,
    the server did not run it read-only or it returned more than ROW_CAP rows; RoleRefused (an InputError)
    when the role may do more than read the tables."""
    checked = read_select(sql, "the declared query")
    check_role(session, query, checked)
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

    obs = session.run(psql_command(query, checked.sql), timeout=120, scrub=keep)
    if obs.truncated:  # a cut-off result would silently drop records: never judge part of a table
        raise QueryFailed(f"the query's output on {session.host.name} is larger than the checker's output cap for one "
                          f"command ({session.options.command_output_cap} bytes): narrow the query (e.g. the pilot "
                          "period's first visits only)")
    if not obs.ok:
        raise _failure(obs, session.host.name)
    if "output" not in raw:
        raise QueryFailed(f"unexpected psql output on {session.host.name} (see observation {obs.id})")
    output = raw["output"]
    if not output.read_only:
        raise QueryFailed(f"the server did not run the query read-only on {session.host.name}; nothing is used")
    if len(output.rows) > ROW_CAP:
        raise QueryFailed(f"the query returned more than {ROW_CAP} rows on {session.host.name}: narrow it")
    return output, obs
