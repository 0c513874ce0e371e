"""The checker against whole simulated deployments: real containers, real sshd, real daemons.

Each scenario file states the verdict it expects per rule; these tests boot the scenario, write
its inventory, run the unchanged `ihcheck check` pipeline over real SSH, and compare. CI runs the
quick set (`-m containers`) and the full matrix (`-m matrix`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ihcheck.run import run_check
from reports.result import CheckResult

SCENARIOS = Path(__file__).resolve().parents[2] / "simulator" / "scenarios"
QUICK = ["compliant", "db-on-app-host", "host-unreachable"]
MATRIX = sorted(p.stem for p in SCENARIOS.glob("*.yaml") if p.stem not in QUICK)
RECORD = Path(__file__).resolve().parents[1] / "data" / "scenarios"

pytestmark = [pytest.mark.containers, pytest.mark.usefixtures("machine_to_ourselves")]


def check_scenario(name: str, tmp_path: Path) -> tuple[CheckResult, dict[str, str]]:
    from reports.bundle import write_bundle
    from reports.keys import SigningKeys
    from simulator.deploy import running, write_inventory

    with running(name) as deployment:
        inventory = write_inventory(deployment.scenario, tmp_path / "inventory.yml")
        result = run_check(inventory).result
        expected: dict[str, str] = {str(rule): str(verdict) for rule, verdict in deployment.spec.expect.items()}
        # the evidence is sealed while the deployment stands (its documents live in the simulation)
        write_bundle(result, inventory, tmp_path / "bundle", keys=SigningKeys.generate())
    if os.environ.get("IHCHECK_RECORD_FACTS") == "1":  # refresh tests/data/scenarios for the offline rule tests
        RECORD.mkdir(parents=True, exist_ok=True)
        record = {"scenario": name, "expect": expected, "facts": result.facts.model_dump(mode="json")}
        (RECORD / f"{name}.json").write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n")
    return result, expected


def assert_expected(result: CheckResult, expected: dict[str, str]) -> None:
    got = result.summary["rules"]
    mismatches = {rule: (want, got.get(rule)) for rule, want in expected.items() if got.get(rule) != want}
    reasons = {f.rule_id: f.reason for f in result.findings if f.rule_id in mismatches}
    assert not mismatches, json.dumps({"mismatches": mismatches, "reasons": reasons}, ensure_ascii=False, indent=1)
    cited = {o for f in result.findings for o in f.observations}
    assert cited <= {o.id for o in result.observations}


@pytest.mark.parametrize("name", QUICK)
def test_quick_scenarios(name: str, tmp_path: Path) -> None:
    result, expected = check_scenario(name, tmp_path)
    assert_expected(result, expected)
    hosts = {h.name: h for h in result.facts.hosts}
    if name == "host-unreachable":
        down = [h for h in hosts.values() if not h.reachable]
        assert len(down) == 1, "exactly one host has its sshd stopped"
        up = [h for h in hosts.values() if h.reachable]
        # the other hosts' facts are still reported
        assert up and all(h.identity is not None and h.services is not None for h in up)
        assert all(h.host_key_verified for h in up)
    else:
        assert all(h.reachable and h.host_key_verified for h in hosts.values())
    if name == "db-on-app-host":
        split = next(f for f in result.findings if f.rule_id == "GD2020-1.2.3-db-app-split")
        assert split.verdict.value == "fail" and "same machine" in split.reason
    if name == "compliant":
        exchanges_proven_from_the_application_host(result)
        evidence_of_a_simulated_run(result, tmp_path)


def exchanges_proven_from_the_application_host(result: CheckResult) -> None:
    """The hospital side is proven by real exchanges run on app1 over SSH, and the evidence names them."""
    app = next(h for h in result.facts.hosts if h.name == "app1")
    assert app.exchange is not None
    origins = {e.endpoint.name: (e.result.origin, e.result.outcome) for e in app.exchange.exchanges}
    # the platform twice: production (the feed) and its test environment (GD2020-2.3-platform-access)
    assert origins == dict.fromkeys(("his", "lis", "emr", "ecg", "pacs", "pathology", "platform", "platform-test"),
                                    ("app1", "ok"))
    statements = " ".join(e["statement"] for f in result.findings
                          if f.rule_id.startswith(("GD2020-1.2.1", "GD2020-1.2.2", "GD2020-3.2.1")) for e in f.evidence)
    for words in ("IHCHECK → PACS accepted", "C-ECHO status 0x0000 Success", "ACK MSA-1 AA, MSA-2",
                  "fhirVersion 4.0.1", "verified handshake: TLSv1.", "valid ", "last successful push"):
        assert words in statements, words
    wire = [o for o in result.observations if "ihcheck wire" in o.command]
    assert wire and all(o.transport == "paramiko" and o.host == "app1" for o in wire)


def evidence_of_a_simulated_run(result: CheckResult, tmp_path: Path) -> None:
    """The bundle of a real simulated run verifies after the deployment is gone, one flipped byte is named,
    and its HTML report draws every simulated host (and the observed app → database link) in a real
    browser; the screenshot is for a person to look at."""
    import html
    import shutil
    import subprocess

    from reports.load import load_bundle
    from reports.render import Format, render
    from reports.verify import verify_bundle

    bundle = tmp_path / "bundle"
    assert verify_bundle(bundle).ok and verify_bundle(bundle.with_name("bundle.tar.gz")).ok
    page = render(load_bundle(bundle), Format.html).decode()
    svg = html.unescape(page[page.index("<svg"):page.index("</svg>")])
    for host in result.facts.hosts:
        assert f">{host.name}<" in svg, host.name
    assert "PostgreSQL :5432 (python3 ×2)" in svg
    findings = bundle / "findings.json"
    data = bytearray(findings.read_bytes())
    data[len(data) // 2] ^= 0x01
    findings.write_bytes(bytes(data))
    tampered = verify_bundle(bundle)
    assert not tampered.ok and tampered.first is not None and tampered.first.path == "findings.json"
    chromium = shutil.which("chromium")
    if chromium is None:
        return
    (tmp_path / "report.html").write_text(page, encoding="utf-8")
    shot = Path(__file__).resolve().parents[2] / "out" / "simulated-report-screenshot.png"
    shot.parent.mkdir(exist_ok=True)
    done = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           "--disable-background-networking", "--disable-component-update", "--disable-sync",
                           f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1280,2400",
                           (tmp_path / "report.html").as_uri()], capture_output=True, timeout=120, check=False)
    assert done.returncode == 0 and shot.read_bytes().startswith(b"\x89PNG"), done.stderr[-2000:]


@pytest.mark.matrix
@pytest.mark.parametrize("name", MATRIX)
def test_scenario_matrix(name: str, tmp_path: Path) -> None:
    result, expected = check_scenario(name, tmp_path)
    assert_expected(result, expected)
    reasons = {f.rule_id: f.reason for f in result.findings}
    if name == "whitelist-lapsed":  # the two physicians the scenario made fall short, by roster row
        assert "(row 7): independent practice since" in reasons["BJ2026-3-physicians"]
        assert "(row 8): in-house internet diagnosis training not passed" in reasons["BJ2026-3-physicians"]
    if name == "trail-edited":  # the record changed after the fact, by line and seq
        assert "line 17 (seq 17): the record was changed after it was written" in reasons["BJ2026-1-traceability"]


def test_every_fault_scenario_is_covered() -> None:
    names = {p.stem for p in SCENARIOS.glob("*.yaml")}
    required = {"compliant", "single-server", "db-on-app-host", "single-isp", "slow-uplink", "server-abroad",
                "single-av-system", "no-power-redundancy", "host-unreachable", "pacs-down", "hl7-rejects",
                "expired-tls"}
    assert required <= names, required - names
