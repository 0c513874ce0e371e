"""JUnit checked the way Jenkins' xunit plugin checks it (its junit-10.xsd), and read by junitparser as
GitLab/Surefire-style consumers read it: one testcase per deployment-scope rule, one per host for
host-scope rules, real durations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.catalogue import CATALOGUE, rule_by_id
from checker.engine import evaluate
from reports.bundle import write_bundle
from reports.junit import render_junit
from reports.keys import SigningKeys
from reports.load import load_bundle
from reports.result import CheckResult
from tests.factories import WHEN, deployment, host
from tests.reports.conftest import ROOT, make_result

XSD = ROOT / "reports" / "schemas" / "junit-10.xsd"
SCOPE = {r.id: r.scope for r in CATALOGUE}


@pytest.fixture(scope="module")
def junit(rich_bundle: Path) -> str:
    return render_junit(load_bundle(rich_bundle))


def test_junit_is_valid_against_jenkins_xunit_schema(junit: str) -> None:
    import xmlschema

    schema = xmlschema.XMLSchema(str(XSD))
    schema.validate(junit)
    # the report as it was before is refused by the same schema: `skipped` on <testsuites>
    before = junit.replace('<testsuites name="ihcheck"', '<testsuites skipped="3" name="ihcheck"', 1)
    assert not schema.is_valid(before)


def test_one_testcase_per_deployment_rule_and_per_host_for_host_rules(junit: str, rich_bundle: Path,
                                                                       tmp_path: Path) -> None:
    from junitparser import Error, Failure, JUnitXml, Skipped

    path = tmp_path / "ihcheck.xml"
    path.write_text(junit, encoding="utf-8")
    xml = JUnitXml.fromfile(str(path))
    cases = {(case.classname, case.name): case for suite in xml for case in suite}
    findings = json.loads((rich_bundle / "findings.json").read_text())
    expected = set()
    for f in findings:
        if SCOPE[f["rule_id"]] == "host":
            expected |= {(f["rule_id"], h) for h in f["hosts"]}
        else:
            expected.add((f["rule_id"], "deployment"))
    assert set(cases) == expected and xml.tests == len(expected)
    assert any(len(f["hosts"]) > 1 and SCOPE[f["rule_id"]] == "deployment" for f in findings)  # not repeated

    def kinds(case: object) -> set[type]:
        return {type(r) for r in case.result}  # type: ignore[attr-defined]

    assert kinds(cases[("GD2020-1.2.3-servers", "deployment")]) == set()  # three servers: pass
    waived = cases[("GD2020-1.2.3-db-app-split", "deployment")]
    assert kinds(waived) == {Skipped} and "OPS-7" in waived.result[0].message
    for f in findings:
        name = f["hosts"][0] if SCOPE[f["rule_id"]] == "host" else "deployment"
        if f.get("waiver"):
            continue
        want = {"fail": {Failure}, "error": {Error}, "inconclusive": {Skipped}, "not_applicable": {Skipped}}
        assert kinds(cases[(f["rule_id"], name)]) == want.get(f["verdict"], set())


def test_durations_are_the_evidence_gathering_time(tmp_path: Path) -> None:
    """The factories' identity observations take 1 s each (app1#1, db1#1): the servers testcase,
    which cites both, takes 2 s; a host-scope testcase takes only its own host's share."""
    result, inventory = make_result(tmp_path)
    bundle = write_bundle(result, inventory, tmp_path / "b", keys=SigningKeys.generate()).directory
    import xml.etree.ElementTree as ET

    root = ET.fromstring(render_junit(load_bundle(bundle)))
    times = {(c.get("classname"), c.get("name")): float(c.get("time") or "nan") for c in root.iter("testcase")}
    assert times[("GD2020-1.2.3-servers", "deployment")] == 2.0
    findings = {f["rule_id"]: f for f in json.loads((bundle / "findings.json").read_text())}
    assert findings["GD2020-1.2.3-servers"]["observations"]
    suite = next(s for s in root.iter("testsuite") if s.get("name") == "GD2020-1.2.3-servers")
    assert suite.get("time") == "2.000"
    assert float(root.get("time") or 0) == pytest.approx(sum(times.values()))


SERVERS_ONLY = (rule_by_id("GD2020-1.2.3-servers"),)  # by id, not catalogue position


def test_an_error_verdict_is_an_error(tmp_path: Path) -> None:
    from junitparser import Error, JUnitXml

    result, inventory = make_result(tmp_path, documents=False)
    broken = deployment(host("app1", "nginx"), host("db1", errors={"identity": "ProbeError: garbled", "services": "x"}))
    findings = evaluate(broken, SERVERS_ONLY)
    result = result.model_copy(update={"facts": broken, "findings": tuple(
        CheckResult.build(rules=SERVERS_ONLY, facts=broken, findings=findings, observations=[],
                          started_at=WHEN, finished_at=WHEN).findings)})
    bundle = write_bundle(result, inventory, tmp_path / "b", keys=SigningKeys.generate()).directory
    path = tmp_path / "j.xml"
    path.write_text(render_junit(load_bundle(bundle)), encoding="utf-8")
    xml = JUnitXml.fromfile(str(path))
    assert xml.errors == 1 and all(isinstance(c.result[0], Error) for s in xml for c in s)
