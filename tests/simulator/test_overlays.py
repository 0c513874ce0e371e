"""Scenarios as overlays of compliant.yaml, their expectations derived from the rule catalogue.

The fixtures in tests/data/catalogue/ are what main loaded before the overlays: every shipped scenario must
boot the same deployment (hosts and uplinks in the same order: addresses follow it) and expect the same
verdicts for the same rules. A deliberate change to a scenario updates them in the same commit.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from simulator import spec

DATA = Path(__file__).resolve().parents[1] / "data" / "catalogue"
SIMULATOR = Path(spec.__file__).resolve().parent


@pytest.mark.parametrize("name", spec.shipped_scenarios())
def test_every_scenario_resolves_to_the_same_deployment_and_expectations_as_before(name: str) -> None:
    _, scenario = spec.load(name)
    deployments = json.loads((DATA / "scenarios-before.json").read_text(encoding="utf-8"))
    expectations = json.loads((DATA / "expectations-before.json").read_text(encoding="utf-8"))
    # compared as JSON text so the order of hosts and uplinks counts
    assert json.dumps(scenario.model_dump(mode="json", exclude={"expect"}), ensure_ascii=False) == json.dumps(
        deployments[name], ensure_ascii=False)
    first = {r for verdicts in expectations.values() for r in verdicts} | {  # main's rules then, and the ones
        r for r in json.loads((DATA / "rejudged-before.json").read_text(encoding="utf-8"))["compliant"]}  # no scenario
    assert {r: v for r, v in scenario.expect.items() if r in first} == expectations[name]  # a rule added since: new


def test_no_rule_id_in_the_simulator_outside_the_scenario_files() -> None:
    rule_id = re.compile(r"\b(GD|BJ|QH)20\d\d-\d")
    offenders = [str(p.relative_to(SIMULATOR)) for p in SIMULATOR.rglob("*")
                 if p.is_file() and p.suffix not in (".yaml",) and "__pycache__" not in p.parts
                 and rule_id.search(p.read_text(encoding="utf-8", errors="replace"))]
    assert offenders == []


def test_a_fault_overlay_lists_only_what_it_changes() -> None:
    for name in spec.shipped_scenarios():
        if name == "compliant":
            continue
        text = (spec.scenario_dir() / f"{name}.yaml").read_text(encoding="utf-8")
        assert "\nextends: compliant\n" in text, name
        assert len(text.splitlines()) < 50, name  # was a 53–160 line copy of compliant.yaml


def test_a_new_rule_is_expected_to_pass_everywhere_without_touching_a_scenario(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import checker.catalogue as catalogue

    servers = catalogue.rule_by_id("GD2020-1.2.3-servers")
    demo = replace(servers, id="GD2020-1.2.3-demo", tags=("hardware",))
    monkeypatch.setattr(catalogue, "CATALOGUE", (*catalogue.CATALOGUE, demo))
    for name in ("compliant", "single-isp", "whitelist-lapsed"):
        assert spec.load(name)[1].expect[demo.id] == "pass", name


def test_tag_selectors_apply_before_rule_ids_and_null_means_not_compared(tmp_path: Path) -> None:
    overlay = tmp_path / "partial.yaml"
    overlay.write_text('description: "x"\nextends: compliant\nexpect:\n  GD2020-1.2.1-l3-ces1-03: fail\n'
                       "  tag:mlps: null\n  GD2020-1.2.5-isps: null\n", encoding="utf-8")
    expect = spec.load(overlay)[1].expect
    assert [r for r in expect if "ces1" in r] == ["GD2020-1.2.1-l3-ces1-03"]
    assert expect["GD2020-1.2.1-l3-ces1-03"] == "fail" and "GD2020-1.2.5-isps" not in expect
    assert expect["GD2020-1.2.3-servers"] == "pass"


def test_an_overlay_may_extend_a_file_beside_it_and_removes_keys_with_null(tmp_path: Path) -> None:
    (tmp_path / "lab.yaml").write_text('description: "lab"\nextends: compliant\nhosts:\n  av2: null\n'
                                       "av_systems:\n  sip-video: null\n", encoding="utf-8")
    (tmp_path / "lab-down.yaml").write_text('description: "lab, av1 down"\nextends: lab\nhosts:\n'
                                            "  av1: {sshd: down}\n", encoding="utf-8")
    _, scenario = spec.load(tmp_path / "lab-down.yaml")
    assert list(scenario.hosts) == ["app1", "db1", "av1"] and scenario.hosts["av1"].sshd == "down"
    assert list(scenario.av_systems) == ["turn-relay"]


def _error(path: Path) -> str:
    with pytest.raises(spec.SpecError) as caught:
        spec.load(path)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{path}: ")
    return message.removeprefix(f"{path}: ")


@pytest.mark.parametrize(("body", "expected"), [
    ("extends: compliant\nexpect:\n  GD2020-9-nothing: fail\n", "expect.GD2020-9-nothing: unknown rule"),
    ("extends: compliant\nexpect:\n  tag:nothing: null\n", "expect.tag:nothing: no rule has this tag"),
    ("extends: compliant\nexpect:\n  GD2020-1.2.5-isps: maybe\n", "expect.GD2020-1.2.5-isps: Input should be"),
    ("extends: nowhere\n", "extends: nowhere: unknown scenario"),
    ("extends: bad\n", "extends: 'bad' extends this file again"),
    ("extends: compliant\npilot: null\n", "expect: BJ2026-3-physicians is stated but the hospital declares no pilot"),
])
def test_bad_overlays_are_one_line_naming_file_and_field(tmp_path: Path, body: str, expected: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text('description: "bad"\n' + body, encoding="utf-8")
    assert _error(path).startswith(expected)


@pytest.mark.parametrize("name", ["compliant", "single-server"])
def test_the_copy_a_boot_keeps_reads_back_as_the_resolved_spec(tmp_path: Path, name: str) -> None:
    """`sim status`/`down` read the booted spec from the state directory: the overlay resolved, not its file."""
    from simulator.deploy import _load_copy, write_copy

    _, scenario = spec.load(name)
    text = write_copy(scenario, tmp_path).read_text(encoding="utf-8")
    assert "extends" not in text
    assert _load_copy(tmp_path) == scenario
