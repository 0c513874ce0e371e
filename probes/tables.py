"""Tables hospitals hand over as files: CSV (UTF-8, UTF-8 with BOM, GBK/GB18030 from Excel) and XLSX.

A table has a documented schema: each column has an id, a Chinese and an English header (either is
accepted, as are a few common aliases). Reading yields rows keyed by column id with their row
number in the file (the header is row 1), so every later complaint can name file, row and column.

Encodings: Excel on a Chinese Windows saves "CSV" in GBK and "CSV UTF-8" with a BOM; both are
common. Without a declared encoding the reader takes UTF-8 (BOM or not) and UTF-16 with a BOM
("Unicode text"); a file that is not UTF-8 is read as GB18030 (a superset of GBK) only when its
header row then matches the schema — a wrong guess cannot slip through as data. Anything else is
one error naming the file and the row of the first undecodable byte.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from checker.errors import InputError

# Bounds that a real roster or a year of pilot visits stays far below, and a hostile file does not: the file's
# size, its rows and columns (a 1 kB XLSX may declare A1:XFD1048576), the bytes its XLSX parts inflate to (a
# 0.3 MB zip bomb of 2 M rows) and any DTD in them (billion laughs, external entities): all refused before
# the rows are read.
MAX_TABLE_BYTES = 64 * 1024 * 1024
MAX_TABLE_ROWS = 200_000
MAX_TABLE_COLUMNS = 256
MAX_XLSX_INFLATED = 256 * 1024 * 1024

Cell = str | int | float | date | datetime | None


class Column(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()
    required: bool = True

    @property
    def label(self) -> str:
        return f"{self.zh} ({self.en})"


class Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    number: int
    values: dict[str, Cell]


class Table(BaseModel):
    """A table as read: its rows, the encoding used (None for XLSX), and the file's SHA-256."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    sha256: str
    encoding: str | None
    columns: tuple[str, ...]
    rows: tuple[Row, ...]


def _norm(header: str) -> str:
    return re.sub(r"[\s_\-()（）/]+", "", header).casefold()


def match_headers(headers: Sequence[object], columns: Sequence[Column]) -> dict[int, Column]:
    """Which position holds which column; unknown headers are ignored (hospitals add their own)."""
    by_name: dict[str, Column] = {}
    for column in columns:
        for name in (column.id, column.zh, column.en, *column.aliases):
            by_name[_norm(name)] = column
    found: dict[int, Column] = {}
    for position, header in enumerate(headers):
        matched = by_name.get(_norm(str(header))) if header is not None else None
        if matched is not None and matched not in found.values():
            found[position] = matched
    return found


def _missing(found: dict[int, Column], columns: Sequence[Column]) -> list[Column]:
    return [c for c in columns if c.required and c not in found.values()]


def _row_of_offset(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _decode(path: Path, data: bytes, columns: Sequence[Column], encoding: str | None) -> tuple[str, str]:
    if encoding is not None:
        try:
            return data.decode(encoding), encoding
        except LookupError:
            raise InputError(f"{path}: encoding {encoding!r} is not one Python knows (try utf-8 or gbk)") from None
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: row {_row_of_offset(data, exc.start)}: not valid {encoding} "
                             f"(byte 0x{data[exc.start]:02x}); is the declared encoding right?") from None
    if data.startswith(codecs.BOM_UTF8):
        return _decode(path, data[len(codecs.BOM_UTF8):], columns, "utf-8")[0], "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode(path, data, columns, "utf-16")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        header = next(csv.reader(io.StringIO(text, newline=""), dialect=_dialect(text)), [])
        found = match_headers(header, columns)
        if found and not _missing(found, columns):
            return text, "gb18030"
    row = _row_of_offset(data, utf8_error.start)
    raise InputError(f"{path}: row {row}: not UTF-8 (byte 0x{data[utf8_error.start]:02x}) and not GBK with this "
                     "table's headers either; save it from Excel as \"CSV UTF-8\" or declare its encoding") from None


def _dialect(text: str) -> type[csv.Dialect]:
    first = text.split("\n", 1)[0]
    return csv.excel_tab if first.count("\t") > first.count(",") else csv.excel


def read_csv(path: Path, columns: Sequence[Column], encoding: str | None = None) -> Table:
    data = _read_bytes(path)
    text, used = _decode(path, data, columns, encoding)
    rows: list[list[Any]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), dialect=_dialect(text)):
            _bound_rows(path, len(rows) + 1, len(row))
            rows.append(list(row))
    except csv.Error as exc:
        raise InputError(f"{path}: row {len(rows) + 1}: not CSV ({exc})") from None
    return _table(path, data, used, rows, columns)


def _bound_rows(path: Path, rows: int, columns: int) -> None:
    if rows > MAX_TABLE_ROWS + 1:
        raise InputError(f"{path}: more than {MAX_TABLE_ROWS} rows (refused; split the table)")
    if columns > MAX_TABLE_COLUMNS:
        raise InputError(f"{path}: row {rows}: {columns} columns, more than the {MAX_TABLE_COLUMNS} allowed")


def _check_xlsx_parts(path: Path, data: bytes) -> None:
    """Refuse a workbook whose parts inflate too far or carry a DTD (entity expansion, external entities) before
    any XML parser sees them; openpyxl then parses what remains."""
    import zipfile

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{path}: not a readable XLSX workbook ({exc})") from None
    with archive:
        members = archive.infolist()
        if sum(m.file_size for m in members) > MAX_XLSX_INFLATED:
            raise InputError(f"{path}: XLSX parts inflate beyond {MAX_XLSX_INFLATED} bytes (refused: a zip bomb?)")
        for member in members:  # Excel's parts deflate 5-30 times; a thousandfold part is a bomb, not a table
            if member.file_size > 8 * 1024 * 1024 and member.file_size > 200 * max(member.compress_size, 1):
                ratio = member.file_size // max(member.compress_size, 1)
                raise InputError(f"{path}: {member.filename} inflates {ratio} times (refused: a zip bomb)")
        for member in members:
            if not member.filename.endswith((".xml", ".rels", ".vml")):
                continue
            with archive.open(member) as part:
                head = part.read(4096)
            if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
                raise InputError(f"{path}: {member.filename}: an XML DTD in the workbook (refused: entity "
                                 "expansion or external entities)")


def read_xlsx(path: Path, columns: Sequence[Column], sheet: str | None = None) -> Table:
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    data = _read_bytes(path)
    _check_xlsx_parts(path, data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError) as exc:
        raise InputError(f"{path}: not a readable XLSX workbook ({str(exc)[:160]})") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise InputError(f"{path}: no sheet {sheet!r} (sheets: {', '.join(book.sheetnames)})")
        if not book.worksheets:
            raise InputError(f"{path}: the workbook has no sheet")
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        # the sheet's declared size first (read-only mode reads <dimension ref>), then the rows as they come
        _bound_rows(path, int(ws.max_row or 0), int(ws.max_column or 0))
        rows: list[list[Any]] = []
        for r in ws.iter_rows(values_only=True):
            _bound_rows(path, len(rows) + 1, len(r))
            rows.append(list(r))
    except (ValueError, TypeError, KeyError, BadZipFile) as exc:
        raise InputError(f"{path}: not a readable XLSX workbook ({str(exc)[:160]})") from None
    finally:
        book.close()
    return _table(path, data, None, rows, columns)


def read_table(path: Path, columns: Sequence[Column], *, encoding: str | None = None,
               sheet: str | None = None) -> Table:
    """Read a CSV or XLSX file (by its suffix) against a schema; InputError names file, row and column."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_xlsx(path, columns, sheet)
    if path.suffix.lower() in (".csv", ".txt", ".tsv"):
        return read_csv(path, columns, encoding)
    raise InputError(f"{path}: not a table ihcheck reads (.csv or .xlsx; an old .xls must be saved as .xlsx)")


def _read_bytes(path: Path) -> bytes:
    from probes.limits import read_bytes_limited

    return read_bytes_limited(path, "file", MAX_TABLE_BYTES)


def _table(path: Path, data: bytes, encoding: str | None, rows: list[list[Any]], columns: Sequence[Column]) -> Table:
    return table_from_rows(str(path), hashlib.sha256(data).hexdigest(), rows, columns, encoding)


def table_from_rows(path: str, sha256: str, rows: list[list[Any]], columns: Sequence[Column],
                    encoding: str | None = None) -> Table:
    """A table from rows already read (a file's, or a query's output); row 1 is the header."""
    if not rows:
        raise InputError(f"{path}: row 1: empty; expected a header row ({', '.join(c.label for c in columns)})")
    found = match_headers(rows[0], columns)
    missing = _missing(found, columns)
    if missing:
        seen = ", ".join(str(h) for h in rows[0] if h not in (None, "")) or "none"
        raise InputError(f"{path}: row 1, column {missing[0].label}: missing from the header row "
                         f"(headers found: {seen})")
    table_rows: list[Row] = []
    for number, raw in enumerate(rows[1:], start=2):
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in raw):
            continue  # blank lines, and the empty rows Excel leaves below a table
        values: dict[str, Cell] = {}
        for position, column in found.items():
            value = raw[position] if position < len(raw) else None
            values[column.id] = value.strip() or None if isinstance(value, str) else value
        table_rows.append(Row(number=number, values=values))
    return Table(source=path, sha256=sha256, encoding=encoding,
                 columns=tuple(c.id for c in found.values()), rows=tuple(table_rows))


def cell_error(table: Table, row: Row, column: Column, message: str) -> InputError:
    return InputError(f"{table.source}: row {row.number}, column {column.label}: {message}")


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")


def parse_date(value: Cell) -> date | None:
    """A date from a cell: an Excel date, ISO, 2026/1/5 (Excel's Chinese CSV), 2026年1月5日. ValueError else."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        raise ValueError(f"{text!r} is not a date (write 2026-01-31)") from None


def parse_datetime(value: Cell) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for fmt in ("%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y年%m月%d日 %H:%M"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date and time (write 2026-02-01 09:30)")


def parse_text(value: Cell) -> str | None:
    """Text from a cell; an Excel number that is really an identifier (licence 110101…) loses its `.0`."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip() or None


def parse_identifier(value: Cell) -> str | None:
    """An identifier (licence number, visit id): text, or a whole number Excel could hold exactly."""
    if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) >= 10**15:
        raise ValueError(f"stored as a number ({value!r}): Excel keeps only 15 digits, so the identifier may be "
                         "altered; format the column as text and enter it again")
    return parse_text(value)


_TRUE = {"是", "y", "yes", "true", "1", "有", "√"}
_FALSE = {"否", "n", "no", "false", "0", "无", ""}
NOTHING = frozenset({"否", "无", "no", "none", "n/a", "-", "—"})


def parse_bool(value: Cell) -> bool:
    text = parse_text(value) or ""
    if text.casefold() in _TRUE:
        return True
    if text.casefold() in _FALSE:
        return False
    raise ValueError(f"{text!r} is not yes/no (是/否)")
