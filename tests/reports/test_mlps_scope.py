"""The MLPS host baseline says its scope in every finding and in the report: a pass of it is never read as
等保三级 achieved (GD2020 一(二)1; only the assessor's 等级测评报告 and the 备案证明 establish that)."""

from __future__ import annotations

from pathlib import Path

from reports.keys import SigningKeys
from reports.load import load_bundle
from reports.render import render_html
from tests.reports.scenario_bundles import scenario_bundle


def test_every_mlps_finding_and_the_report_say_the_baseline_is_the_computing_environment_only(tmp_path: Path) -> None:
    bundle = load_bundle(scenario_bundle("compliant", tmp_path, SigningKeys.generate()))
    mlps = [f for f in bundle.findings if bundle.rule(f["rule_id"]).get("standard")]
    assert len(mlps) > 34  # every item on every host, and the boundary rule
    for finding in mlps:
        details = finding["details"]
        assert "安全计算环境" in details["scope_zh"] and "等级测评报告" in details["scope_zh"], finding["rule_id"]
        assert "not MLPS level 3 achieved" in details["scope"], finding["rule_id"]
    html = render_html(bundle)
    assert "全部符合也不等于等保三级测评通过" in html and "Passing every item is not MLPS level 3 achieved" in html
