"""Reading the pilot's physician roster and visit export: CSV in the encodings Excel writes, XLSX, and
one-line errors naming file, row and column for every kind of malformed input."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from checker.errors import InputError
from probes.pilot import Pseudonymiser, read_roster, read_visits

AS_OF = date(2026, 11, 30)
HEADER_ZH = ["姓名", "执业证书编码", "职称", "独立执业起始日期", "互联网复诊起始日期", "培训考核通过日期",
             "白名单状态", "白名单状态日期", "专业"]
HEADER_EN = ["name", "licence number", "title", "independent practice since", "online follow-up since",
             "training passed on", "whitelist status", "whitelist status date", "specialties"]
ROWS = [
    ["张三", "110101198001010011", "主治医师", "2015-07-01", "2022-03-01", "2025-12-20", "在册", "2026-01-05",
     "儿童生长发育、儿童营养"],
    ["李四", "110101198502020022", "副主任医师", "2012/9/1", "2021/1/1", "2025/12/21", "在册", "2026/1/5", "儿童皮肤疾病"],
    ["王五", "110101199003030033", "住院医师", "2024-08-01", "", "", "", "", "儿童营养"],
]
KEY = Pseudonymiser(b"k" * 32)


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8", header: list[str] = HEADER_ZH,
              dialect: type[csv.Dialect] = csv.excel) -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, dialect=dialect).writerows([header, *rows])
    path.write_bytes(buffer.getvalue().encode(encoding, errors="replace"))
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_each_encoding_excel_writes_reads_the_same(tmp_path: Path, encoding: str) -> None:
    roster = read_roster(write_csv(tmp_path / "roster.csv", ROWS, encoding), AS_OF, KEY)
    assert [p.row for p in roster.physicians] == [2, 3, 4]
    assert [p.title for p in roster.physicians] == ["attending", "associate-chief", "resident"]
    assert roster.physicians[0].specialties == ("儿童生长发育", "儿童营养")
    assert roster.physicians[1].practice_since == date(2012, 9, 1)
    assert roster.physicians[2].whitelist_status == "none" and roster.physicians[2].training_passed_on is None
    assert roster.source.basis == "attested" and roster.source.encoding in (encoding, "gb18030", "utf-8-sig")


def test_excel_unicode_text_utf16_tab_separated_is_read(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "roster.txt", ROWS, "utf-16", dialect=csv.excel_tab)
    roster = read_roster(path, AS_OF, KEY)
    assert len(roster.physicians) == 3 and roster.source.encoding == "utf-16"


def test_english_headers_and_xlsx_with_real_dates_and_numeric_licences(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER_EN)
    sheet.append(["张三", 110101200501011, "attending physician", datetime(2015, 7, 1), datetime(2022, 3, 1),
                  datetime(2025, 12, 20), "active", datetime(2026, 1, 5), "儿童营养"])
    sheet.append([None] * 9)  # Excel leaves empty rows below a table
    path = tmp_path / "roster.xlsx"
    book.save(path)
    roster = read_roster(path, AS_OF, KEY)
    assert len(roster.physicians) == 1
    assert roster.physicians[0].practice_since == date(2015, 7, 1)
    assert roster.physicians[0].id == KEY("licence", "110101200501011")  # a number, not 1.1e14
    sheet["B2"] = 110101198001010011  # 18 digits: Excel itself would have rounded it
    book.save(path)
    with pytest.raises(InputError, match=r"row 2, column 执业证书编码 \(licence number\): stored as a number"):
        read_roster(path, AS_OF, KEY)


def test_personal_data_is_pseudonymised_by_a_keyed_hash_unless_declared_otherwise(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "roster.csv", ROWS)
    pseudonymised = read_roster(path, AS_OF, KEY).physicians[0]
    assert "张三" not in pseudonymised.model_dump_json() and "110101198001010011" not in pseudonymised.model_dump_json()
    assert pseudonymised.id == Pseudonymiser(b"k" * 32)("licence", "110101198001010011")  # stable under one key
    assert pseudonymised.id != Pseudonymiser(b"j" * 32)("licence", "110101198001010011")
    clear = read_roster(path, AS_OF, Pseudonymiser(None, enabled=False)).physicians[0]
    assert (clear.name, clear.id) == ("张三", "110101198001010011")


def malformed(tmp_path: Path, case: str) -> Path:
    path = tmp_path / "roster.csv"
    rows = [list(r) for r in ROWS]
    if case == "missing column":
        return write_csv(path, [r[:2] + r[3:] for r in rows], header=HEADER_ZH[:2] + HEADER_ZH[3:])
    if case == "future date":
        rows[1][3] = "2027-03-01"
    elif case == "duplicate licence":
        rows[2][1] = rows[0][1]
    elif case == "unknown title":
        rows[2][2] = "实习生"
    elif case == "unreadable date":
        rows[1][5] = "去年"
    elif case == "empty licence":
        rows[1][1] = ""
    elif case == "wrong encoding":  # Big5 (a Traditional Chinese Excel): neither UTF-8 nor GBK
        return write_csv(path, rows, encoding="big5")
    elif case == "declared encoding wrong":
        return write_csv(path, rows, encoding="gbk")
    return write_csv(path, rows)


EXPECTED = {
    "missing column": "row 1, column 职称 (title): missing from the header row",
    "future date": "row 3, column 独立执业起始日期 (independent practice since): 2027-03-01 is after the check date 2026-11-30",
    "duplicate licence": "row 4, column 执业证书编码 (licence number): licence number listed twice (also on row 2)",
    "unknown title": "row 4, column 职称 (title): '实习生' is not one of",
    "unreadable date": "row 3, column 培训考核通过日期 (training passed on): '去年' is not a date",
    "empty licence": "row 3, column 执业证书编码 (licence number): empty",
    "wrong encoding": "row 1: not UTF-8 (byte 0xa9) and not GBK with this table's headers either",
    "declared encoding wrong": "row 1: not valid utf-8",
}


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_malformed_rosters_fail_in_one_line_naming_file_row_and_column(tmp_path: Path, case: str) -> None:
    path = malformed(tmp_path, case)
    with pytest.raises(InputError) as raised:
        read_roster(path, AS_OF, KEY, encoding="utf-8" if case == "declared encoding wrong" else None)
    message = str(raised.value)
    assert message.startswith(f"{path}: ") and EXPECTED[case] in message, message
    assert "\n" not in message


def test_a_file_that_is_not_a_table_is_named(tmp_path: Path) -> None:
    for name, data in (("roster.xlsx", b"not a zip"), ("roster.pdf", b"%PDF"), ("empty.csv", b"")):
        (tmp_path / name).write_bytes(data)
        with pytest.raises(InputError, match=rf"^{tmp_path / name}: "):
            read_roster(tmp_path / name, AS_OF, KEY)
    with pytest.raises(InputError, match="file not found"):
        read_roster(tmp_path / "absent.csv", AS_OF, KEY)


VISIT_HEADER = ["就诊编号", "接诊医师执业证书编码", "专业", "就诊时间", "是否首诊", "患者年龄", "监护人", "是否终止", "转诊去向"]


def test_visits_are_read_with_their_flags(tmp_path: Path) -> None:
    rows = [["V001", "110101198001010011", "儿童营养", "2026-02-01 09:30", "是", "7", "母亲", "否", ""],
            ["V002", "110101198502020022", "儿童皮肤疾病", "2026/3/2 10:00", "是", "9岁", "无", "是", "北京儿童医院皮肤科门诊"]]
    visits = read_visits(write_csv(tmp_path / "visits.csv", rows, "gbk", VISIT_HEADER), AS_OF, KEY).visits
    assert [(v.row, v.first_visit, v.patient_age, v.guardian_recorded, v.terminated, v.referral_recorded)
            for v in visits] == [(2, True, 7, True, False, False), (3, True, 9, False, True, True)]
    assert visits[0].physician == KEY("licence", "110101198001010011") and visits[0].id == KEY("visit", "V001")
    assert visits[1].started_at == datetime(2026, 3, 2, 10, 0)
    assert visits[0].prescribed is None  # no such column: the records do not say
    with_rx = write_csv(tmp_path / "rx.csv", [[*r, "是"] for r in rows], header=[*VISIT_HEADER, "是否开具处方"])
    assert [v.prescribed for v in read_visits(with_rx, AS_OF, KEY).visits] == [True, True]
    rows[1][0] = "V001"
    with pytest.raises(InputError, match="row 3, column 就诊编号 \\(visit id\\): visit id listed twice"):
        read_visits(write_csv(tmp_path / "dup.csv", rows, header=VISIT_HEADER), AS_OF, KEY)


def test_the_whitelist_history_column_gives_the_status_on_each_day(tmp_path: Path) -> None:
    rows = [[*ROWS[0][:6], "移出", "2026-06-30", "儿童营养", "2026-01-05 在册；2026-06-30 移出"]]
    roster = read_roster(write_csv(tmp_path / "r.csv", rows, header=[*HEADER_ZH, "白名单历史"]), AS_OF, KEY)
    physician = roster.physicians[0]
    assert [(c.on, c.status) for c in physician.whitelist_history] == [(date(2026, 1, 5), "active"),
                                                                      (date(2026, 6, 30), "removed")]
    assert physician.whitelist_on(date(2026, 3, 1)) == "active"
    assert physician.whitelist_on(date(2026, 7, 1)) == "removed"
    assert physician.whitelist_on(date(2025, 12, 1)) == "none"


@pytest.mark.parametrize(("cell", "message"), [
    ("2026-01-05 listed?", "expected 'YYYY-MM-DD STATUS' entries"),
    ("2026-06-30 在册; 2026-01-05 移出", "is earlier than the entry before it"),
    ("2027-01-01 在册", "is after the check date"),
])
def test_a_malformed_whitelist_history_is_one_line_naming_the_column(tmp_path: Path, cell: str, message: str) -> None:
    rows = [[*ROWS[0], cell]]
    with pytest.raises(InputError, match=message) as raised:
        read_roster(write_csv(tmp_path / "r.csv", rows, header=[*HEADER_ZH, "白名单历史"]), AS_OF, KEY)
    assert "白名单历史" in str(raised.value) and "\n" not in str(raised.value)
