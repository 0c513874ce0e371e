"""`ihcheck diff` and `ihcheck fleet` over bundles made from the recorded scenarios' real facts."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from ihcheck.cli import main
from reports.keys import SigningKeys
from tests.reports.scenario_bundles import scenario_bundle

BANDWIDTH = "GD2020-1.2.5-bandwidth"
KEYS = SigningKeys.generate()


def guangdong(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The Guangdong rules' changes: the Beijing pilot is declared (`pilot:`) in compliant but not in the fault
    scenarios, so its rules go from pass to not_applicable between them by design."""
    return [r for r in rules if str(r["rule_id"]).startswith("GD2020-")]


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("scenarios")
    made = {name: scenario_bundle(name, tmp, KEYS)
            for name in ("compliant", "slow-uplink", "db-on-app-host", "single-isp")}
    tampered = made["single-isp"] / "findings.json"
    tampered.write_text(tampered.read_text().replace('"fail"', '"pass"'))  # makes the failing rule pass
    return made


def test_diff_names_the_bandwidth_change(bundles: dict[str, Path], capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from ihcheck import evidence_cli

    monkeypatch.setattr(evidence_cli.out, "width", 200)  # the pilot's rows too: wide enough that no id is cut
    code = main(["diff", str(bundles["compliant"]), str(bundles["slow-uplink"]), "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1 and data["worse"] is True
    assert [(r["rule_id"], r["old"], r["new"]) for r in guangdong(data["rules"])] == [(BANDWIDTH, "pass", "fail")]
    changes = {(c["host"], c["fact"]): (c["old"], c["new"]) for c in guangdong(data["rules"])[0]["facts"]}
    old, new = changes[("app1", "uplinks.uplinks[eth2].upload.mbps")]
    assert old > 10 > new  # ~19 Mbps → ~5 Mbps: the fact that changed the verdict
    assert all(fact.startswith("uplinks.") for _, fact in changes)  # not the noise of the other domains

    assert main(["diff", str(bundles["compliant"]), str(bundles["slow-uplink"])]) == 1
    table = capsys.readouterr().out
    assert BANDWIDTH in table and "pass → fail" in table and "upload.mbps" in table
    # better is not worse: exit 0 when the signer is pinned; 2, and said, when it is not
    assert main(["diff", str(bundles["slow-uplink"]), str(bundles["compliant"])]) == 2
    assert "signer not pinned" in " ".join(capsys.readouterr().err.split())
    pinned = ",".join(KEYS.public().fingerprints())
    assert main(["diff", str(bundles["slow-uplink"]), str(bundles["compliant"]), "--pubkey", pinned]) == 0
    capsys.readouterr()


def test_diff_names_a_database_appearing_on_the_application_host(bundles: dict[str, Path],
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(bundles["compliant"]), str(bundles["db-on-app-host"]), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    split = next(r for r in data["rules"] if r["rule_id"] == "GD2020-1.2.3-db-app-split")
    facts = {(c["host"], c["fact"]): c["new"] for c in split["facts"]}
    assert facts[("app1", "services.services[mysql]")] == "present"
    assert facts[("app1", "services.sockets[tcp/10.89.0.10:3306]")] == "present"  # the new port, on the LAN


def test_diff_takes_result_json_too(bundles: dict[str, Path], tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(bundles["compliant"]), "--format", "json", "--out", str(tmp_path / "old.json")]) == 0
    assert main(["diff", str(tmp_path / "old.json"), str(bundles["slow-uplink"]), "--format", "json"]) == 1
    assert guangdong(json.loads(capsys.readouterr().out)["rules"])[0]["rule_id"] == BANDWIDTH
    (tmp_path / "bad.json").write_text('{"schema": "other"}')
    assert main(["diff", str(tmp_path / "bad.json"), str(bundles["compliant"])]) == 65
    assert "bad.json: schema" in capsys.readouterr().err


def test_fleet_marks_the_tampered_bundle_and_leaves_it_out_of_the_rates(
        bundles: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = [str(bundles[n]) for n in ("compliant", "slow-uplink", "single-isp")]
    assert main(["fleet", *paths]) == 1  # one does not verify
    table = capsys.readouterr().out
    assert "NOT VERIFIED" in table and "findings.json" in table and "2 verified, 1 not verified" in table
    first_column = "".join(line.split("│")[1].strip() for line in table.splitlines() if line.count("│") == 4)
    assert "GD2020-1.2.5-isps至少由两家宽带网络供应商提供服务" in first_column  # the rates name each rule in Chinese
    assert main(["fleet", *paths, "--format", "csv", "--out", str(tmp_path / "fleet.csv")]) == 1
    rows = {r["hospital"]: r for r in csv.DictReader(io.StringIO((tmp_path / "fleet.csv").read_text()))}
    assert rows["single-isp"]["verification"].startswith("NOT VERIFIED")
    assert rows["single-isp"]["GD2020-1.2.5-isps"] == ""  # its (forged) verdicts are not reported
    assert rows["slow-uplink"][BANDWIDTH] == "fail" and rows["compliant"][BANDWIDTH] == "pass"
    assert rows["compliant"]["checked_at"].endswith("+08:00")
    assert main(["fleet", *paths, "--format", "html", "--out", str(tmp_path / "fleet.html")]) == 1
    html = (tmp_path / "fleet.html").read_text()
    assert "50 % (1/2)" in html  # bandwidth: compliant passes, slow-uplink fails; the tampered one not counted
    assert "100 % (2/2)" in html  # isps: the tampered single-isp (which fails it) is not counted
    assert "未通过验证" in html
    assert "<br>至少由两家宽带网络供应商提供服务<br><small>Uplinks from at least two broadband providers" in html
    assert main(["fleet", paths[0], paths[1]]) == 2  # intact, but no signer pinned (as verify)
    capsys.readouterr()
