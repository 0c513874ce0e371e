"""Reports rendered from one verified bundle: HTML (Chinese first, English alongside), PDF, JSON,
JUnit XML (for CI) and SARIF 2.1.0 (for code-scanning dashboards).

Every format is rendered from the bundle alone, after it verified, so what a person reads is
what the regulator can check. Verdict mapping across formats:

    verdict         JUnit                    SARIF result.kind (level)
    pass            passed testcase          pass (none)
    fail            <failure>                fail (error for critical/high, warning otherwise)
    inconclusive    <skipped> with reason    open (none)
    error           <error>                  open (none) + a tool execution notification
    not_applicable  <skipped>                notApplicable (none)
    waived          <skipped> naming waiver  original kind, with an accepted suppression
"""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from checker import __version__
from reports.load import Bundle

VERDICT_ZH = {"pass": "符合", "fail": "不符合", "inconclusive": "无法判定", "error": "检查出错",
              "not_applicable": "不适用"}
BASIS_ZH = {"observed": "观测", "declared": "声明", "attested": "文件证明", "simulated": "模拟"}
STATUS_ZH = {"present": "已提供", "missing": "缺失", "expired": "已过期", "not_required": "不需要"}
EXCERPT_LINES = 12


class Format(StrEnum):
    html = "html"
    pdf = "pdf"
    json = "json"
    junit = "junit"
    sarif = "sarif"


# ---------------------------------------------------------------- JSON


def render_json(bundle: Bundle) -> str:
    """The bundle as one ihcheck.result/1 document (redacted), plus where it came from and who signed it."""
    data = dict(bundle.result)
    data.update({
        "facts": bundle.facts, "findings": bundle.findings,
        "observations": [_strip(o) for o in sorted(bundle.observations.values(), key=lambda o: o["file"])],
        "waivers": bundle.waivers,
        "bundle": {"source": bundle.source, "format": bundle.manifest.get("format"),
                   "signer": bundle.manifest.get("signer"), "redactions": bundle.manifest.get("redactions"),
                   "verified": bundle.verification.ok, "pinned_key": bundle.verification.pinned},
    })
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _strip(obs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obs.items() if k != "file"}


# ---------------------------------------------------------------- JUnit


def _case_hosts(finding: dict[str, Any]) -> list[str]:
    return list(finding.get("hosts") or ()) or ["deployment"]


def render_junit(bundle: Bundle) -> str:
    """One testsuite per rule, one testcase per rule × host the finding names."""
    root = ET.Element("testsuites", name="ihcheck")
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for finding in bundle.findings:
        by_rule.setdefault(finding["rule_id"], []).append(finding)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    stamp = bundle.result.get("finished_at", "")
    for rule_id, findings in by_rule.items():
        rule = bundle.rule(rule_id)
        suite = ET.SubElement(root, "testsuite", name=rule_id, timestamp=stamp)
        props = ET.SubElement(suite, "properties")
        clause = rule.get("clause") or {}
        cited = f"{(clause.get('document') or {}).get('id', '')} {clause.get('ref', '')}".strip()
        for key, value in (("title", rule.get("title", "")), ("clause", cited), ("severity", rule.get("severity", ""))):
            ET.SubElement(props, "property", name=key, value=str(value))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for finding in findings:
            many = len(finding.get("hosts") or ()) > 1
            for host in _case_hosts(finding):
                case = ET.SubElement(suite, "testcase", classname=rule_id, name=host, time="0")
                counts["tests"] += 1
                verdict, reason, waiver = finding["verdict"], finding["reason"], finding.get("waiver")
                if waiver:
                    ET.SubElement(case, "skipped", message=f"waived by {waiver['ticket']} until {waiver['expires']} "
                                  f"({waiver['justification']}); original verdict {verdict}: {reason}")
                    counts["skipped"] += 1
                elif verdict == "fail":
                    ET.SubElement(case, "failure", message=reason, type="fail").text = _evidence_text(finding)
                    counts["failures"] += 1
                elif verdict == "error":
                    ET.SubElement(case, "error", message=reason, type="error").text = _evidence_text(finding)
                    counts["errors"] += 1
                elif verdict in ("inconclusive", "not_applicable"):
                    ET.SubElement(case, "skipped", message=f"{verdict}: {reason}")
                    counts["skipped"] += 1
                out = _evidence_text(finding)
                if many:
                    out = f"deployment-wide finding over {', '.join(finding['hosts'])}\n{out}"
                ET.SubElement(case, "system-out").text = out
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _evidence_text(finding: dict[str, Any]) -> str:
    lines = [finding["reason"]]
    for item in finding.get("evidence") or ():
        obs = f" [{', '.join(item.get('observations') or ())}]" if item.get("observations") else ""
        lines.append(f"- ({item.get('basis')}) {item.get('statement')}{obs}")
    return "\n".join(lines)


# ---------------------------------------------------------------- SARIF


def render_sarif(bundle: Bundle) -> str:
    rules_index: dict[str, int] = {}
    rules: list[dict[str, Any]] = []
    for rule in bundle.catalogue.get("rules") or ():
        clause = rule.get("clause") or {}
        document = clause.get("document") or {}
        rules_index[rule["id"]] = len(rules)
        rules.append({
            "id": rule["id"], "name": re.sub(r"[^A-Za-z0-9]+", "", rule["id"].title()),
            "shortDescription": {"text": rule.get("title", rule["id"])},
            "fullDescription": {"text": f"{clause.get('text_zh', '')}\n{clause.get('text_en', '')}".strip()},
            "help": {"text": clause.get("interpretation") or rule.get("title", ""),
                     "markdown": f"**{document.get('title_zh', '')}** {clause.get('ref', '')}\n\n> "
                                 f"{clause.get('text_zh', '')}\n\n{clause.get('text_en', '')}"},
            "defaultConfiguration": {"level": _level(rule.get("severity"))},
            "properties": {"severity": rule.get("severity"), "document": document.get("id"),
                           "clause": clause.get("ref"), "tags": ["compliance", document.get("id", "")]},
        })
    results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    for finding in bundle.findings:
        rule_id = finding["rule_id"]
        rule = bundle.rule(rule_id)
        verdict = finding["verdict"]
        kind = {"pass": "pass", "fail": "fail", "not_applicable": "notApplicable"}.get(verdict, "open")
        result: dict[str, Any] = {
            "ruleId": rule_id, "kind": kind, "level": _level(rule.get("severity")) if kind == "fail" else "none",
            "message": {"text": f"[{verdict}] {finding['reason']}"},
            "locations": [{"logicalLocations": [{"name": host, "kind": "host"}]} for host in _case_hosts(finding)],
            "properties": {"verdict": verdict, "observations": finding.get("observations") or [],
                           "evidence": [e.get("statement") for e in finding.get("evidence") or ()]},
        }
        if rule_id in rules_index:
            result["ruleIndex"] = rules_index[rule_id]
        if finding.get("waiver"):
            w = finding["waiver"]
            result["suppressions"] = [{"kind": "external", "status": "accepted",
                                       "justification": f"{w['justification']} (owner {w['owner']}, ticket "
                                                        f"{w['ticket']}, expires {w['expires']})"}]
        results.append(result)
        if verdict == "error":
            notifications.append({"level": "error", "message": {"text": finding["reason"]},
                                  "associatedRule": {"id": rule_id}})
    for status in bundle.waivers:
        if status.get("state") != "applied":
            notifications.append({"level": "warning", "message": {"text": status.get("message", "")}})
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "ihcheck", "version": bundle.result.get("tool", {}).get("version", __version__),
                                "rules": rules,
                                "properties": {"catalogue": bundle.manifest.get("catalogue")}}},
            "invocations": [{"executionSuccessful": not any(n["level"] == "error" for n in notifications),
                             "startTimeUtc": bundle.result.get("started_at"),
                             "endTimeUtc": bundle.result.get("finished_at"),
                             "toolExecutionNotifications": notifications}],
            "results": results,
            "properties": {"inventory": bundle.result.get("inventory"), "signer": bundle.manifest.get("signer")},
        }],
    }
    return json.dumps(log, ensure_ascii=False, indent=2) + "\n"


def _level(severity: str | None) -> str:
    return "error" if severity in ("critical", "high") else "warning"


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
    return chosen[:EXCERPT_LINES], len(lines) - min(len(chosen), EXCERPT_LINES)


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
    return {
        "title_zh": "互联网医院接入省互联网医疗服务监管平台 基础设施合规检查报告",
        "title_en": "Internet hospital infrastructure compliance report for the provincial supervision platform",
        "hospital": hospital, "bundle": bundle, "result": bundle.result, "manifest": bundle.manifest,
        "verification": bundle.verification, "findings": findings, "counts": counts,
        "verdict_zh": VERDICT_ZH, "basis_zh": BASIS_ZH, "hosts": facts.get("hosts") or [],
        "svg": svg, "svg_error": svg_error, "dot": dot, "checklist": checklist, "waivers": bundle.waivers,
        "documents": facts.get("documents"), "rendered_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "tool_version": __version__,
    }


def render_html(bundle: Bundle, *, for_pdf: bool = False) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("reports", "templates"), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["b64"] = lambda text: base64.b64encode(str(text).encode("utf-8")).decode("ascii")
    return env.get_template("report.html.j2").render(**view(bundle), for_pdf=for_pdf)


def render_pdf(bundle: Bundle) -> bytes:
    import logging

    from weasyprint import HTML

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return bytes(HTML(string=render_html(bundle, for_pdf=True)).write_pdf())


def render(bundle: Bundle, fmt: Format) -> bytes:
    if fmt is Format.pdf:
        return render_pdf(bundle)
    text = {Format.html: render_html, Format.json: render_json, Format.junit: render_junit,
            Format.sarif: render_sarif}[fmt](bundle)
    return text.encode("utf-8")


def write_report(bundle: Bundle, fmt: Format, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(render(bundle, fmt))
