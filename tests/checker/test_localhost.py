"""`ihcheck check -i inventories/localhost.yml` on the machine the tests run on: one server, so ≥2 servers fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ihcheck.cli import main
from tests.daemons import nginx

ROOT = Path(__file__).resolve().parents[2]


def test_localhost_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with nginx(tmp_path / "nginx") as port:
        code = main(["check", "-i", str(ROOT / "inventories/localhost.yml"), "--format", "json"])
    result = json.loads(capsys.readouterr().out)
    assert result["schema"] == "ihcheck.result/2"  # outputs by reference: no observation carries its output
    assert result["observations"] and not any("stdout" in o or "stderr" in o for o in result["observations"])
    rules = result["summary"]["rules"]
    assert rules["GD2020-1.2.3-servers"] == "fail"
    split = next(f for f in result["findings"] if f["rule_id"] == "GD2020-1.2.3-db-app-split")
    # Every nginx on this machine is one service whose sockets are listed by port (another test's nginx may
    # run at the same time): ours is among them, and the statement names them an application server.
    [ours] = [e["statement"] for e in split["evidence"] if f"127.0.0.1:{port}/tcp" in e["statement"]]
    assert ours.endswith("→ nginx (application)"), ours
    # The verdict follows from what this machine runs: our nginx makes it an application server, so it
    # fails if a database engine runs here too, and is inconclusive (no database server seen) otherwise.
    [host] = result["facts"]["hosts"]
    has_db = any(s["role"] == "database" for s in host["services"]["services"])
    assert split["verdict"] == ("fail" if has_db else "inconclusive")
    cited = {o for f in result["findings"] for o in f["observations"]}
    assert cited and cited <= {o["id"] for o in result["observations"]}
    assert code == 1


def test_localhost_table_and_out_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "result.json"
    code = main(["check", "-i", str(ROOT / "inventories/localhost.yml"), "--format", "json", "--out", str(out)])
    printed = capsys.readouterr().out
    # JSON to a file was asked for: stdout gets the one-line summary, not the table (megabytes at fleet scale)
    written = json.loads(out.read_text())
    summary = written["summary"]
    counts = ", ".join(f"{n} {v}" for v, n in summary["verdicts"].items() if n)
    assert printed.strip().splitlines() == [f"{len(written['findings'])} findings: {counts}; exit code 1"]
    assert summary["exit_code"] == code == 1
    full = tmp_path / "full.json"
    main(["check", "-i", str(ROOT / "inventories/localhost.yml"), "--format", "json", "--out", str(full),
          "--full-observations"])
    whole = json.loads(full.read_text())
    assert whole["schema"] == "ihcheck.result/1" and all("stdout" in o for o in whole["observations"])
    assert any(o["stdout"] for o in whole["observations"])
