"""JUnit XML for CI (Jenkins xunit, GitLab, Surefire-style readers), valid against Jenkins xunit's
`junit-10.xsd` (vendored in reports/schemas/).

One testsuite per rule. A deployment-scope rule (≥2 servers, ≥2 ISPs…) judges the whole
deployment at once, so it is one testcase named `deployment`, however many hosts its finding
names; a host-scope rule is one testcase per host. A testcase's `time` is real: the seconds its
evidence took to gather (the durations of the observations the finding cites for that host),
so a slow bandwidth measurement shows as slow. The schema puts `skipped` on `testsuite` only,
never on `testsuites`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET

from reports.cells import mapping, text, xml_text
from reports.load import Bundle

DEPLOYMENT = "deployment"


def _seconds(obs: dict[str, Any]) -> float:
    try:
        started = datetime.fromisoformat(str(obs["started_at"]))
        ended = datetime.fromisoformat(str(obs["ended_at"]))
        return max((ended - started).total_seconds(), 0.0)
    except (KeyError, ValueError, TypeError):  # absent, not a time, or one naive and one aware
        return 0.0


def _time(seconds: float) -> str:
    return f"{seconds:.3f}"  # xunit's SUREFIRE_TIME: digits, at most three decimals


def _cases(finding: dict[str, Any], scope: str) -> list[str | None]:
    """The testcases a finding makes: None is the deployment as a whole."""
    hosts = list(finding.get("hosts") or ())
    if scope == "host" and hosts:
        return list(hosts)
    return [None]


def _evidence_text(finding: dict[str, Any], host: str | None) -> str:
    lines = [text(finding.get("reason"))]
    hosts = [text(h) for h in finding.get("hosts") or () ] if isinstance(finding.get("hosts"), list) else []
    if host is None and len(hosts) > 1:
        lines.append(f"hosts: {', '.join(hosts)}")
    for item in finding.get("evidence") or ():
        if not isinstance(item, dict) or (host is not None and item.get("host") not in (None, host)):
            continue
        cited = [text(o) for o in item.get("observations") or ()] if isinstance(item.get("observations"), list) else []
        obs = f" [{', '.join(cited)}]" if cited else ""
        lines.append(f"- ({text(item.get('basis'))}) {text(item.get('statement'))}{obs}")
    return "\n".join(lines)


def _clean(finding: Any) -> dict[str, Any] | None:
    """A finding as the writer reads it: rule id, verdict and reason as text (a bundle is foreign data)."""
    if not isinstance(finding, dict):
        return None
    hosts = finding.get("hosts")
    return {**finding, "rule_id": text(finding.get("rule_id")), "verdict": text(finding.get("verdict")),
            "reason": text(finding.get("reason")),
            "hosts": [text(h) for h in hosts] if isinstance(hosts, list) else [],
            "evidence": [e for e in finding.get("evidence") or () if isinstance(e, dict)]
            if isinstance(finding.get("evidence"), list) else [],
            "observations": [text(o) for o in finding.get("observations") or ()]
            if isinstance(finding.get("observations"), list) else []}


def _waived(waiver: Any, verdict: str, reason: str) -> str:
    """The skip message of a waived finding; a waiver without ticket or expiry says so rather than crashing."""
    w = waiver if isinstance(waiver, dict) else {}
    return (f"waived by {text(w.get('ticket')) or '(no ticket)'} until {text(w.get('expires')) or '(no expiry)'} "
            f"({text(w.get('justification'))}); original verdict {verdict}: {reason}")


def render_junit(bundle: Bundle) -> str:
    root = ET.Element("testsuites", name="ihcheck")
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for raw in bundle.findings if isinstance(bundle.findings, list) else ():
        finding = _clean(raw)
        if finding is not None:
            by_rule.setdefault(finding["rule_id"], []).append(finding)
    totals = {"tests": 0, "failures": 0, "errors": 0}
    total_time = 0.0
    stamp = text(bundle.result.get("finished_at", ""))
    for rule_id, findings in by_rule.items():
        rule = bundle.rule(rule_id)
        scope = str(rule.get("scope") or "deployment")
        suite = ET.SubElement(root, "testsuite", name=rule_id, timestamp=stamp)
        props = ET.SubElement(suite, "properties")
        clause = mapping(rule.get("clause"))
        document = mapping(clause.get("document"))
        cited = f"{text(document.get('id', ''))} {text(clause.get('ref', ''))}".strip()
        for key, value in (("title", rule.get("title", "")), ("clause", cited),
                           ("severity", rule.get("severity", "")), ("scope", scope)):
            ET.SubElement(props, "property", name=key, value=text(value))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        suite_time = 0.0
        for number, finding in enumerate(findings):
            for host in _cases(finding, scope):
                name = host or (DEPLOYMENT if len(findings) == 1 else f"{DEPLOYMENT} #{number + 1}")
                seconds = sum(_seconds(bundle.observations[o]) for o in finding["observations"]
                              if isinstance(bundle.observations.get(o), dict)
                              and (host is None or bundle.observations[o].get("host") == host))
                suite_time += seconds
                case = ET.SubElement(suite, "testcase", classname=rule_id, name=name, time=_time(seconds))
                counts["tests"] += 1
                verdict, reason, waiver = finding["verdict"], finding["reason"], finding.get("waiver")
                said = _evidence_text(finding, host)
                if waiver:
                    ET.SubElement(case, "skipped", message=_waived(waiver, verdict, reason))
                    counts["skipped"] += 1
                elif verdict == "fail":
                    ET.SubElement(case, "failure", message=reason, type="fail").text = said
                    counts["failures"] += 1
                elif verdict == "error":
                    ET.SubElement(case, "error", message=reason, type="error").text = said
                    counts["errors"] += 1
                elif verdict in ("inconclusive", "not_applicable"):
                    ET.SubElement(case, "skipped", message=f"{verdict}: {reason}", type=verdict)
                    counts["skipped"] += 1
                ET.SubElement(case, "system-out").text = said
        for key, value in counts.items():
            suite.set(key, str(value))
            if key in totals:
                totals[key] += value
        suite.set("time", _time(suite_time))
        total_time += suite_time
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", _time(total_time))
    for element in root.iter():  # XML 1.0 cannot hold a form feed or ESC from a reason: U+FFFD instead
        element.text = xml_text(element.text) if element.text is not None else None
        for key, value in element.attrib.items():
            element.set(key, xml_text(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
