"""`ihcheck demo` twice in a row, exactly as the README's first command: both runs boot the default deployment,
check every rule, write their folder and tear down, and both exit 0 (issue 13).

The first run used to leave its output folder behind and the second then refused it (65) after booting
the whole deployment. Each run takes about 25 s from the cached images.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from checker.catalogue import CATALOGUE
from ihcheck.cli import main
from reports.result import CheckResult
from reports.verify import verify_bundle
from simulator import podman, spec

pytestmark = [pytest.mark.containers, pytest.mark.usefixtures("machine_to_ourselves")]

def test_the_default_demo_twice_in_a_row_both_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ihcheck-demo"
    runs: list[tuple[float, str]] = []
    for _ in range(2):
        started = time.monotonic()
        code = main(["demo", "--out-dir", str(out)])
        shown = capsys.readouterr()
        assert code == 0, shown.out[-3000:] + shown.err[-2000:]
        assert "unexpected:" not in shown.out, shown.out[-3000:]
        written = json.loads((out / "result.json").read_text(encoding="utf-8"))
        assert written["schema"] == "ihcheck.result/2"  # as `check --format json` writes it
        # read back whole (a rule's shared details in place again), as a script reading /2 with the model does
        result = CheckResult.model_validate(written).model_dump(mode="json", by_alias=True)
        assert set(result["summary"]["rules"]) == {r.id for r in CATALOGUE}
        # every rule passes, but a programme the default hospital (Guangdong, in the Beijing pilot) does not declare:
        # Qinghai's rules do not apply to it, and say so
        verdicts = result["summary"]["rules"]
        assert {r for r, v in verdicts.items() if v != "pass"} == set(spec.tagged("qinghai")), verdicts
        assert {verdicts[r] for r in spec.tagged("qinghai")} == {"not_applicable"}
        # the MLPS items a container cannot show pass on the scenario's documents, and say so
        attested = [f for f in result["findings"] if f["details"].get("attested")]
        assert attested and all(any(e["basis"] == "attested" for e in f["evidence"]) for f in attested)
        assert "attested, not observed)" in shown.out
        assert verify_bundle(out / "bundle").ok  # the folder is this run's, whole: its bundle verifies
        assert (out / "report.html").is_file()
        assert podman.containers("compliant") == [], "the demo tears its deployment down"
        runs.append((time.monotonic() - started, result["started_at"]))
    assert runs[0][1] != runs[1][1], "the second run wrote its own result"
    print(f"demo twice: {runs[0][0]:.1f} s + {runs[1][0]:.1f} s")  # with -s: the time this test adds to CI
