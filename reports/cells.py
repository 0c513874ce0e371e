"""Foreign text in the files people open: spreadsheets (CSV, XLSX) and XML (JUnit), written as text only.

Everything a bundle, a result or a host supplied is data. In a spreadsheet a cell that starts with `=`,
`+`, `-`, `@`, a tab or a carriage return is a formula to Excel and LibreOffice (`=HYPERLINK(…)`,
`=WEBSERVICE(…)`, `=cmd|' /C calc'!A0`); OWASP's rule for CSV is to prefix such a cell with `'`, and in
XLSX the cell is written as a string with Excel's quote prefix, so it shows as typed and stays text when
edited. XML 1.0 cannot hold most C0 control characters (a form feed or ESC makes the document
ill-formed), so they are replaced by U+FFFD before an XML writer sees them. A value that is not a
string where one was expected (an object, a list, a number) is written as its JSON, never a crash.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")  # full-width forms: Excel reads them too
# XML 1.0's Char production leaves out C0 controls but TAB, LF, CR; surrogates; U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SHEET_FORBIDDEN = re.compile(r"[\\/?*\[\]:\x00-\x1f\x7f]")
SHEET_TITLE_MAX = 31  # Excel's limit


def text(value: Any) -> str:
    """Any value as one string: a string as it is, None as empty, anything else as its JSON."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return str(value)


def mapping(value: Any) -> dict[str, Any]:
    """A foreign value where an object was expected: itself when it is one, else empty."""
    return value if isinstance(value, dict) else {}


def xml_text(value: Any) -> str:
    """Text an XML 1.0 document can hold: characters XML forbids become U+FFFD (visible, never markup)."""
    return _NOT_XML.sub("\ufffd", text(value))


def is_formula_like(value: str) -> bool:
    return value.startswith(FORMULA_STARTS)


def csv_cell(value: Any) -> str:
    """A CSV cell that a spreadsheet reads as text (OWASP CSV injection: a leading `'`)."""
    s = text(value)
    return "'" + s if is_formula_like(s) else s


def csv_row(values: Iterable[Any]) -> list[str]:
    return [csv_cell(v) for v in values]


def set_xlsx_text(cell: Any, value: Any) -> None:
    """Write `value` into an openpyxl cell as a string, never a formula; formula-like text keeps Excel's quote
    prefix so editing the cell does not turn it into one either. Characters XLSX's XML cannot hold go."""
    s = xml_text(value)
    cell.value = s
    cell.data_type = "s"
    if is_formula_like(s):
        cell.quotePrefix = True


def sheet_title(name: Any, taken: set[str]) -> str:
    """A sheet title Excel accepts for a host name: no `\\ / ? * [ ] :` or controls, at most 31 characters,
    never starting or ending with `'`, and unique among `taken` (case-insensitively, as Excel compares them:
    two host names equal in their first 31 characters get `~2`, `~3`…). Adds the title to `taken`."""
    base = _SHEET_FORBIDDEN.sub("_", xml_text(name)).strip("'") or "host"
    title = base[:SHEET_TITLE_MAX].rstrip("'")
    number = 1
    while title.casefold() in taken:
        number += 1
        suffix = f"~{number}"
        title = base[:SHEET_TITLE_MAX - len(suffix)].rstrip("'") + suffix
    taken.add(title.casefold())
    return title
