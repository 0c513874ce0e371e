"""Hostile input files, shared by the tests and benchmarks/redteam_sec.py: each is small on disk and would cost
the checker a crash, a hang or gigabytes if read naively."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

HEADER = "姓名,执业证书编码,职称,独立执业起始日期,互联网复诊起始日期,培训考核通过日期,白名单状态,白名单状态日期,专业\n"
ROW = "张三,110000000000000,主治医师,2015-01-01,2020-01-01,2025-12-01,在册,2025-12-01,儿童营养\n"
_CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
       'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
       '+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
       'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
       'spreadsheetml.worksheet+xml"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
         'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
         'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WB = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
       'main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" '
       'sheetId="1" r:id="rId1"/></sheets></workbook>')
_WB_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def xlsx(sheet_xml: str | bytes) -> bytes:
    """A minimal workbook around one sheet's XML (deflated: a repetitive sheet is a zip bomb)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WB)
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return out.getvalue()


def _sheet(rows: str, dimension: str = "A1:B2", doctype: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<worksheet xmlns="{NS}"><dimension ref="{dimension}"/>'
            f"<sheetData>{rows}</sheetData></worksheet>")


def _row(n: int, a: str, b: str) -> str:
    return f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{a}</t></is></c><c r="B{n}" t="inlineStr"><is><t>{b}</t></is></c></row>'


def declared_huge() -> bytes:
    return xlsx(_sheet(_row(1, "姓名", "执业证书编码"), dimension="A1:XFD1048576"))


def zip_bomb(rows: int = 2_000_000) -> bytes:
    body = "<row><c><v>1</v></c></row>" * rows  # the same row again and again: deflates about a thousandfold
    return xlsx(_sheet(_row(1, "姓名", "执业证书编码") + body, dimension="A1:B2"))


def billion_laughs() -> bytes:
    ents = '<!ENTITY a0 "lol">' + "".join(f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    return xlsx(_sheet(_row(1, "姓名", "&a9;"), doctype=f"<!DOCTYPE worksheet [{ents}]>"))


def external_entity(target: str = "/etc/passwd") -> bytes:
    return xlsx(_sheet(_row(1, "姓名", "&x;"), doctype=f'<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file://{target}">]>'))


def million_row_csv(path: Path, rows: int = 1_000_000) -> Path:
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        out.write(ROW * rows)  # a roster's real columns: only its length is wrong
    return path


def deep_json(depth: int = 100_000) -> bytes:
    return b"[" * depth + b"]" * depth


def long_number_json(digits: int = 5000) -> bytes:
    return b'{"schema": "ihcheck.result/1", "seq": ' + b"9" * digits + b"}"


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def sparse(path: Path, size: int = 4 * 1024 ** 3) -> Path:
    with path.open("wb") as out:
        out.truncate(size)
    return path
