"""Exports of the province table (CSV, xlsx) and a hospital's OSCAL assessment-results (reports.oscal).

Every cell that came from a hospital or a bundle is written as text, never a formula, by the one helper
every spreadsheet of ihcheck uses (reports.cells): CSV cells that a spreadsheet would read as one (starting
with = + - @, a tab or a carriage return) get a leading apostrophe (OWASP "CSV Injection"), and xlsx cells
are strings with Excel's quote prefix, without the control characters XLSX cannot hold.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path
from typing import Any

from ihcheck.registry.models import Bundle
from ihcheck.registry.services import actions, queries
from reports.cells import csv_cell, csv_row, set_xlsx_text

COLUMNS = ("uscc", "name", "city", "licence", "registered_on", "signed_at", "age_days", "catalogue_version",
           "older_catalogue", "worst", "failing", "stale", "trail_flagged", "key_revoked", "bundle")
HEADINGS = ("统一社会信用代码 USCC", "名称 name", "城市 city", "执业许可证 licence", "执业登记 registered",
            "签名时间 signed at", "天数 age (days)", "规则目录 catalogue", "旧目录 older catalogue",
            "最差结论 worst", "不合格规则 failing rules", "逾期未报 stale", "留痕链断 trail flagged",
            "密钥已吊销 key revoked", "证据包 bundle (manifest SHA-256)")


def _plain(value: Any) -> str:
    """A value of the province table as one string (booleans as yes/no, lists space-separated)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value)
    return str(value)


def text_cell(value: Any) -> str:
    """A value as inert CSV text (OWASP CSV-injection rule, reports.cells)."""
    return csv_cell(_plain(value))


def _rows(city: str | None) -> tuple[list[str], list[list[str]]]:
    table = queries.province(city=city)
    rules = sorted({r for row in table for r in row.get("rules", {})})
    heading = [*HEADINGS, *rules]
    body = [[_plain(row.get(c)) for c in COLUMNS] + [_plain(row["rules"].get(r, "")) for r in rules]
            for row in table]
    return heading, body


def province_csv(*, actor: str, city: str | None = None) -> str:
    heading, body = _rows(city)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(csv_row(heading))
    writer.writerows(csv_row(row) for row in body)
    actions.record("export", actor, format="csv", city=city, rows=len(body))
    return buffer.getvalue()


def province_xlsx(*, actor: str, city: str | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    heading, body = _rows(city)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "province 全省"
    for number, row in enumerate([heading, *body], start=1):  # the heading too: it names the bundles' rule ids
        for column, value in enumerate(row, start=1):
            set_xlsx_text(sheet.cell(row=number, column=column), value)  # a string, never a formula
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "C2"
    out = io.BytesIO()
    book.save(out)
    actions.record("export", actor, format="xlsx", city=city, rows=len(body))
    return out.getvalue()


def oscal(uscc: str, *, actor: str, digest: str | None = None) -> str:
    """OSCAL assessment-results of a hospital's latest (or the named) bundle, re-verified from storage."""
    from django.core.files.storage import default_storage

    from checker.errors import InputError
    from reports.load import BundleInvalid, load_bundle
    from reports.oscal import render_oscal

    hospital = queries.hospital(uscc)
    bundle = (Bundle.objects.filter(hospital=hospital, digest=digest).first() if digest
              else hospital.latest_bundle)
    if bundle is None:
        raise InputError(f"hospital: {hospital.uscc} has no verified bundle")
    with default_storage.open(bundle.blob, "rb") as handle, tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bundle.tar.gz"
        path.write_bytes(handle.read())
        try:
            loaded = load_bundle(path, pinned=bundle.key.fingerprints())
        except BundleInvalid as exc:
            raise InputError(f"{bundle.blob}: the stored bundle no longer verifies: {exc}") from None
    actions.record("export", actor, hospital=hospital, format="oscal", bundle=bundle.digest)
    return render_oscal(loaded)
