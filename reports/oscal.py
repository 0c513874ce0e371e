"""OSCAL (NIST's Open Security Controls Assessment Language) for compliance tooling: the rule
catalogue as an OSCAL catalog, and a bundle's findings as OSCAL assessment-results that reference it.

Built as OSCAL JSON and parsed through compliance-trestle's models (so every field is checked
against OSCAL's schema as trestle knows it), then serialised by trestle.

Mapping:
    rule                    catalog control (id = rule id) in a group per source document; its
                            statement part carries the clause in Chinese and English, props its
                            severity, scope and clause number
    check run               one result (start/end of the check; reviewed-controls = the rules judged)
    observation cited       observation (methods TEST, collected = when the command ran), whose
                            relevant-evidence points at a back-matter resource: the observation's
                            file in the bundle with its SHA-256 (rlink hashes) — the bundle's own
                            evidence, verifiable with `ihcheck verify`
    finding                 finding targeting the control: pass → satisfied/pass; fail →
                            not-satisfied/fail; inconclusive, error → not-satisfied/other (the
                            remarks say it could not be decided: never reported as satisfied);
                            not_applicable → satisfied/other; hosts and verdict as props
    waiver                  the finding's remarks name it; the verdict stays

There is no OSCAL assessment plan behind an ihcheck run; `import-ap` points at the catalog the
results were judged against, and says so in its remarks.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from reports.load import Bundle

OSCAL_VERSION = "1.1.2"
NS = "https://ihcheck.invalid/ns/oscal"  # property namespace for ihcheck's own names (a reserved .invalid host)
CATALOG_FILE = "ihcheck-catalog.json"
_NAMESPACE = uuid.UUID("6f1d6c1e-1c55-4d51-9f3a-6a1b1d0c2a01")

STATUS = {"pass": ("satisfied", "pass"), "fail": ("not-satisfied", "fail"),
          "inconclusive": ("not-satisfied", "other"), "error": ("not-satisfied", "other"),
          "not_applicable": ("satisfied", "other")}


def _uuid(*parts: str) -> str:
    """Deterministic: the same bundle renders to the same OSCAL."""
    return str(uuid.uuid5(_NAMESPACE, "\0".join(parts)))


def _prop(name: str, value: Any) -> dict[str, str]:
    return {"name": name, "ns": NS, "value": str(value) if str(value) else "-"}


def _metadata(title: str, version: str, when: str) -> dict[str, Any]:
    return {"title": title, "last-modified": when, "version": version or "0", "oscal-version": OSCAL_VERSION}


def _when(value: Any) -> str:
    text = str(value or "")
    if not text:
        return datetime.now(UTC).isoformat(timespec="seconds")
    parsed = datetime.fromisoformat(text)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).isoformat()


def catalog_document(bundle: Bundle) -> dict[str, Any]:
    """The catalogue that judged this bundle, as an OSCAL catalog."""
    catalogue = bundle.catalogue
    version = str(catalogue.get("version") or (bundle.manifest.get("catalogue") or {}).get("version") or "")
    groups: dict[str, dict[str, Any]] = {}
    for rule in catalogue.get("rules") or ():
        clause = rule.get("clause") or {}
        document = clause.get("document") or {}
        group = groups.setdefault(document.get("id") or "ihcheck", {
            "id": (document.get("id") or "ihcheck").lower(),
            "title": " / ".join(t for t in (document.get("title_zh"), document.get("title_en")) if t) or "ihcheck",
            "props": [_prop("issuer", document.get("issuer_zh", "")), _prop("issued", document.get("issued", "")),
                      *([_prop("number", document["number"])] if document.get("number") else [])],
            **({"links": [{"href": document["url"], "rel": "reference"}]} if document.get("url") else {}),
            "controls": []})
        prose = "\n\n".join(t for t in (clause.get("text_zh"), clause.get("text_en")) if t) or rule.get("title", "")
        parts = [{"id": f"{rule['id']}_smt", "name": "statement", "prose": prose}]
        if clause.get("interpretation"):
            parts.append({"id": f"{rule['id']}_gdn", "name": "guidance", "prose": clause["interpretation"]})
        group["controls"].append({
            "id": rule["id"], "title": rule.get("title") or rule["id"],
            "props": [_prop("severity", rule.get("severity", "")), _prop("scope", rule.get("scope", "")),
                      _prop("clause", clause.get("ref", "")), {"name": "label", "value": rule["id"]}],
            "parts": parts})
    sha = str(catalogue.get("sha256") or (bundle.manifest.get("catalogue") or {}).get("sha256") or "")
    return {"catalog": {
        "uuid": _uuid("catalog", version, sha),
        "metadata": {**_metadata("ihcheck rule catalogue 互联网医院基础设施合规规则目录", version,
                                 _when(bundle.result.get("finished_at"))),
                     "props": [_prop("catalogue-sha256", sha)]},
        "groups": list(groups.values())}}


def assessment_results_document(bundle: Bundle) -> dict[str, Any]:
    result = bundle.result
    seed = bundle.digest("findings.json") or str(result.get("finished_at"))
    observations: list[dict[str, Any]] = []
    resources: list[dict[str, Any]] = []
    by_id: dict[str, str] = {}
    for finding in bundle.findings:
        for obs_id in finding.get("observations") or ():
            obs = bundle.observations.get(obs_id)
            if obs is None or obs_id in by_id:
                continue
            by_id[obs_id] = _uuid(seed, "observation", obs_id)
            resource = _uuid(seed, "resource", obs_id)
            digest = bundle.digest(obs["file"])
            resources.append({"uuid": resource, "title": f"observation {obs_id}",
                              "rlinks": [{"href": obs["file"], "media-type": "application/json",
                                          "hashes": [{"algorithm": "SHA-256", "value": digest}]}]})
            observations.append({
                "uuid": by_id[obs_id], "title": obs_id,
                "description": f"`{obs.get('command', '')}` on {obs.get('host', '')} over {obs.get('transport', '')}: "
                               f"exit status {obs.get('exit_status')}",
                "props": [_prop("observation-id", obs_id), _prop("stdout-sha256", obs.get("stdout_sha256", ""))],
                "links": [{"href": f"#{resource}", "rel": "evidence", "text": obs["file"]}],
                "methods": ["TEST"], "collected": _when(obs.get("started_at")),
                "relevant-evidence": [{"href": f"#{resource}",
                                       "description": f"bundle file {obs['file']} (sha256 {digest})"}]})
    findings = []
    for number, finding in enumerate(bundle.findings):
        verdict = finding["verdict"]
        state, reason = STATUS.get(verdict, ("not-satisfied", "other"))
        hosts = ", ".join(finding.get("hosts") or ()) or "deployment"
        remarks = [f"ihcheck verdict: {verdict}"]
        if verdict in ("inconclusive", "error"):
            remarks.append("could not be decided from what was observed; not reported as satisfied")
        if finding.get("waiver"):
            w = finding["waiver"]
            remarks.append(f"waived by {w.get('ticket')} until {w.get('expires')} ({w.get('justification')}); "
                           "the verdict stands")
        entry: dict[str, Any] = {
            "uuid": _uuid(seed, "finding", str(number), finding["rule_id"], hosts),
            "title": f"{finding['rule_id']} — {hosts}",
            "description": finding["reason"] or verdict,
            "props": [_prop("verdict", verdict), _prop("hosts", hosts)],
            "target": {"type": "statement-id", "target-id": f"{finding['rule_id']}_smt",
                       "status": {"state": state, "reason": reason}},
            "remarks": "; ".join(remarks)}
        related = [{"observation-uuid": by_id[o]} for o in finding.get("observations") or () if o in by_id]
        if related:
            entry["related-observations"] = related
        findings.append(entry)
    catalog_resource = _uuid(seed, "catalog")
    resources.insert(0, {"uuid": catalog_resource, "title": "ihcheck rule catalogue (OSCAL catalog)",
                         "rlinks": [{"href": CATALOG_FILE, "media-type": "application/oscal.catalog+json"}]})
    rule_ids = sorted({f["rule_id"] for f in bundle.findings})
    tool = result.get("tool") or {}
    return {"assessment-results": {
        "uuid": _uuid(seed, "assessment-results"),
        "metadata": {**_metadata("互联网医院基础设施合规检查结果 Internet hospital infrastructure assessment results",
                                 str(tool.get("version", "")), _when(result.get("finished_at"))),
                     "links": [{"href": f"#{catalog_resource}", "rel": "reference", "text": "rule catalogue"}],
                     "props": [_prop("inventory", result.get("inventory", "")),
                               _prop("signer-ed25519", (bundle.manifest.get("signer") or {}).get("ed25519", "")),
                               _prop("signer-sm2", (bundle.manifest.get("signer") or {}).get("sm2", ""))]},
        "import-ap": {"href": CATALOG_FILE, "remarks": "ihcheck runs have no OSCAL assessment plan: the rules "
                      "assessed are the controls of this catalog (reviewed-controls lists them)"},
        "results": [{
            "uuid": _uuid(seed, "result"),
            "title": f"ihcheck {tool.get('version', '')} check of {result.get('inventory', '')}",
            "description": f"Exit code {(result.get('summary') or {}).get('exit_code')}; verdicts "
                           + ", ".join(f"{k} {v}" for k, v in ((result.get("summary") or {}).get("verdicts")
                                                                or {}).items() if v),
            "start": _when(result.get("started_at")), "end": _when(result.get("finished_at")),
            "reviewed-controls": {"control-selections": [
                {"include-controls": [{"control-id": rule_id} for rule_id in rule_ids]}]},
            "observations": observations, "findings": findings}],
        "back-matter": {"resources": resources}}}


def _through_trestle(document: dict[str, Any]) -> str:
    """Parse with compliance-trestle's OSCAL models (raises on anything OSCAL does not allow), then
    serialise with trestle."""
    from trestle.oscal.assessment_results import AssessmentResults
    from trestle.oscal.catalog import Catalog

    (kind, body), = document.items()
    parsed = Catalog.model_validate(body) if kind == "catalog" else AssessmentResults.model_validate(body)
    return str(parsed.oscal_serialize_json(pretty=True)) + "\n"


def render_oscal(bundle: Bundle) -> str:
    return _through_trestle(assessment_results_document(bundle))


def render_oscal_catalog(bundle: Bundle) -> str:
    return _through_trestle(catalog_document(bundle))

