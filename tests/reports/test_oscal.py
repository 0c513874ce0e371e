"""OSCAL assessment-results and the catalog they reference, validated by compliance-trestle's own
`trestle validate` in a trestle workspace, as a compliance team would."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from checker.catalogue import CATALOGUE
from ihcheck.cli import main

TRESTLE = Path(sys.executable).with_name("trestle")


def _validate(workspace: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(TRESTLE), "validate", "-a"], cwd=workspace, capture_output=True, text=True,
                          timeout=120, check=False)


@pytest.fixture(scope="module")
def oscal(rich_bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("oscal") / "results.json"
    assert main(["report", str(rich_bundle), "--format", "oscal", "--out", str(out)]) == 0
    return out


def test_trestle_validate_passes(oscal: Path, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    subprocess.run([str(TRESTLE), "init"], cwd=workspace, capture_output=True, check=True, timeout=120)
    for kind, name, source in (("assessment-results", "assessment-results.json", oscal),
                               ("catalogs", "catalog.json", oscal.with_name("ihcheck-catalog.json"))):
        (workspace / kind / "ihcheck").mkdir(parents=True)
        shutil.copy(source, workspace / kind / "ihcheck" / name)
    done = _validate(workspace)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("VALID: Model") == 2 and "INVALID" not in done.stdout
    # the same validation refuses a broken document
    broken = workspace / "assessment-results" / "ihcheck" / "assessment-results.json"
    broken.write_text(broken.read_text().replace('"state": "satisfied"', '"state": "maybe"', 1))
    assert _validate(workspace).returncode != 0


def test_every_finding_is_an_oscal_finding_with_its_evidence(oscal: Path, rich_bundle: Path) -> None:
    results = json.loads(oscal.read_text())["assessment-results"]
    catalog = json.loads(oscal.with_name("ihcheck-catalog.json").read_text())["catalog"]
    controls = {c["id"] for g in catalog["groups"] for c in g["controls"]}
    assert controls == {r.id for r in CATALOGUE}
    assert results["import-ap"]["href"] == "ihcheck-catalog.json"
    findings = json.loads((rich_bundle / "findings.json").read_text())
    manifest = json.loads((rich_bundle / "manifest.json").read_text())
    run = results["results"][0]
    assert len(run["findings"]) == len(findings)
    observations = {o["uuid"]: o for o in run["observations"]}
    resources = {r["uuid"]: r for r in results["back-matter"]["resources"]}
    for ours, theirs in zip(findings, run["findings"], strict=True):
        assert theirs["target"]["target-id"].removesuffix("_smt") in controls
        state = theirs["target"]["status"]["state"]
        assert state == ("satisfied" if ours["verdict"] in ("pass", "not_applicable") else "not-satisfied")
        cited = [observations[r["observation-uuid"]] for r in theirs.get("related-observations", ())]
        assert sorted(o["title"] for o in cited) == sorted(ours["observations"])
        for obs in cited:  # each links to its file in the bundle with the digest the signed manifest holds
            link = resources[obs["relevant-evidence"][0]["href"][1:]]["rlinks"][0]
            assert link["hashes"][0]["value"] == manifest["files"][link["href"]]["sha256"]
    inconclusive = next(f for f in run["findings"] if "inconclusive" in f["remarks"])
    assert inconclusive["target"]["status"] == {"state": "not-satisfied", "reason": "other"}
