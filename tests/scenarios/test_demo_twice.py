"""`ihcheck demo` twice in a row: both runs boot, check, write their folder and tear down, and both exit 0.

The first run used to leave its output folder behind and the second then refused it (65) after booting
the whole deployment. To keep CI quick this boots the smallest deployment the demo can check (two
servers, one uplink: four containers from the cached images) and checks two rules with `--rule`; what
is under test is the demo's own round trip, not the rules (tests/scenarios/test_scenarios.py does those).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from checker.shell.cli import main
from reports.verify import verify_bundle
from simulator import podman

pytestmark = [pytest.mark.containers, pytest.mark.usefixtures("machine_to_ourselves")]

RULES = ("GD2020-1.2.3-servers", "GD2020-1.2.3-db-app-split")
SPEC = """\
description: "Two servers, the database apart from the application, one uplink: what `demo --rule` needs for the server rules."
uplinks:
  ct:
    isp: China Telecom
    asn: 4134
    bandwidth_mbps: 50
    identity: {country: CN, region: Guangdong, city: Guangzhou, asn: 4134, as_org: CHINANET-BACKBONE, isp: China Telecom}
hosts:
  app1:
    services: [nginx]
  db1:
    services: [postgresql]
expect:
  GD2020-1.2.3-servers: pass
  GD2020-1.2.3-db-app-split: pass
  GD2020-1.2.3-power: pass
  GD2020-1.2.3-domestic: pass
  GD2020-1.2.4-av-systems: fail
  GD2020-1.2.5-isps: fail
  GD2020-1.2.5-bandwidth: pass
  GD2020-1.2.1-exchange: inconclusive
  GD2020-1.2.2-functions: inconclusive
  GD2020-3.2.1-platform-feed: inconclusive
"""


def test_demo_twice_in_a_row_both_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "demo-twice.yaml"  # the file name is the scenario's (and its containers') name
    spec.write_text(SPEC, encoding="utf-8")
    out = tmp_path / "ihcheck-demo"
    args = ["demo", str(spec), "--out-dir", str(out), *(a for r in RULES for a in ("--rule", r))]
    runs: list[tuple[float, str]] = []
    for _ in range(2):
        started = time.monotonic()
        code = main(args)
        shown = capsys.readouterr()
        assert code == 0, shown
        assert "unexpected:" not in shown.out and "2 findings: 2 pass; exit code 0" in shown.out, shown
        result = json.loads((out / "result.json").read_text(encoding="utf-8"))
        assert sorted(result["summary"]["rules"]) == sorted(RULES)
        assert set(result["summary"]["rules"].values()) == {"pass"}
        assert verify_bundle(out / "bundle").ok  # the folder is this run's, whole: its bundle verifies
        assert (out / "report.html").is_file()
        assert podman.containers("demo-twice") == [], "the demo tears its deployment down"
        runs.append((time.monotonic() - started, result["started_at"]))
    assert runs[0][1] != runs[1][1], "the second run wrote its own result"
    print(f"demo twice: {runs[0][0]:.1f} s + {runs[1][0]:.1f} s")  # with -s: the time this test adds to CI
