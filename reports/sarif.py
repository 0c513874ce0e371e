"""SARIF 2.1.0 that GitHub code scanning accepts and shows (and any other SARIF consumer reads).

GitHub turns every `result` into an alert and refuses a result without a physical location
(github/codeql-action#1738: "expected artifact location"), so:

- only findings someone must act on are results: fail, error, inconclusive. A pass or
  not-applicable finding is no alert; the run's properties count them per rule instead.
- every result is located in the inventory file, on the line that defines the host it is about
  (a deployment-wide finding about no particular host: the inventory's first line). That is the
  file a hospital keeps in its repository, so the alert lands beside the host it concerns.
- `level` is one GitHub shows: fail → error (critical/high rules) or warning; error (a probe
  broke) → warning; inconclusive → note. SARIF allows a level other than `none` only on
  `kind: fail`, so those results carry `kind: fail` and the exact verdict in
  `properties.verdict` and the message's first word.
- `partialFingerprints.primaryLocationLineHash` is derived from the rule id and the host only
  (never from the reason, whose figures change run to run), so an alert stays one alert across
  runs and is closed when the finding passes.
- a waived finding is a result with an accepted external suppression (GitHub dismisses it).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import PurePosixPath
from typing import Any

from checker import __version__
from reports.load import Bundle

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
DESCRIPTION_LIMIT = 1024  # GitHub: shortDescription.text and fullDescription.text
NAME_LIMIT = 255  # GitHub: reportingDescriptor.name
ALERT_VERDICTS = ("fail", "error", "inconclusive")
INVENTORY_PREFIX = "inventory/files/"


def _clip(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _level(verdict: str, severity: str | None) -> str:
    if verdict == "fail":
        return "error" if severity in ("critical", "high") else "warning"
    return "warning" if verdict == "error" else "note"


def fingerprint(rule_id: str, host: str) -> str:
    """Stable identity of an alert: the rule and the host, nothing that changes between runs."""
    return hashlib.sha256(f"{rule_id}\0{host}".encode()).hexdigest()[:16] + ":1"


class InventoryLines:
    """Where each host is defined in the inventory file(s) the bundle carries, as SARIF regions.

    YAML (`  app1:`), INI (`app1 ansible_host=…`) and `host_vars/app1.yml` are recognised; the
    URI is the inventory path as the check was given it (relative paths stay relative, so GitHub
    matches them against the repository), joined with the file's place inside an inventory directory.
    """

    def __init__(self, bundle: Bundle) -> None:
        given = str(bundle.result.get("inventory") or bundle.manifest.get("inventory") or "inventory")
        self.files = {rel[len(INVENTORY_PREFIX):]: data.decode("utf-8", "replace")
                      for rel, data in sorted(bundle.files.items()) if rel.startswith(INVENTORY_PREFIX)}
        only = next(iter(self.files)) if len(self.files) == 1 else None
        # one file at the top of the bundle's inventory/: the inventory was that file (a directory keeps its tree)
        self.single = only is not None and "/" not in only
        self.base = given if self.single else given.rstrip("/")

    def uri(self, rel: str) -> str:
        path = self.base if self.single else f"{self.base}/{rel}"
        return PurePosixPath(path).as_uri() if path.startswith("/") else path

    def locate(self, host: str | None) -> dict[str, Any]:
        if not self.files:
            return {"artifactLocation": {"uri": self.base}, "region": _region(1, 1, 1)}
        if host:
            found = self._find(host)
            if found:
                rel, line, column = found
                return {"artifactLocation": {"uri": self.uri(rel)}, "region": _region(line, column, len(host))}
        rel = next(iter(self.files))
        first = (self.files[rel].splitlines() or [""])[0]
        return {"artifactLocation": {"uri": self.uri(rel)}, "region": _region(1, 1, max(len(first), 1))}

    def _find(self, host: str) -> tuple[str, int, int] | None:
        name = re.escape(host)
        patterns = (re.compile(rf"^(\s*)['\"]?{name}['\"]?\s*:"),  # YAML mapping key
                    re.compile(rf"^(\s*){name}(\s|$)"))  # INI host line
        for pattern in patterns:
            for rel, text in self.files.items():
                for number, line in enumerate(text.splitlines(), start=1):
                    match = pattern.match(line)
                    if match:
                        return rel, number, len(match.group(1)) + 1 + (1 if line.lstrip()[0] in "'\"" else 0)
        for rel in self.files:
            if PurePosixPath(rel).stem == host and "host_vars" in PurePosixPath(rel).parts:
                return rel, 1, 1
        return None


def _region(line: int, column: int, length: int) -> dict[str, int]:
    return {"startLine": line, "startColumn": column, "endLine": line, "endColumn": column + length}


def _rule_descriptor(rule: dict[str, Any], help_uri: str | None) -> dict[str, Any]:
    clause = rule.get("clause") or {}
    document = clause.get("document") or {}
    cited = f"{document.get('title_zh', '')} {clause.get('ref', '')}".strip()
    text = "\n".join(t for t in (clause.get("text_zh"), clause.get("text_en")) if t) or rule.get("title", rule["id"])
    help_text = (f"{cited}: {clause.get('text_zh', '')}\n{clause.get('text_en', '')}\n\n"
                 f"{clause.get('interpretation') or rule.get('title', '')}").strip()
    descriptor: dict[str, Any] = {
        "id": rule["id"],
        "name": _clip(re.sub(r"[^A-Za-z0-9]+", "", rule["id"].title()), NAME_LIMIT),
        "shortDescription": {"text": _clip(rule.get("title") or rule["id"])},
        "fullDescription": {"text": _clip(text)},
        "help": {"text": help_text,
                 "markdown": f"**{cited}**\n\n> {clause.get('text_zh', '')}\n\n{clause.get('text_en', '')}\n\n"
                             f"**How ihcheck reads it:** {clause.get('interpretation') or rule.get('title', '')}"},
        "defaultConfiguration": {"level": _level("fail", rule.get("severity"))},
        "properties": {"tags": ["compliance", "infrastructure", *([document["id"]] if document.get("id") else [])],
                       "precision": "high", "problem.severity": "error" if _level("fail", rule.get("severity"))
                       == "error" else "warning",
                       "severity": rule.get("severity"), "scope": rule.get("scope"), "clause": clause.get("ref")},
    }
    if help_uri:
        descriptor["helpUri"] = f"{help_uri}#{rule['id'].lower()}"
    return descriptor


def render_sarif(bundle: Bundle, *, help_uri: str | None = None) -> str:
    """The bundle's findings as one SARIF run; `help_uri` is where the rule documentation is published."""
    catalogue_rules = list(bundle.catalogue.get("rules") or ())
    known = {r["id"] for r in catalogue_rules}
    catalogue_rules += [bundle.rule(f["rule_id"]) for f in bundle.findings if f["rule_id"] not in known]
    rules = [_rule_descriptor(rule, help_uri) for rule in catalogue_rules]
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    lines = InventoryLines(bundle)
    results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    not_alerts: dict[str, dict[str, int]] = {}
    for finding in bundle.findings:
        rule_id, verdict = finding["rule_id"], finding["verdict"]
        if verdict not in ALERT_VERDICTS:
            counts = not_alerts.setdefault(rule_id, {})
            counts[verdict] = counts.get(verdict, 0) + 1
            continue
        rule = bundle.rule(rule_id)
        hosts = list(finding.get("hosts") or ())
        primary = hosts[0] if len(hosts) == 1 else None  # a deployment-wide finding is about no single host
        locations = [{"physicalLocation": lines.locate(primary),
                      "logicalLocations": [{"name": primary or "deployment",
                                            "kind": "host" if primary else "deployment"}]}]
        result: dict[str, Any] = {
            "ruleId": rule_id, "ruleIndex": index[rule_id], "kind": "fail",
            "level": _level(verdict, rule.get("severity")),
            "message": {"text": f"{verdict}: {finding['reason']}"},
            "locations": locations,
            "relatedLocations": [{"id": i, "physicalLocation": lines.locate(h),
                                  "message": {"text": f"host {h}"}} for i, h in enumerate(hosts[:10])
                                 ] if len(hosts) > 1 else [],
            "partialFingerprints": {"primaryLocationLineHash": fingerprint(rule_id, primary or "deployment")},
            "properties": {"verdict": verdict, "hosts": hosts, "observations": finding.get("observations") or [],
                           "evidence": [f"({e.get('basis')}) {e.get('statement')}" for e in
                                        finding.get("evidence") or ()]},
        }
        if not result["relatedLocations"]:
            del result["relatedLocations"]
        if finding.get("waiver"):
            w = finding["waiver"]
            result["suppressions"] = [{"kind": "external", "status": "accepted",
                                       "justification": f"{w['justification']} (owner {w['owner']}, ticket "
                                                        f"{w['ticket']}, expires {w['expires']})"}]
        results.append(result)
        if verdict == "error":
            notifications.append({"level": "error", "message": {"text": finding["reason"]},
                                  "associatedRule": {"id": rule_id, "index": index[rule_id]}})
    for status in bundle.waivers:
        if status.get("state") != "applied":
            notifications.append({"level": "warning", "message": {"text": status.get("message") or "waiver"}})
    tool = bundle.result.get("tool") or {}
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "ihcheck", "version": tool.get("version", __version__),
                                "semanticVersion": tool.get("version", __version__),
                                "informationUri": help_uri, "rules": rules,
                                "properties": {"catalogue": bundle.manifest.get("catalogue")}}},
            "automationDetails": {"id": f"ihcheck/{bundle.result.get('finished_at', '')}"},
            "invocations": [{"executionSuccessful": not any(n["level"] == "error" for n in notifications),
                             "startTimeUtc": bundle.result.get("started_at"),
                             "endTimeUtc": bundle.result.get("finished_at"),
                             "toolExecutionNotifications": notifications}],
            "results": results,
            "properties": {"inventory": bundle.result.get("inventory"), "signer": bundle.manifest.get("signer"),
                           "not_alerts": not_alerts, "summary": bundle.result.get("summary")},
        }],
    }
    if not help_uri:
        del log["runs"][0]["tool"]["driver"]["informationUri"]  # type: ignore[index]
    return json.dumps(log, ensure_ascii=False, indent=2) + "\n"
