"""SARIF checked twice: against the OASIS 2.1.0 schema, and against GitHub code scanning's documented
upload requirements ("SARIF support for code scanning", docs.github.com), encoded below as checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from checker.catalogue import CATALOGUE
from reports.bundle import write_bundle
from reports.keys import SigningKeys
from reports.load import load_bundle
from reports.sarif import fingerprint, render_sarif
from tests.reports.conftest import ROOT, make_result

SCHEMA = ROOT / "reports" / "schemas" / "sarif-schema-2.1.0.json"
GITHUB_LEVELS = ("error", "warning", "note")  # the levels code scanning shows; `none` is not one of them


def github_upload_problems(log: dict[str, Any]) -> list[str]:
    """What GitHub code scanning would refuse or not show, per its "Supported properties" tables:
    required properties present and non-empty (the empty string is not accepted), the documented
    limits (20 runs, 25,000 results and rules per run, 1,000 locations per result, 20 tags per
    rule, 255-character names, 1,024-character descriptions), and a physical location on every
    result (codeql-action#1738: "expected artifact location")."""
    problems: list[str] = []
    if not log.get("$schema"):
        problems.append("$schema missing")
    if log.get("version") != "2.1.0":
        problems.append("version is not 2.1.0")
    runs = log.get("runs") or []
    if not runs or len(runs) > 20:
        problems.append(f"{len(runs)} runs (1..20)")
    for r, run in enumerate(runs):
        driver = (run.get("tool") or {}).get("driver") or {}
        if not driver.get("name"):
            problems.append(f"runs[{r}].tool.driver.name missing")
        rules = driver.get("rules") or []
        if not rules or len(rules) > 25_000:
            problems.append(f"runs[{r}]: {len(rules)} rules")
        ids = set()
        for i, rule in enumerate(rules):
            where = f"runs[{r}].rules[{i}]"
            ids.add(rule.get("id"))
            for key in ("shortDescription", "fullDescription", "help"):
                text = (rule.get(key) or {}).get("text") or ""
                if not text.strip():
                    problems.append(f"{where}.{key}.text empty")
                if key != "help" and len(text) > 1024:
                    problems.append(f"{where}.{key}.text over 1024 characters")
            if not rule.get("id"):
                problems.append(f"{where}.id missing")
            if len(rule.get("name") or "") > 255:
                problems.append(f"{where}.name over 255 characters")
            if len((rule.get("properties") or {}).get("tags") or ()) > 20:
                problems.append(f"{where}: over 20 tags")
            level = (rule.get("defaultConfiguration") or {}).get("level", "warning")
            if level not in GITHUB_LEVELS:
                problems.append(f"{where}.defaultConfiguration.level {level!r}")
        results = run.get("results")
        if results is None or len(results) > 25_000:
            problems.append(f"runs[{r}].results missing or over 25,000")
        for j, result in enumerate(results or ()):
            where = f"runs[{r}].results[{j}]"
            if not (result.get("message") or {}).get("text"):
                problems.append(f"{where}.message.text empty")
            if result.get("ruleId") not in ids:
                problems.append(f"{where}.ruleId {result.get('ruleId')!r} is no rule of the run")
            if result.get("level", "warning") not in GITHUB_LEVELS or result.get("kind", "fail") != "fail":
                problems.append(f"{where}: kind {result.get('kind')!r} level {result.get('level')!r} is no alert")
            if not (result.get("partialFingerprints") or {}).get("primaryLocationLineHash"):
                problems.append(f"{where}.partialFingerprints.primaryLocationLineHash missing")
            locations = result.get("locations") or []
            if not locations or len(locations) > 1000:
                problems.append(f"{where}: {len(locations)} locations (1..1000)")
            for k, location in enumerate(locations):
                physical = location.get("physicalLocation")
                if not physical or not (physical.get("artifactLocation") or {}).get("uri"):
                    problems.append(f"{where}.locations[{k}]: expected artifact location")
                    continue
                region = physical.get("region") or {}
                for key in ("startLine", "startColumn", "endLine", "endColumn"):
                    if not isinstance(region.get(key), int) or region[key] < 1:
                        problems.append(f"{where}.locations[{k}].region.{key} missing")
    return problems


@pytest.fixture(scope="module")
def sarif(rich_bundle: Path) -> dict[str, Any]:
    return json.loads(render_sarif(load_bundle(rich_bundle)))  # type: ignore[no-any-return]


def test_sarif_validates_against_the_2_1_0_schema(sarif: dict[str, Any]) -> None:
    import jsonschema

    schema = json.loads(SCHEMA.read_text())
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    jsonschema.Draft4Validator(schema).validate(sarif)
    broken = json.loads(json.dumps(sarif))
    broken["runs"][0]["results"][0]["kind"] = "maybe"  # the same validator rejects a broken document
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(schema).validate(broken)


def test_sarif_meets_github_code_scanning_upload_requirements(sarif: dict[str, Any], rich_bundle: Path) -> None:
    assert github_upload_problems(sarif) == []
    # the checks can fail: the report as it was before (logical locations only, passes as results)
    old = json.loads(json.dumps(sarif))
    result = old["runs"][0]["results"][0]
    result["locations"] = [{"logicalLocations": [{"name": "app1", "kind": "host"}]}]
    result["kind"], result["level"] = "pass", "none"
    del result["partialFingerprints"]
    problems = github_upload_problems(old)
    assert any("expected artifact location" in p for p in problems)
    assert any("is no alert" in p for p in problems) and any("primaryLocationLineHash" in p for p in problems)


def test_only_findings_to_act_on_are_alerts(sarif: dict[str, Any], rich_bundle: Path) -> None:
    findings = json.loads((rich_bundle / "findings.json").read_text())
    run = sarif["runs"][0]
    acted = [f for f in findings if f["verdict"] in ("fail", "error", "inconclusive")]
    assert len(run["results"]) == len(acted) and any(f["verdict"] == "pass" for f in findings)
    assert {r["properties"]["verdict"] for r in run["results"]} == {f["verdict"] for f in acted}
    passed = sum(n.get("pass", 0) for n in run["properties"]["not_alerts"].values())
    assert passed == sum(f["verdict"] == "pass" for f in findings)
    levels = {r["properties"]["verdict"]: r["level"] for r in run["results"]}
    assert levels.get("inconclusive") == "note" and levels.get("fail") == "error"
    split = next(r for r in run["results"] if r["ruleId"] == "GD2020-1.2.3-db-app-split")
    assert split["suppressions"][0]["status"] == "accepted" and "OPS-7" in split["suppressions"][0]["justification"]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == {r.id for r in CATALOGUE}
    for rule in run["tool"]["driver"]["rules"]:
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert rule["fullDescription"]["text"].startswith(next(r for r in CATALOGUE
                                                                 if r.id == rule["id"]).clause.text_zh[:10])


def test_a_host_finding_points_at_the_hosts_line_in_the_inventory(sarif: dict[str, Any], rich_bundle: Path) -> None:
    inventory = (rich_bundle / "inventory" / "files" / "inventory.yml").read_text().splitlines()
    given = json.loads((rich_bundle / "result.json").read_text())["inventory"]
    run = sarif["runs"][0]
    per_host = [r for r in run["results"] if len(r["properties"]["hosts"]) == 1
                and r["properties"]["hosts"][0] in ("app1", "db1")]
    assert per_host
    for result in per_host:
        host = result["properties"]["hosts"][0]
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == given  # the inventory path as the check was given it
        region = physical["region"]
        line = inventory[region["startLine"] - 1]
        assert line[region["startColumn"] - 1: region["endColumn"] - 1] == host, (line, region)
        assert result["partialFingerprints"]["primaryLocationLineHash"] == fingerprint(result["ruleId"], host)


def test_fingerprints_are_stable_across_runs_and_distinct(tmp_path: Path) -> None:
    prints = []
    for run in ("a", "b"):
        (tmp_path / run).mkdir()
        result, inventory = make_result(tmp_path / run)
        bundle = write_bundle(result, inventory, tmp_path / run / "bundle", keys=SigningKeys.generate()).directory
        log = json.loads(render_sarif(load_bundle(bundle)))
        prints.append([r["partialFingerprints"]["primaryLocationLineHash"] for r in log["runs"][0]["results"]])
    assert prints[0] == prints[1] and prints[0]
    assert len(set(prints[0])) == len(prints[0])  # one alert per rule × host, never merged


def test_help_uri_only_where_the_catalogue_is_published_and_its_anchors_exist(
        sarif: dict[str, Any], rich_bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """ihcheck has no documentation site: without --sarif-help-uri no rule gets a helpUri (none invented);
    with it, URL#rule-id, an anchor the rule table of `ihcheck rules --format markdown` (the README) carries."""
    from ihcheck.cli import main
    from ihcheck.rule_tables import rules_markdown

    driver = sarif["runs"][0]["tool"]["driver"]
    assert "informationUri" not in driver and not any("helpUri" in r for r in driver["rules"])
    published = "https://git.hospital.example/it/ihcheck/-/blob/main/README.md"
    assert main(["report", str(rich_bundle), "--format", "sarif", "--sarif-help-uri", published]) == 0
    driver = json.loads(capsys.readouterr().out)["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == published
    table = rules_markdown()
    for rule in driver["rules"]:
        base, anchor = rule["helpUri"].split("#")
        assert base == published and anchor == rule["id"].lower()
        assert f'<a id="{anchor}"></a>`{rule["id"]}`' in table
    assert (ROOT / "README.md").read_text(encoding="utf-8").count('<a id="gd2020-1.2.3-servers"></a>') == 1
    assert main(["report", str(rich_bundle), "--format", "sarif", "--sarif-help-uri", "javascript:alert(1)"]) == 65
    assert "--sarif-help-uri" in capsys.readouterr().err
