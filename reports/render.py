"""Reports rendered from one verified bundle: HTML (Chinese first, English alongside), PDF, JSON,
JUnit XML (for CI) and SARIF 2.1.0 (for code-scanning dashboards).

Every format is rendered from the bundle alone, after it verified, so what a person reads is
what the regulator can check. Verdict mapping across formats (reports.junit, reports.sarif):

    verdict         JUnit                    SARIF result (GitHub code scanning)
    pass            passed testcase          no result (counted in run.properties.not_alerts)
    fail            <failure>                kind fail, level error (critical/high) or warning
    inconclusive    <skipped> with reason    kind fail, level note, properties.verdict inconclusive
    error           <error>                  kind fail, level warning + a tool execution notification
    not_applicable  <skipped>                no result (counted)
    waived          <skipped> naming waiver  the result, with an accepted external suppression
"""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from checker import __version__
from checker.model import VERDICT_ZH
from reports.load import Bundle

BASIS_ZH = {"observed": "观测", "declared": "声明", "attested": "文件证明", "simulated": "模拟"}
STATUS_ZH = {"present": "已提供", "missing": "缺失", "expired": "已过期", "not_required": "不需要"}
EXCERPT_LINES = 12
EXCERPT_LINE_CHARS = 160  # a line longer than this is cut (a JSON blob on one line stays readable)
EXCERPT_CHARS = 1600  # and the excerpt as a whole stays within this many characters


class Format(StrEnum):
    html = "html"
    pdf = "pdf"
    json = "json"
    junit = "junit"
    sarif = "sarif"
    oscal = "oscal"  # OSCAL assessment-results (reports.oscal); the catalog it references is oscal-catalog
    oscal_catalog = "oscal-catalog"
    xlsx = "xlsx"  # the assessor's workbook of the MLPS level 3 host items (reports/xlsx.py)


# ---------------------------------------------------------------- JSON


def render_json(bundle: Bundle) -> str:
    """The bundle as one ihcheck.result/1 document (redacted), plus where it came from and who signed it."""
    data: dict[str, Any] = {}
    if not bundle.verification.trusted:  # first key of the document: what a reader must know before the rest
        from reports.verify import UNPINNED_WARNING, UNPINNED_ZH

        data["trust_warning"] = {"zh": UNPINNED_ZH, "en": UNPINNED_WARNING}
    data.update(bundle.result)
    data.update({
        "facts": bundle.facts, "findings": bundle.findings,
        "observations": [_strip(o) for o in sorted(bundle.observations.values(), key=lambda o: o["file"])],
        "waivers": bundle.waivers,
        "bundle": {"source": bundle.source, "format": bundle.manifest.get("format"),
                   "signer": bundle.manifest.get("signer"), "redactions": bundle.manifest.get("redactions"),
                   "verified": bundle.verification.ok, "pinned_key": bundle.verification.pinned,
                   "signer_established": bundle.verification.trusted,
                   "registered_as": bundle.verification.registered_as},
    })
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _strip(obs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obs.items() if k != "file"}


# ---------------------------------------------------------------- HTML and PDF


def _tokens(text: str) -> set[str]:
    """Words of an evidence statement worth finding in a command's output (names, addresses, ports)."""
    words = re.findall(r"[A-Za-z0-9_.:/\[\]-]{3,}", text)
    stop = {"the", "and", "not", "for", "with", "observed", "listening", "process", "processes", "application",
            "database", "machine", "hostname", "pid", "tcp", "udp", "identified", "running"}
    return {w.strip(".:,") for w in words if w.lower() not in stop and len(w.strip(".:,")) >= 3}


def excerpt(stdout: str, hints: set[str]) -> tuple[list[str], int]:
    """The stdout lines that carry the evidence (those naming what the statement names), and how many were left out."""
    lines = stdout.splitlines()
    chosen = [line for line in lines if any(h in line for h in hints)] if hints else []
    if not chosen:
        chosen = lines[: EXCERPT_LINES // 2]
    kept: list[str] = []
    budget = EXCERPT_CHARS
    for line in chosen[:EXCERPT_LINES]:
        cut = line if len(line) <= EXCERPT_LINE_CHARS else line[: EXCERPT_LINE_CHARS - 1] + "…"
        if len(cut) > budget:
            break
        kept.append(cut)
        budget -= len(cut)
    return kept, len(lines) - len(kept)


OVERVIEW_REASONS = 3  # a rule's overview row quotes at most this many of its findings; the rest are in the detail


def overview(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per rule for the verdicts table: its worst verdict, each host's verdict, and why in a few lines.

    A per-host rule has a finding per host (34 MLPS items × every host), so a row per finding made the overview of
    a four-host deployment 77 PDF pages of repeated passes. The row quotes the findings that set the rule's verdict
    (none when every host passed: it says so, and how many passes cite a document); every finding stays in full in
    the detail below, which `anchor` links to."""
    from checker.model import Verdict, worst

    rows: dict[str, dict[str, Any]] = {}
    for index, f in enumerate(findings, start=1):
        row = rows.setdefault(f["rule_id"], {"rule_id": f["rule_id"], "rule": f["rule"], "anchor": index,
                                             "findings": []})
        row["findings"].append(f)
    for row in rows.values():
        group = row.pop("findings")
        verdict = worst([Verdict(f["verdict"]) for f in group]).value
        hosts = [h for f in group for h in f["hosts"]]
        row |= {"verdict": verdict, "verdict_zh": VERDICT_ZH.get(verdict, ""),
                "waived": any(f.get("waiver") for f in group),
                "hosts": [(", ".join(f["hosts"]), f["verdict"]) for f in group] if len(group) > 1
                else [(", ".join(hosts), verdict)]}
        quoted = group if len(group) == 1 else [f for f in group if f["verdict"] == verdict != "pass"]
        attested = sum(1 for f in group if f["verdict"] == "pass"
                       and any(e.get("basis") == "attested" for e in f.get("evidence") or ()))
        row["reasons"] = [(f.get("reason_zh") or "", f["reason"]) for f in quoted[:OVERVIEW_REASONS]]
        row["more"] = len(quoted) - len(row["reasons"])
        if not quoted:
            zh = f"{len(group)} 项均符合" + (f"，其中 {attested} 项经文件证明（非观测）" if attested else "")
            en = f"all {len(group)} pass" + (f", {attested} of them attested (not observed)" if attested else "")
            row["reasons"] = [(zh, en)]
    return list(rows.values())


def view(bundle: Bundle) -> dict[str, Any]:
    """Everything the HTML template shows, computed once (the template only lays it out)."""
    from reports.topology import dot_source, render_svg

    findings = []
    for finding in bundle.findings:
        rule = bundle.rule(finding["rule_id"])
        hints_by_obs: dict[str, set[str]] = {}
        for item in finding.get("evidence") or ():
            for obs_id in item.get("observations") or ():
                hints_by_obs.setdefault(obs_id, set()).update(_tokens(item.get("statement", "")))
        excerpts = []
        for obs_id in finding.get("observations") or ():
            obs = bundle.observations.get(obs_id)
            if obs is None:
                continue
            lines, more = excerpt(obs.get("stdout", ""), hints_by_obs.get(obs_id, set()))
            excerpts.append({"id": obs_id, "command": obs.get("command"), "exit_status": obs.get("exit_status"),
                             "host": obs.get("host"), "transport": obs.get("transport"),
                             "started_at": obs.get("started_at"), "lines": lines, "more": more,
                             "stdout_sha256": obs.get("stdout_sha256"), "file": obs["file"],
                             "file_sha256": bundle.digest(obs["file"]),
                             "host_key_fingerprint": obs.get("host_key_fingerprint")})
        findings.append({**finding, "rule": rule, "verdict_zh": VERDICT_ZH.get(finding["verdict"], ""),
                         "excerpts": excerpts})
    facts = bundle.facts
    hospital = ((facts.get("documents") or {}).get("hospital")) or ""
    dot = dot_source(facts)
    try:
        svg = render_svg(dot)
        svg_error = None if svg is not None else "Graphviz (dot) is not installed: apt-get install graphviz"
    except (RuntimeError, OSError) as exc:
        svg, svg_error = None, str(exc)
    checklist = []
    for f in findings:  # the materials rules put one row per item under details.items
        for row in (f.get("details") or {}).get("items") or ():
            if isinstance(row, dict) and "item" in row and "status" in row:
                checklist.append({**row, "rule_id": f["rule_id"], "status_zh": STATUS_ZH.get(str(row["status"]), "")})
    counts = bundle.result.get("summary", {}).get("verdicts", {})
    from reports.xlsx import rows as mlps_rows

    # the MLPS baseline's scope, as the findings in the bundle say it (a bundle sealed before they did: none)
    scoped: dict[str, Any] = next((f["details"] for f in findings if (f.get("details") or {}).get("scope")), {})

    return {
        "title_zh": "互联网医院接入省互联网医疗服务监管平台 基础设施合规检查报告",
        "title_en": "Internet hospital infrastructure compliance report for the provincial supervision platform",
        "hospital": hospital, "bundle": bundle, "result": bundle.result, "manifest": bundle.manifest,
        "verification": bundle.verification, "findings": findings, "overview": overview(findings), "counts": counts,
        "verdict_zh": VERDICT_ZH, "basis_zh": BASIS_ZH, "hosts": facts.get("hosts") or [],
        "svg": svg, "svg_error": svg_error, "dot": dot, "checklist": checklist, "waivers": bundle.waivers,
        "documents": facts.get("documents"), "rendered_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "tool_version": __version__, "mlps": mlps_rows(bundle),
        "mlps_scope": scoped.get("scope", ""), "mlps_scope_zh": scoped.get("scope_zh", ""),
    }


def render_html(bundle: Bundle, *, for_pdf: bool = False) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("reports", "templates"), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    from reports.timefmt import local_time

    env.filters["local"] = local_time
    env.filters["b64"] = lambda text: base64.b64encode(str(text).encode("utf-8")).decode("ascii")
    return env.get_template("report.html.j2").render(**view(bundle), for_pdf=for_pdf)


def render_pdf(bundle: Bundle) -> bytes:
    import logging

    from weasyprint import HTML

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return bytes(HTML(string=render_html(bundle, for_pdf=True)).write_pdf())


def render(bundle: Bundle, fmt: Format, *, sarif_help_uri: str | None = None) -> bytes:
    """One report of the bundle; `sarif_help_uri` is where the rule catalogue is published (SARIF helpUri)."""
    if fmt is Format.sarif:
        from reports.sarif import render_sarif

        return render_sarif(bundle, help_uri=sarif_help_uri).encode("utf-8")
    if fmt is Format.pdf:
        return render_pdf(bundle)
    if fmt is Format.xlsx:
        from reports.xlsx import render_xlsx

        return render_xlsx(bundle)
    from reports.junit import render_junit
    from reports.oscal import render_oscal, render_oscal_catalog
    from reports.sarif import render_sarif

    text = {Format.html: render_html, Format.json: render_json, Format.junit: render_junit,
            Format.sarif: render_sarif, Format.oscal: render_oscal,
            Format.oscal_catalog: render_oscal_catalog}[fmt](bundle)
    return text.encode("utf-8")


def write_report(bundle: Bundle, fmt: Format, out: Path, data: bytes | None = None, *,
                 sarif_help_uri: str | None = None) -> None:
    """Write one report; OSCAL assessment-results get the catalog they reference written beside them."""
    from reports.files import write_atomic  # a report is whole or absent, never half-written

    if fmt is Format.oscal:
        from reports.oscal import CATALOG_FILE

        write_atomic(out.parent / CATALOG_FILE, render(bundle, Format.oscal_catalog))
    write_atomic(out, render(bundle, fmt, sarif_help_uri=sarif_help_uri) if data is None else data)
