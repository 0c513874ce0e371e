"""Reports rendered from a bundle: HTML in a real browser, the topology, PDF, and real consumers of JUnit and SARIF."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from checker.catalogue import CATALOGUE
from checker.catalogue.materials_checklist import ITEM_IDS
from checker.engine import evaluate
from checker.model import Waiver
from probes.facts.connections import ConnectionFacts, OutboundConnection
from probes.facts.declared import Declarations
from probes.facts.egress import EgressPath
from probes.facts.geo import GeoIdentity
from probes.facts.power import PowerFacts, PowerSupplyUnit
from probes.facts.uplinks import Throughput, Uplink, UplinkFacts
from probes.materials_folder import read_documents
from reports.bundle import write_bundle
from reports.keys import SigningKeys
from reports.load import BundleInvalid, load_bundle
from reports.render import Format, excerpt, render, render_junit, render_sarif
from reports.result import CheckResult
from reports.topology import dot_source, render_svg
from reports.waivers import apply_waivers
from tests.factories import WHEN, deployment, host
from tests.reports.conftest import EXAMPLE_DOCS, ROOT, make_result, observations

SCHEMA = ROOT / "reports" / "schemas" / "sarif-schema-2.1.0.json"
SCREENSHOT = ROOT / "out" / "report-screenshot.png"
HOSTS = ("app1", "db1", "av1")


def _uplink(interface: str, gateway: str, egress: str, isp: str, asn: int, mbps: float) -> Uplink:
    identity = GeoIdentity(address=egress, country="CN", country_name="China", region="Guangdong", asn=asn, isp=isp,
                           simulated=True, source="simulated identities")
    return Uplink(interface=interface, gateways=(gateway,), addresses=(f"{gateway[:-1]}10/24",),
                  egress=EgressPath(interface=interface, gateway=gateway, address=egress, identity=identity),
                  upload=Throughput(direction="upload", mbps=mbps, margin_mbps=0.4),
                  download=Throughput(direction="download", mbps=mbps * 2, margin_mbps=0.6))


def rich_result(tmp: Path) -> tuple[CheckResult, Path]:
    """Three hosts in two declared data centres, two ISPs, power readings, materials and a waiver."""
    _, inventory = make_result(tmp)
    uplinks = UplinkFacts(uplinks=(
        _uplink("eth0", "198.51.100.1", "203.0.113.7", "China Telecom 中国电信", 4134, 42.0),
        _uplink("eth1", "198.51.101.1", "203.0.114.9", "China Unicom 中国联通", 4837, 18.5),
    ), observations=("app1#1",))
    power = PowerFacts(psus=(
        PowerSupplyUnit(name="PS1", source="ipmi", via="BMC", present=True, healthy=True, states=(), observations=("db1#1",)),
        PowerSupplyUnit(name="PS2", source="ipmi", via="BMC", present=True, healthy=True, states=(), observations=("db1#1",)),
    ), observations=("db1#1",))
    pool = ConnectionFacts(outbound=(OutboundConnection(peer_address="10.0.0.9", peer_port=5432, process="python3",
                                                        count=2),), observations=("app1#9",))
    facts = deployment(
        host("app1", "nginx", uplinks=uplinks, connections=pool, declared=Declarations(datacenter="广州机房A")),
        host("db1", "postgresql", "tomcat", power=power,
             declared=Declarations(datacenter="广州机房A")).model_copy(update={"address": "10.0.0.9"}),
        host("av1", "coturn", "janus", declared=Declarations(datacenter="深圳机房B")),
    ).model_copy(update={"documents": read_documents(EXAMPLE_DOCS, ITEM_IDS)})
    findings = evaluate(facts, CATALOGUE)
    waiver = Waiver(rule_id="GD2020-1.2.3-db-app-split", justification="split scheduled for the December window",
                    owner="信息科 张工", ticket="OPS-7", expires=WHEN.date() + timedelta(days=30))
    findings, _ = apply_waivers(findings, [waiver], today=WHEN.date(), known_rules=[r.id for r in CATALOGUE])
    result = CheckResult.build(rules=CATALOGUE, facts=facts, findings=findings,
                               observations=observations((("av1", "turnserver", 3478),)),
                               started_at=WHEN, finished_at=WHEN + timedelta(seconds=5))
    return result, inventory


@pytest.fixture(scope="module")
def rich_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("rich")
    result, inventory = rich_result(tmp)
    return write_bundle(result, inventory, tmp / "bundle", keys=SigningKeys.generate()).directory


def test_topology_is_drawn_from_observed_facts(rich_bundle: Path) -> None:
    bundle = load_bundle(rich_bundle)
    dot = dot_source(bundle.facts)
    svg = render_svg(dot)
    assert svg is not None and svg.startswith("<svg")
    svg = html.unescape(svg)
    for name in (*HOSTS, "广州机房A", "深圳机房B", "China Telecom", "China Unicom", "AS4134", "AS4837",
                 "203.0.113.7", "PostgreSQL", "nginx", "PSU 2/2 healthy", "PostgreSQL :5432 (python3 ×2)"):
        assert name in svg, name


def test_topology_degrades_without_optional_fact_families() -> None:
    """An older bundle (no uplinks, power or A/V families) still draws its hosts; declared A/V endpoints show."""
    facts = {"hosts": [{"name": "old1", "address": "192.0.2.1", "reachable": True},
                       {"name": "gone", "address": "192.0.2.2", "reachable": False, "unreachable_reason": "timeout"},
                       {"name": "av2", "address": "192.0.2.3", "reachable": True,
                        "av": {"systems": [{"name": "vendor-rtc", "source": "declared", "address": "192.0.2.50",
                                            "handshakes": [{"outcome": "alive"}]}]}}]}
    dot = dot_source(facts)
    assert "internet" not in dot  # no provider observed: no made-up internet edge
    svg = render_svg(dot)
    assert svg is not None
    text = html.unescape(svg)
    for name in ("old1", "gone", "unreachable", "vendor-rtc", "alive"):
        assert name in text, name


def test_html_report_renders_in_chromium(rich_bundle: Path, tmp_path: Path) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    html = render(load_bundle(rich_bundle), Format.html).decode()
    for name in HOSTS:
        assert re.search(rf"<svg[\s\S]*>{name}<[\s\S]*</svg>", html), name
    assert "用于互联网医院运行的服务器不少于2套" in html  # the clause as issued
    assert "已豁免 waived" in html and "OPS-7" in html
    assert "ss -Htlnp" in html and "0.0.0.0:5432" in html  # the excerpt behind a finding
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    SCREENSHOT.parent.mkdir(exist_ok=True)
    SCREENSHOT.unlink(missing_ok=True)
    done = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                           "--disable-background-networking", "--disable-component-update", "--disable-sync",
                           f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={SCREENSHOT}",
                           "--window-size=1280,2400", page.as_uri()], capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    png = SCREENSHOT.read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 50_000  # a rendered page, not a blank one


def test_pdf_report_has_the_chinese_text_and_the_diagram(rich_bundle: Path, tmp_path: Path) -> None:
    if not (shutil.which("pdftotext") and shutil.which("pdffonts")):
        pytest.skip("poppler-utils (pdftotext, pdffonts) is not installed")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(render(load_bundle(rich_bundle), Format.pdf))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "基础设施合规检查报告" in text and "系统部署拓扑图" in text
    assert "用于互联网医院运行的服务器不少于2套" in text.replace(" ", "").replace("\n", "")
    for name in (*HOSTS, "China Telecom"):  # the topology SVG is drawn as text in the PDF
        assert name in text, name
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Noto-?Sans-?(Mono-)?CJK", fonts), fonts  # Chinese glyphs embedded, not tofu


def test_junit_is_read_by_junitparser(rich_bundle: Path, tmp_path: Path) -> None:
    from junitparser import Error, Failure, JUnitXml, Skipped

    path = tmp_path / "ihcheck.xml"
    path.write_text(render_junit(load_bundle(rich_bundle)), encoding="utf-8")
    xml = JUnitXml.fromfile(str(path))
    cases = {(case.classname, case.name): case for suite in xml for case in suite}
    findings = json.loads((rich_bundle / "findings.json").read_text())
    expected = {(f["rule_id"], h) for f in findings for h in (f["hosts"] or ["deployment"])}
    assert set(cases) == expected
    assert xml.tests == len(expected)

    def kinds(case: object) -> set[type]:
        return {type(r) for r in case.result}  # type: ignore[attr-defined]

    assert kinds(cases[("GD2020-1.2.3-servers", "app1")]) == set()  # three servers: pass
    waived = cases[("GD2020-1.2.3-db-app-split", "db1")]
    split = next(f for f in findings if f["rule_id"] == "GD2020-1.2.3-db-app-split")
    assert split["waiver"]["ticket"] == "OPS-7" and split["verdict"] == "fail"  # the original verdict is kept
    assert kinds(waived) == {Skipped} and "OPS-7" in waived.result[0].message
    inconclusive = [f for f in findings if f["verdict"] == "inconclusive" and not f.get("waiver")]
    assert inconclusive
    for f in inconclusive:
        case = cases[(f["rule_id"], f["hosts"][0])]
        assert kinds(case) == {Skipped} and f["reason"] in case.result[0].message
    for f in findings:
        if f["verdict"] in ("fail", "error") and not f.get("waiver"):
            assert kinds(cases[(f["rule_id"], f["hosts"][0])]) == {Failure if f["verdict"] == "fail" else Error}


def test_junit_error_verdict_is_an_error(tmp_path: Path) -> None:
    from junitparser import Error, JUnitXml

    result, inventory = make_result(tmp_path, documents=False)
    broken = deployment(host("app1", "nginx"), host("db1", errors={"identity": "ProbeError: garbled", "services": "x"}))
    findings = evaluate(broken, CATALOGUE[:1])
    result = result.model_copy(update={"facts": broken, "findings": tuple(
        CheckResult.build(rules=CATALOGUE[:1], facts=broken, findings=findings, observations=[],
                          started_at=WHEN, finished_at=WHEN).findings)})
    bundle = write_bundle(result, inventory, tmp_path / "b", keys=SigningKeys.generate()).directory
    path = tmp_path / "j.xml"
    path.write_text(render_junit(load_bundle(bundle)), encoding="utf-8")
    xml = JUnitXml.fromfile(str(path))
    assert xml.errors == 2 and all(isinstance(c.result[0], Error) for s in xml for c in s)


def test_sarif_validates_against_the_2_1_0_schema(rich_bundle: Path) -> None:
    import jsonschema

    schema = json.loads(SCHEMA.read_text())
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    log = json.loads(render_sarif(load_bundle(rich_bundle)))
    jsonschema.Draft4Validator(schema).validate(log)
    run = log["runs"][0]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == {r.id for r in CATALOGUE}
    split = next(r for r in run["results"] if r["ruleId"] == "GD2020-1.2.3-db-app-split")
    assert split["kind"] == "fail" and split["suppressions"][0]["status"] == "accepted"
    assert "OPS-7" in split["suppressions"][0]["justification"]
    kinds = {r["ruleId"]: r["kind"] for r in run["results"]}
    assert kinds["GD2020-1.2.3-servers"] == "pass" and "open" in kinds.values()
    # a broken SARIF document is rejected by the same validator (the check can fail)
    log["runs"][0]["results"][0]["kind"] = "maybe"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(schema).validate(log)


def test_json_report_is_the_result_schema(rich_bundle: Path) -> None:
    data = json.loads(render(load_bundle(rich_bundle), Format.json))
    assert data["schema"] == "ihcheck.result/1" and data["bundle"]["verified"] is True
    assert {o["id"] for o in data["observations"]} >= {o for f in data["findings"] for o in f["observations"]}


def test_reports_refuse_a_bundle_that_does_not_verify(rich_bundle: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(rich_bundle, copy)
    (copy / "facts.json").write_text("{}")
    with pytest.raises(BundleInvalid, match=r"facts\.json"):
        load_bundle(copy)


def test_excerpt_keeps_the_lines_that_matter() -> None:
    out = "\n".join([f"noise {i}" for i in range(50)] + ["LISTEN 0 511 0.0.0.0:5432 users:((\"postgres\",pid=9))"])
    lines, more = excerpt(out, {"0.0.0.0:5432", "postgres"})
    assert lines == ["LISTEN 0 511 0.0.0.0:5432 users:((\"postgres\",pid=9))"] and more == 50
