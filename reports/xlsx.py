"""The assessor's workbook: the MLPS level 3 host items, one sheet per host, in the columns a 测评机构 uses.

    测评项 | 标准要求 | 实际情况 | 结论 | 整改建议 | 证据

结论 is 符合 / 部分符合 / 不符合 / 无法判断 (pass / partly / fail / inconclusive or error); 证据 lists the
observation ids the finding rests on with the SHA-256 of each one's output, so an assessor can find the
exact command and output in the verified bundle it was rendered from.
"""

from __future__ import annotations

import io
from typing import Any

from reports.load import Bundle

COLUMNS = (("测评项 (item)", 46), ("标准要求 (required)", 46), ("实际情况 (observed)", 60), ("结论", 10),
           ("整改建议 (remediation)", 46), ("证据 (observation · SHA-256)", 48))
CONCLUSION = {"pass": "符合", "fail": "不符合", "inconclusive": "无法判断", "error": "无法判断",
              "not_applicable": "不适用"}
FILL = {"符合": "C6EFCE", "部分符合": "FFEB9C", "不符合": "FFC7CE", "无法判断": "E7E6E6", "不适用": "FFFFFF"}


def rows(bundle: Bundle) -> dict[str, list[tuple[str, ...]]]:
    """Per host, one row per MLPS item, in the catalogue's order."""
    order = [r["id"] for r in bundle.catalogue.get("rules", ()) if r.get("standard")]
    by_host: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
    for finding in bundle.findings:
        rule = bundle.rule(finding["rule_id"])
        standard = rule.get("standard")
        if not standard:
            continue
        details: dict[str, Any] = finding.get("details") or {}
        conclusion = details.get("conclusion") or CONCLUSION.get(finding["verdict"], finding["verdict"])
        if finding.get("waiver"):
            conclusion += " (豁免 waived)"
        item = f"{standard['ref']}\n{standard['text_zh']}"
        required = details.get("standard") or standard.get("interpretation", "")
        # what was found, in Chinese first (the assessor's language) and the English beneath
        actual = "\n".join(dict.fromkeys(x for x in (details.get("actual_zh") or finding.get("reason_zh"),
                                                        details.get("actual") or finding.get("reason")) if x))
        remediation = details.get("remediation") or ""
        evidence = "\n".join(
            f"{obs_id} · {bundle.observations.get(obs_id, {}).get('stdout_sha256', 'not in bundle')}"
            for obs_id in finding.get("observations") or ())
        attested = [e["statement"] for e in finding.get("evidence") or () if e.get("basis") == "attested"]
        if attested:
            evidence = "\n".join([*attested, evidence]).strip()
        for host in finding.get("hosts") or ():
            by_host.setdefault(host, []).append(
                (order.index(finding["rule_id"]) if finding["rule_id"] in order else len(order),
                 (item, required, actual, conclusion, remediation, evidence)))
    return {host: [row for _, row in sorted(items, key=lambda x: x[0])] for host, items in by_host.items()}


def render_xlsx(bundle: Bundle) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]  # a new workbook always has its first sheet
    per_host = rows(bundle)
    if not per_host:
        sheet = book.create_sheet("MLPS")
        sheet.append(["这份结果不含等保三级主机项 (this result holds no MLPS level 3 host items)"])
    for host, host_rows in per_host.items():
        sheet = book.create_sheet(host[:31])  # Excel's limit on sheet names
        sheet.append([name for name, _ in COLUMNS])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in host_rows:
            sheet.append(list(row))
            fill = FILL.get(row[3].split(" ")[0])
            if fill:
                sheet.cell(row=sheet.max_row, column=4).fill = PatternFill("solid", fgColor=fill)
        for index, (_, width) in enumerate(COLUMNS, start=1):
            sheet.column_dimensions[chr(64 + index)].width = width
        for line in sheet.iter_rows(min_row=2):
            for cell in line:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "B2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
