"""The staff roster (`ihcheck_staff`): read in the physicians' roster's schema family (probes.tables), from a file
beside the inventory (CSV/XLSX) or from a read-only query of the hospital's database (probes.sql).

Either way the roster is the hospital's declaration: the facts record it as attested. A malformed file fails
before any host is contacted, in one line naming the file, the row and the column; a query that fails on its
host costs only the roster (`StaffFacts.missing`), never what the probes gathered.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from checker.errors import HostUnreachable, InputError
from probes.collectors import DeploymentWork, HostPart, Unfinished
from probes.facts.pilot import SqlQuery
from probes.facts.staff import Category, StaffDeclaration, StaffFacts, StaffMember, StaffSource
from probes.inventory import Inventory
from probes.pilot import Pseudonymiser, query_table
from probes.programmes import _base, _resolve
from probes.sql import QueryFailed, check_select
from probes.tables import (
    Column,
    Row,
    Table,
    cell_error,
    parse_bool,
    parse_date,
    parse_identifier,
    parse_text,
    read_table,
)

if TYPE_CHECKING:
    from probes.transport import Session

STAFF_COLUMNS: tuple[Column, ...] = (
    Column(id="name", zh="姓名", en="name"),
    Column(id="category", zh="人员类别", en="category", aliases=("类别", "staff category")),
    Column(id="role", zh="岗位", en="role", aliases=("职务", "position"), required=False),
    Column(id="qualification_no", zh="资格证书编号", en="qualification number",
           aliases=("执业证书编码", "证书编号", "certificate number", "licence number", "license number")),
    Column(id="valid_until", zh="证书有效期至", en="valid until", aliases=("有效期至", "certificate valid until"),
           required=False),
    Column(id="organisation", zh="所属机构", en="organisation", aliases=("单位", "organization", "employer"),
           required=False),
    Column(id="active", zh="是否在岗", en="active", aliases=("在岗", "on duty")),
)
COL = {c.id: c for c in STAFF_COLUMNS}
PRINCIPAL = "主要负责人"
_CATEGORIES: dict[str, Category] = {
    "卫生技术人员": "health", "卫技人员": "health", "health": "health", "health professional": "health",
    "信息专业技术人员": "it", "信息技术人员": "it", "it": "it", "information technology": "it",
    "管理人员": "management", "management": "management",
}


def _category(table: Table, row: Row) -> Category:
    text = parse_text(row.values.get("category"))
    found = _CATEGORIES.get((text or "").casefold())
    if found is None:
        raise cell_error(table, row, COL["category"], f"{text!r} is not one of {', '.join(sorted(_CATEGORIES))}")
    return found


def _cell(table: Table, row: Row, key: str, parse: Any) -> Any:
    try:
        return parse(row.values.get(key))
    except ValueError as exc:
        raise cell_error(table, row, COL[key], str(exc)) from None


def members_from(table: Table, pseudonym: Pseudonymiser) -> tuple[StaffMember, ...]:
    """Typed staff from a roster table; InputError (file, row, column) on anything untrustworthy."""
    result: list[StaffMember] = []
    for row in table.rows:
        name = _cell(table, row, "name", parse_text)
        if name is None:
            raise cell_error(table, row, COL["name"], "empty")
        role = _cell(table, row, "role", parse_text) if "role" in table.columns else None
        number = _cell(table, row, "qualification_no", parse_identifier)
        organisation = _cell(table, row, "organisation", parse_text) if "organisation" in table.columns else None
        result.append(StaffMember(
            row=row.number, name=pseudonym("name", name), category=_category(table, row), role=role,
            principal=role is not None and PRINCIPAL in role,
            qualification=pseudonym("licence", number) if number else None,
            valid_until=_cell(table, row, "valid_until", parse_date) if "valid_until" in table.columns else None,
            organisation=organisation, active=_cell(table, row, "active", parse_bool)))
    return tuple(result)


def declared_staff(inventory: Inventory) -> StaffDeclaration | None:
    """The deployment's one `ihcheck_staff` (all hosts that declare it must agree: declare it under all: vars)."""
    found = {h.declared.staff for h in inventory.hosts if h.declared.staff is not None}
    if len(found) > 1:
        raise InputError(f"{inventory.source}: ihcheck_staff: hosts declare different rosters; declare it once for "
                         "the deployment (under all: vars:)")
    return next(iter(found), None)


def work(inventory: Inventory, as_of: date) -> DeploymentWork | None:
    """The roster read (a file) or checked (a query's SELECT) before any host; the query then runs on its host."""
    declaration = declared_staff(inventory)
    if declaration is None:
        return None
    where = f"{inventory.source}: ihcheck_staff.roster"
    base = _base(inventory)
    pseudonym = Pseudonymiser.from_file(_resolve(base, declaration.pseudonym_key_file),
                                        enabled=declaration.pseudonymise)
    decl = declaration.roster
    facts = StaffFacts(declaration=declaration, as_of=as_of, pseudonyms=pseudonym.describe())
    if decl.file is not None:
        path = _resolve(base, decl.file)
        assert path is not None
        table = read_table(path, STAFF_COLUMNS, encoding=decl.encoding, sheet=decl.sheet)
        source = StaffSource(description=f"file {path}", sha256=table.sha256, encoding=table.encoding)
        done = facts.model_copy(update={"source": source, "staff": members_from(table, pseudonym)})
        return DeploymentWork(family="staff", parts=(), finish=lambda outcomes: done)
    query = decl.query
    assert query is not None
    if query.host not in {h.name for h in inventory.hosts}:
        raise InputError(f"{where}.query.host: {query.host!r} is not a host of the inventory")
    check_select(query.sql, f"{where}.query.sql")
    part = HostPart("roster", query.host, functools.partial(_ask, query, f"{where}.query", pseudonym))
    return DeploymentWork(family="staff", parts=(part,), finish=functools.partial(finish, facts))


def _ask(query: SqlQuery, where: str, pseudonym: Pseudonymiser, session: Session) -> tuple[StaffSource, Any]:
    table, source = query_table(session, query, where, STAFF_COLUMNS, pseudonym)
    # what the database says of the staff: attested by the hospital, whatever the transport that read it
    said = StaffSource(description=f"{source.description}: the hospital's HR records", sha256=source.sha256,
                       observations=source.observations)
    return said, members_from(table, pseudonym)


def finish(facts: StaffFacts, outcomes: Mapping[str, Any]) -> StaffFacts:
    outcome = outcomes.get("roster", Unfinished("not run"))
    if isinstance(outcome, QueryFailed | HostUnreachable | InputError):
        return facts.model_copy(update={"missing": f"staff roster query: {outcome}",
                                        "missing_zh": f"人员名册查询失败：{outcome}"})
    if isinstance(outcome, BaseException):
        raise outcome
    source, staff = outcome
    return facts.model_copy(update={"source": source, "staff": staff})
