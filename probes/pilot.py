"""The Beijing 2026 first-visit pilot's records: the physician roster and the first-visit records.

No whitelist format or API is published, so ihcheck defines the columns it reads (README,
"Beijing 2026 first-visit pilot"); each column takes its Chinese or its English header. The same
schema serves a file the inventory names (CSV/XLSX, `probes.tables`) and the rows of a read-only
query against the hospital's database (`probes.sql`): a query's columns are named by aliases.

Reading judges nothing about the pilot's requirements; it refuses input it cannot trust — a
missing column, an unreadable date, a date after the check date, a licence number listed twice —
with one line naming file, row and column, so that a malformed roster can never pass.

Personal data (names, licence numbers, visit ids) is replaced here, before any fact exists, by a
keyed hash (HMAC-SHA256) unless the declaration says `pseudonymise: false`: the evidence bundle
never holds it, yet the hospital, holding the key, can find the physician or visit a finding names.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from checker.errors import InputError
from probes.facts.pilot import (
    Physician,
    Roster,
    Source,
    SqlQuery,
    Title,
    Visit,
    Visits,
    Whitelist,
    WhitelistChange,
)
from probes.sql import QueryOutput, Scrub, check_select, run_query
from probes.tables import (
    NOTHING,
    Cell,
    Column,
    Row,
    Table,
    cell_error,
    match_headers,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_identifier,
    parse_text,
    read_table,
    table_from_rows,
)

if TYPE_CHECKING:
    from probes.transport import Session

# ---------------------------------------------------------------------------------------------- schema

ROSTER_COLUMNS: tuple[Column, ...] = (
    Column(id="name", zh="姓名", en="name", aliases=("医师姓名", "physician name")),
    Column(id="licence_no", zh="执业证书编码", en="licence number",
           aliases=("医师执业证书编码", "执业证书编号", "医师执业证书编号", "license number", "licence no",
                    "license no")),
    Column(id="title", zh="职称", en="title", aliases=("专业技术职务", "technical title")),
    Column(id="practice_since", zh="独立执业起始日期", en="independent practice since",
           aliases=("独立临床工作起始日期", "independent practice start")),
    Column(id="online_followup_since", zh="互联网复诊起始日期", en="online follow-up since",
           aliases=("互联网诊疗复诊起始日期", "online follow-up start")),
    Column(id="training_passed_on", zh="培训考核通过日期", en="training passed on",
           aliases=("院内培训考核通过日期", "training passed")),
    Column(id="whitelist_status", zh="白名单状态", en="whitelist status"),
    Column(id="whitelist_since", zh="白名单状态日期", en="whitelist status date",
           aliases=("白名单日期", "whitelist date")),
    Column(id="specialties", zh="专业", en="specialties", aliases=("首诊专业", "specialty")),
    # "2026-01-05 在册; 2026-06-30 移出": each change of status, so a past visit is judged as the list stood then
    Column(id="whitelist_history", zh="白名单历史", en="whitelist history", required=False),
)

VISIT_COLUMNS: tuple[Column, ...] = (
    Column(id="visit_id", zh="就诊编号", en="visit id", aliases=("诊疗编号", "visit no")),
    Column(id="physician_licence", zh="接诊医师执业证书编码", en="physician licence number",
           aliases=("医师执业证书编码", "physician license number", "physician licence")),
    Column(id="specialty", zh="专业", en="specialty"),
    Column(id="started_at", zh="就诊时间", en="visit time", aliases=("开始时间", "started at")),
    Column(id="first_visit", zh="是否首诊", en="first visit"),
    Column(id="patient_age", zh="患者年龄", en="patient age", aliases=("年龄", "age")),
    Column(id="guardian", zh="监护人", en="guardian", aliases=("监护人陪伴", "guardian present")),
    Column(id="terminated", zh="是否终止", en="terminated", aliases=("终止诊疗", "terminated early")),
    Column(id="referral", zh="转诊去向", en="referral", aliases=("线下转诊", "referred to")),
    Column(id="prescribed", zh="是否开具处方", en="prescribed", aliases=("处方", "prescription"), required=False),
    # QH2019 1 (医师掌握患者病历资料后，允许在线开具…处方): the physician held the patient's records
    Column(id="records", zh="病历资料", en="records held", aliases=("复诊依据", "既往病历", "patient records"),
           required=False),
)

_TITLES: dict[str, Title] = {
    "主任医师": "chief", "chief physician": "chief", "chief": "chief",
    "副主任医师": "associate-chief", "associate chief physician": "associate-chief",
    "associate chief": "associate-chief",
    "主治医师": "attending", "attending physician": "attending", "attending": "attending",
    "住院医师": "resident", "医师": "resident", "resident": "resident", "resident physician": "resident",
    "医士": "assistant", "assistant physician": "assistant",
}
_WHITELIST: dict[str, Whitelist] = {
    "在册": "active", "有效": "active", "正常": "active", "active": "active", "listed": "active",
    "暂停": "suspended", "suspended": "suspended",
    "移出": "removed", "撤销": "removed", "removed": "removed",
}


# ---------------------------------------------------------------------------------------------- pseudonyms

class Pseudonymiser:
    """HMAC-SHA256 pseudonyms: the same input and key give the same pseudonym (joins still work);
    without the key nobody can tell who is behind one. `key=None` means a fresh key for this run."""

    def __init__(self, key: bytes | None, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self.per_run = key is None
        self._key = key if key is not None else secrets.token_bytes(32)

    def __call__(self, kind: str, value: str) -> str:
        if not self.enabled:
            return value
        digest = hmac.new(self._key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
        return f"{kind}:{digest[:16]}"

    def describe(self) -> str:
        if not self.enabled:
            return "personal data shown in clear (pseudonymise: false declared)"
        if self.per_run:
            return ("names, licence numbers and visit ids pseudonymised with a key made for this run only "
                    "(declare pseudonym_key_file to be able to look them up)")
        return "names, licence numbers and visit ids pseudonymised (HMAC-SHA256 with the declared key)"

    @classmethod
    def from_file(cls, path: Path | None, *, enabled: bool = True) -> Pseudonymiser:
        if path is None:
            return cls(None, enabled=enabled)
        from probes.limits import read_bytes_limited

        key = read_bytes_limited(path, "pseudonym_key_file", 64 * 1024).strip()  # a key, never a FIFO or a disk
        if len(key) < 16:
            raise InputError(f"{path}: pseudonym_key_file: a key needs at least 16 bytes, found {len(key)}")
        return cls(key, enabled=enabled)


# ---------------------------------------------------------------------------------------------- reading

T = TypeVar("T")


def _cell(table: Table, row: Row, column: Column, parse: Callable[[Cell], T]) -> T:
    try:
        return parse(row.values.get(column.id))
    except ValueError as exc:
        raise cell_error(table, row, column, str(exc)) from None


def _required(table: Table, row: Row, column: Column, parse: Callable[[Cell], T | None]) -> T:
    value = _cell(table, row, column, parse)
    if value is None:
        raise cell_error(table, row, column, "empty")
    return value


def _unique_id(table: Table, row: Row, column: Column, seen: dict[str, int], what: str) -> str:
    """The row's identifier in `column`, refused when an earlier row (noted in `seen`) has it too: a
    duplicated licence or visit would be counted twice."""
    value = _required(table, row, column, parse_identifier)
    if value in seen:
        raise cell_error(table, row, column, f"{what} listed twice (also on row {seen[value]})")
    seen[value] = row.number
    return value


def _not_after(table: Table, row: Row, column: Column, value: date | None, as_of: date) -> date | None:
    if value is not None and value > as_of:
        raise cell_error(table, row, column, f"{value.isoformat()} is after the check date {as_of.isoformat()}")
    return value


def _lookup(table: Table, row: Row, column: Column, mapping: dict[str, T]) -> T:
    text = _required(table, row, column, parse_text)
    found = mapping.get(text.casefold())
    if found is None:
        raise cell_error(table, row, column, f"{text!r} is not one of {', '.join(sorted(set(mapping)))}")
    return found


COL = {c.id: c for c in (*ROSTER_COLUMNS, *VISIT_COLUMNS)}
_SPLIT = re.compile(r"[;；、,，/|]")


def physicians_from(table: Table, as_of: date, pseudonym: Pseudonymiser) -> tuple[Physician, ...]:
    """Typed physicians from a roster table; InputError (file, row, column) on anything untrustworthy."""
    seen: dict[str, int] = {}
    result: list[Physician] = []
    for row in table.rows:
        licence = _unique_id(table, row, COL["licence_no"], seen, "licence number")
        dates = {key: _not_after(table, row, COL[key], _cell(table, row, COL[key], parse_date), as_of)
                 for key in ("practice_since", "online_followup_since", "training_passed_on", "whitelist_since")}
        if dates["practice_since"] is None:
            raise cell_error(table, row, COL["practice_since"], "empty")
        status_text = _cell(table, row, COL["whitelist_status"], parse_text)
        status: Whitelist = "none" if status_text is None else _lookup(table, row, COL["whitelist_status"], _WHITELIST)
        specialties = _cell(table, row, COL["specialties"], parse_text) or ""
        result.append(Physician(
            row=row.number, id=pseudonym("licence", licence),
            name=pseudonym("name", _required(table, row, COL["name"], parse_text)),
            title=_lookup(table, row, COL["title"], _TITLES), practice_since=dates["practice_since"],
            online_followup_since=dates["online_followup_since"], training_passed_on=dates["training_passed_on"],
            whitelist_status=status, whitelist_since=dates["whitelist_since"],
            specialties=tuple(s.strip() for s in _SPLIT.split(specialties) if s.strip()),
            whitelist_history=_history(table, row, as_of)))
    return tuple(result)


_HISTORY_ENTRY = re.compile(r"^(\d{4}-\d{2}-\d{2})\s+(\S+)$")


def _history(table: Table, row: Row, as_of: date) -> tuple[WhitelistChange, ...]:
    """The 白名单历史 cell: `DATE STATUS` entries separated by ; or ；, in order; InputError on anything else."""
    column = COL["whitelist_history"]
    text = _cell(table, row, column, parse_text)
    if not text:
        return ()
    changes: list[WhitelistChange] = []
    for entry in (e.strip() for e in re.split(r"[;；]", text) if e.strip()):
        match = _HISTORY_ENTRY.match(entry)
        status = _WHITELIST.get(match.group(2).casefold()) if match else None
        if match is None or status is None:
            raise cell_error(table, row, column, f"expected 'YYYY-MM-DD STATUS' entries separated by ';', got "
                             f"{entry!r}")
        try:
            on = date.fromisoformat(match.group(1))
        except ValueError as exc:
            raise cell_error(table, row, column, f"{entry!r}: {exc}") from None
        if on > as_of:
            raise cell_error(table, row, column, f"{on.isoformat()} is after the check date {as_of.isoformat()}")
        if changes and on < changes[-1].on:
            raise cell_error(table, row, column, f"{entry!r} is earlier than the entry before it")
        changes.append(WhitelistChange(on=on, status=status))
    return tuple(changes)


def _age(value: Cell) -> int | None:
    text = parse_text(value)
    if text is None:
        return None
    match = re.fullmatch(r"(\d{1,3})\s*(岁|y|years?)?", text)
    if match is None:
        raise ValueError(f"{text!r} is not an age in whole years")
    return int(match.group(1))


def visits_from(table: Table, as_of: date, pseudonym: Pseudonymiser) -> tuple[Visit, ...]:
    seen: dict[str, int] = {}
    result: list[Visit] = []
    for row in table.rows:
        visit_id = _unique_id(table, row, COL["visit_id"], seen, "visit id")
        started = _required(table, row, COL["started_at"], parse_datetime)
        _not_after(table, row, COL["started_at"], started.date(), as_of)
        physician = _cell(table, row, COL["physician_licence"], parse_identifier)
        result.append(Visit(
            row=row.number, id=pseudonym("visit", visit_id),
            physician=pseudonym("licence", physician) if physician else None,
            specialty=_cell(table, row, COL["specialty"], parse_text), started_at=started,
            first_visit=_cell(table, row, COL["first_visit"], parse_bool),
            patient_age=_cell(table, row, COL["patient_age"], _age),
            guardian_recorded=_cell(table, row, COL["guardian"], _recorded),
            terminated=_cell(table, row, COL["terminated"], parse_bool),
            referral_recorded=_cell(table, row, COL["referral"], _recorded),
            prescribed=_cell(table, row, COL["prescribed"], parse_bool) if "prescribed" in table.columns else None,
            records_held=_cell(table, row, COL["records"], _recorded) if "records" in table.columns else None))
    return tuple(result)


def _recorded(value: Cell) -> bool:
    """Something written down (a guardian's relation, a referral's destination); 否/无/no mean nothing."""
    text = parse_text(value)
    return text is not None and text.casefold() not in NOTHING


def read_roster(path: Path, as_of: date, pseudonym: Pseudonymiser, *, encoding: str | None = None,
                sheet: str | None = None) -> Roster:
    """A roster file the inventory names: attested by the hospital (hashed), never observed."""
    table = read_table(path, ROSTER_COLUMNS, encoding=encoding, sheet=sheet)
    return Roster(source=_attested_file(path, table), physicians=physicians_from(table, as_of, pseudonym))


def read_visits(path: Path, as_of: date, pseudonym: Pseudonymiser, *, encoding: str | None = None,
                sheet: str | None = None) -> Visits:
    table = read_table(path, VISIT_COLUMNS, encoding=encoding, sheet=sheet)
    return Visits(source=_attested_file(path, table), visits=visits_from(table, as_of, pseudonym))


def _attested_file(path: Path, table: Table) -> Source:
    """A file the hospital hands in is attested, by its hash and the encoding it was read in."""
    return Source(basis="attested", description=f"file {path}", sha256=table.sha256, encoding=table.encoding)


# ---------------------------------------------------------------------------------------------- queries

PERSONAL = {"name": "name", "licence_no": "licence", "visit_id": "visit", "physician_licence": "licence",
            "guardian": "guardian", "qualification_no": "licence"}


def scrubber(columns: tuple[Column, ...], pseudonym: Pseudonymiser) -> Scrub:
    """Pseudonymise the personal columns of a query's output before it is kept as an observation, with
    the same keyed hash the facts use (so the evidence and the findings name the same pseudonyms)."""

    def scrub(output: QueryOutput) -> QueryOutput:
        found = match_headers(output.header, columns)
        personal = {pos: PERSONAL[col.id] for pos, col in found.items() if col.id in PERSONAL}
        if not personal or not pseudonym.enabled:
            return output
        rows = tuple(tuple(pseudonym(personal[i], v) if i in personal and v else v for i, v in enumerate(row))
                     for row in output.rows)
        return output.model_copy(update={"rows": rows})

    return scrub


def query_table(session: Session, query: SqlQuery, where: str, columns: tuple[Column, ...],
                pseudonym: Pseudonymiser) -> tuple[Table, Source]:
    """A declared read-only query's rows as a table of `columns` (personal columns pseudonymised first)."""
    sql = check_select(query.sql, where)
    output, obs = run_query(session, query, sql, scrubber(columns, pseudonym))
    description = f"read-only query on {session.host.name} (database {query.database})"
    rows = [list(output.header), *[list(r) for r in output.rows]]
    table = table_from_rows(f"{where} ({description})", obs.stdout_sha256, rows, columns)
    return table, Source(basis="observed", description=description, sha256=obs.stdout_sha256,
                         observations=(obs.id,))


def query_roster(session: Session, query: SqlQuery, where: str, as_of: date, pseudonym: Pseudonymiser) -> Roster:
    """The roster from a declared read-only query: observed on the host, with the query's observation."""
    table, source = query_table(session, query, where, ROSTER_COLUMNS, pseudonym)
    return Roster(source=source, physicians=physicians_from(table, as_of, pseudonym))


def query_visits(session: Session, query: SqlQuery, where: str, as_of: date, pseudonym: Pseudonymiser) -> Visits:
    table, source = query_table(session, query, where, VISIT_COLUMNS, pseudonym)
    return Visits(source=source, visits=visits_from(table, as_of, pseudonym))
