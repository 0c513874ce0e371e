"""The assessor's workbook: the MLPS level 3 host items, one sheet per host, in the columns a 测评机构 uses.

    测评项 | 标准要求 | 实际情况 | 结论 | 整改建议 | 证据

结论 is 符合 / 部分符合 / 不符合 / 无法判断 (pass / partly / fail / inconclusive or error); 证据 lists the
observation ids the finding rests on with the SHA-256 of each one's output, so an assessor can find the
exact command and output in the verified bundle it was rendered from.
"""

from __future__ import annotations

import io
from typing import Any

from reports.cells import set_xlsx_text, sheet_title, text, xml_text
from reports.load import Bundle

COLUMNS = (("测评项 (item)", 46), ("标准要求 (required)", 46), ("实际情况 (observed)", 60), ("结论", 10),
           ("整改建议 (remediation)", 46), ("证据 (observation · SHA-256)", 48))
CONCLUSION = {"pass": "符合", "fail": "不符合", "inconclusive": "无法判断", "error": "无法判断",
              "not_applicable": "不适用"}
FILL = {"符合": "C6EFCE", "部分符合": "FFEB9C", "不符合": "FFC7CE", "无法判断": "E7E6E6", "不适用": "FFFFFF"}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def rows(bundle: Bundle) -> dict[str, list[tuple[str, ...]]]:
    """Per host, one row per MLPS item, in the catalogue's order. Every value is read as foreign data: a field
    that is not what it should be is shown as its JSON, never a crash."""
    order = [text(r.get("id")) for r in _list(bundle.catalogue.get("rules"))
             if isinstance(r, dict) and r.get("standard")]
    by_host: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
    for finding in bundle.findings if isinstance(bundle.findings, list) else ():
        if not isinstance(finding, dict):
            continue
        rule_id = text(finding.get("rule_id"))
        rule = bundle.rule(rule_id)
        standard = _dict(rule.get("standard"))
        if not standard:
            continue
        details = _dict(finding.get("details"))
        verdict = text(finding.get("verdict"))
        conclusion = text(details.get("conclusion") or CONCLUSION.get(verdict, verdict))
        if finding.get("waiver"):
            conclusion += " (豁免 waived)"
        item = f"{text(standard.get('ref'))}\n{text(standard.get('text_zh'))}"
        required = text(details.get("standard") or standard.get("interpretation", ""))
        # what was found, in Chinese first (the assessor's language) and the English beneath
        actual = "\n".join(dict.fromkeys(text(x) for x in (details.get("actual_zh") or finding.get("reason_zh"),
                                                              details.get("actual") or finding.get("reason")) if x))
        remediation = text(details.get("remediation") or "")
        digests = {text(o): text(_dict(bundle.observations.get(text(o))).get("stdout_sha256", "not in bundle"))
                   for o in _list(finding.get("observations"))}
        evidence = "\n".join(f"{obs_id} · {digest}" for obs_id, digest in digests.items())
        attested = [text(e.get("statement")) for e in _list(finding.get("evidence"))
                    if isinstance(e, dict) and e.get("basis") == "attested"]
        if attested:
            evidence = "\n".join([*attested, evidence]).strip()
        for host in _list(finding.get("hosts")):
            by_host.setdefault(text(host), []).append(
                (order.index(rule_id) if rule_id in order else len(order),
                 (item, required, actual, conclusion, remediation, evidence)))
    return {host: [row for _, row in sorted(items, key=lambda x: x[0])] for host, items in by_host.items()}


def render_xlsx(bundle: Bundle) -> bytes:
    """One sheet per host. Every cell is written as text (reports.cells): foreign text is never a formula, a sheet
    title is made valid and unique from the host name, which stays whole in the sheet's first cell's comment."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]  # a new workbook always has its first sheet
    per_host = rows(bundle)
    if not per_host:
        sheet = book.create_sheet("MLPS")
        sheet.append(["这份结果不含等保三级主机项 (this result holds no MLPS level 3 host items)"])
    titles: set[str] = set()
    for host, host_rows in per_host.items():
        title = sheet_title(host, titles)
        sheet = book.create_sheet(title)
        for column, (name, _) in enumerate(COLUMNS, start=1):
            set_xlsx_text(sheet.cell(row=1, column=column), name)
            sheet.cell(row=1, column=column).font = Font(bold=True)
        if title != host:
            sheet.cell(row=1, column=1).comment = Comment(xml_text(f"主机 host: {host}"), "ihcheck")
        for number, row in enumerate(host_rows, start=2):
            for column, value in enumerate(row, start=1):
                set_xlsx_text(sheet.cell(row=number, column=column), value)
            fill = FILL.get(row[3].split(" ")[0])
            if fill:
                sheet.cell(row=number, column=4).fill = PatternFill("solid", fgColor=fill)
        for index, (_, width) in enumerate(COLUMNS, start=1):
            sheet.column_dimensions[chr(64 + index)].width = width
        for line in sheet.iter_rows(min_row=2):
            for cell in line:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "B2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
