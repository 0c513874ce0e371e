"""Schema ihcheck.result/2 (reports.result_refs): outputs referenced by id and digest, a rule's shared details
written once; nothing a finding or a fact says is lost, and /1 (`full=True`) is unchanged.

The run is the recorded default deployment replayed (tests/reports/test_spooled_observations.py's run)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from reports.result import SCHEMA, SCHEMA_REFS, CheckResult
from reports.result_refs import expand, shared_details
from tests.reports.test_spooled_observations import _recorded_run


def _both(tmp_path: Path) -> tuple[CheckResult, bytes, bytes]:
    result, _, _ = _recorded_run(tmp_path)
    refs, full = io.BytesIO(), io.BytesIO()
    result.write_json(refs)
    result.write_json(full, full=True)
    return result, refs.getvalue(), full.getvalue()


def test_refs_keep_every_fact_finding_and_observation_but_no_output(tmp_path: Path) -> None:
    _, refs, full = _both(tmp_path)
    v2, v1 = json.loads(refs), json.loads(full)
    assert v2["schema"] == SCHEMA_REFS and v1["schema"] == SCHEMA
    assert v2["facts"] == v1["facts"] and v2["summary"] == v1["summary"]
    assert expand(v2)["findings"] == v1["findings"]
    assert [{k: v for k, v in o.items() if k not in ("stdout", "stderr")} for o in v1["observations"]] \
        == v2["observations"]
    assert all("stdout" not in o and "stderr" not in o for o in v2["observations"])
    assert sum(len(o["stdout"]) for o in v1["observations"]) > 10_000  # there was output to leave out
    cited = {o for f in v2["findings"] for o in f["observations"]}
    assert cited and cited <= {o["id"] for o in v2["observations"]}  # every reference resolves
    assert len(refs) < len(full) / 2
    # a line per host, finding and observation: a reader can take it a line at a time
    assert len(refs.splitlines()) >= len(v2["facts"]["hosts"]) + len(v2["findings"]) + len(v2["observations"])


def test_shared_details_are_written_once_and_put_back(tmp_path: Path) -> None:
    result, refs, _ = _both(tmp_path)
    v2 = json.loads(refs)
    shared = {r["id"]: r["finding_details"] for r in v2["catalogue"]["rules"] if "finding_details" in r}
    assert shared == shared_details(result.findings)
    for finding in v2["findings"]:
        assert not set(shared.get(finding["rule_id"], {})) & set(finding["details"])
    back = CheckResult.model_validate_json(refs)  # what `ihcheck remediate` reads
    assert back.schema_ == SCHEMA_REFS
    assert back.findings == result.findings and back.facts == result.facts
    assert all(o.stdout == "" and o.stderr == "" for o in back.observations)


def test_a_detail_that_differs_between_findings_stays_with_each(tmp_path: Path) -> None:
    result, _, _ = _both(tmp_path)
    first = result.findings[0]
    twins = (first.model_copy(update={"details": {"same": 1, "own": "a"}}),
             first.model_copy(update={"details": {"same": 1, "own": "b"}}))
    assert shared_details(twins) == {first.rule_id: {"same": 1}}
    assert shared_details(twins[:1]) == {}  # one finding: nothing to share


def test_diff_reads_either_form_alike_and_the_replay_asks_for_the_full_one(tmp_path: Path) -> None:
    import pytest

    from checker.errors import InputError
    from probes.recorded import Recording
    from reports.drift import load_side

    _, refs, full = _both(tmp_path)
    (tmp_path / "v2.json").write_bytes(refs)
    (tmp_path / "v1.json").write_bytes(full)
    v2, v1 = load_side(tmp_path / "v2.json"), load_side(tmp_path / "v1.json")
    assert (v2.rules, v2.findings, v2.facts) == (v1.rules, v1.findings, v1.facts)
    with pytest.raises(InputError, match="--full-observations"):
        Recording.from_result(tmp_path / "v2.json")
