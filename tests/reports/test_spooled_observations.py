"""Observations spooled to disk: the run holds only their metadata, and every output is what it was when the
whole observations stayed in memory.

The run replayed is tests/data/recordings/compliant/result.json (the default simulated deployment, see
tests/probes/test_recorded_transport.py). `InMemoryResult` is `CheckResult` with the observations field as it
was before the spool (a tuple of whole observations); both results of the same run must give the same bytes:
the result JSON (whole and streamed), every file of the signed bundle, the terminal table and the reports.
"""

from __future__ import annotations

import gc
import io
import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console

from checker.catalogue import CATALOGUE
from checker.engine import evaluate
from ihcheck.cli import print_result
from probes.gather import gather, probes_for
from probes.observation import Observation, ObservationLog, Observations, Spooled, now
from probes.recorded import Recording
from reports.bundle import write_bundle
from reports.keys import SigningKeys
from reports.load import load_bundle
from reports.render import Format, write_report
from reports.result import CheckResult
from reports.verify import verify_bundle

RECORDING = Path(__file__).resolve().parents[1] / "data" / "recordings" / "compliant" / "result.json"
REPLAYABLE = ("identity", "services", "connections", "egress", "uplinks")
RENDERED_AT = re.compile(rb"Rendered \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d")  # the HTML report's time
REPORTS = ((Format.json, "report.json"), (Format.junit, "report.xml"), (Format.sarif, "report.sarif"),
           (Format.html, "report.html"), (Format.oscal, "report.oscal.json"))


class InMemoryResult(CheckResult):
    """The result as it was before observations were spooled: every observation whole, in memory."""

    observations: tuple[Observation, ...]  # type: ignore[assignment]


def _recorded_run(tmp: Path) -> tuple[CheckResult, Path, list[dict[str, object]]]:
    recording = Recording.from_result(RECORDING)
    inventory = recording.inventory()
    gathered = gather(inventory, probes=probes_for(REPLAYABLE), connect=recording.connect, spool_dir=tmp)
    rules = tuple(r for r in CATALOGUE if set(r.needs) <= set(REPLAYABLE))
    started = gathered.facts.collected_at
    result = CheckResult.build(rules=rules, facts=gathered.facts, findings=evaluate(gathered.facts, rules),
                               observations=gathered.observations, started_at=started,
                               finished_at=started + timedelta(seconds=1))
    inventory_file = tmp / "inventory.yml"
    inventory_file.write_text("# the recorded deployment's hosts (tests/data/recordings/compliant)\n",
                              encoding="utf-8")
    return result, inventory_file, [h.model_dump(mode="json") for h in inventory.hosts]


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _table(result: CheckResult, width: int) -> str:
    console = Console(file=io.StringIO(), width=width, record=True, highlight=False, soft_wrap=True)
    with console.capture():
        print_result(result, console)
        print_result(result, console, detail=True)
    return console.export_text()


def test_a_recorded_run_gives_the_same_bytes_spooled_as_in_memory(tmp_path: Path) -> None:
    spooled, inventory, hosts = _recorded_run(tmp_path)
    entries = spooled.observations.entries
    assert len(entries) > 50 and all(isinstance(e, Spooled) for e in entries)
    assert sum(e.stdout_bytes for e in entries if isinstance(e, Spooled)) > 10_000  # real output went to disk
    whole = InMemoryResult(**{name: getattr(spooled, name) for name in CheckResult.model_fields
                              if name not in ("observations", "schema_")},
                           observations=tuple(spooled.observations))
    assert all(o.stdout == "" for o in spooled.observations.metadata())
    assert sum(len(o.stdout) for o in whole.observations) > 10_000

    assert spooled.to_json() == whole.to_json()
    streamed, at_once = io.BytesIO(), io.BytesIO()
    spooled.write_json(streamed, full=True)
    whole.write_json(at_once, full=True)
    assert streamed.getvalue() == at_once.getvalue() == whole.to_json().encode("utf-8")
    assert json.loads(streamed.getvalue())["observations"] == json.loads(whole.to_json())["observations"]
    assert CheckResult.model_validate_json(streamed.getvalue()).to_json() == whole.to_json()  # read back too
    for width in (80, 200):
        assert _table(spooled, width) == _table(whole, width)

    keys = SigningKeys.generate()
    files: list[dict[str, bytes]] = []
    for result in (spooled, whole):  # written to the same place in turn: a report names its bundle's path
        where = tmp_path / "bundle"
        written = write_bundle(result, inventory, where, keys=keys, tarball=False, parsed_hosts=hosts)
        verification = verify_bundle(written.directory)
        assert verification.ok, verification.problems
        reports = tmp_path / "reports"
        reports.mkdir()
        for fmt, name in REPORTS:
            write_report(load_bundle(where), fmt, reports / name)
        rendered = {f"../reports/{k}": RENDERED_AT.sub(b"Rendered (when)", v) for k, v in _files(reports).items()}
        files.append(_files(where) | rendered)
        where.rename(tmp_path / f"bundle-{len(files)}")
        reports.rename(tmp_path / f"reports-{len(files)}")
    files_a, files_b = files
    assert sum(1 for rel in files_a if rel.startswith("observations/")) == len(entries)
    # The manifest says when it was written, and the signatures sign it: every other file (the reports too) is
    # compared whole, the manifest (each file's SHA-256) but for its time.
    signed = {rel for rel in files_a if rel.startswith("signatures/")} | {"manifest.json"}
    assert {k: v for k, v in files_a.items() if k not in signed} == \
        {k: v for k, v in files_b.items() if k not in signed}
    assert {f"../reports/{name}" for _, name in REPORTS} <= set(files_a)
    manifest_a, manifest_b = (json.loads(f["manifest.json"]) for f in files)
    assert manifest_a.pop("created_at") != "" and manifest_b.pop("created_at") != ""
    assert manifest_a == manifest_b


def test_the_log_holds_no_output_once_recorded(tmp_path: Path) -> None:
    log = ObservationLog(tmp_path)
    stdout, stderr = "诊疗记录 line\n" * 2000 + "\udcff tail", "warning: 告警\n"
    given = log.record(host="h1", transport="local", command="cat /var/log/x", exit_status=0, stdout=stdout,
                       stderr=stderr, started_at=_when())
    assert given.stdout == stdout and given.stderr == stderr  # the probe that asked gets the whole output
    log.record(host="h1", transport="local", command="true", exit_status=0, stdout="", stderr="",
               started_at=_when())
    [first, second] = log.all().entries
    assert isinstance(first, Spooled) and isinstance(second, Spooled)
    assert first.meta.stdout == first.meta.stderr == ""  # held in memory: metadata only
    assert first.meta.stdout_sha256 == given.stdout_sha256 and first.stdout_bytes == len(stdout.encode(
        "utf-8", "surrogatepass"))
    marker = "诊疗记录 line"
    assert not any(marker in v for v in _strings(log.__dict__))
    assert log.all()[0] == given and list(log.all())[1].stdout == ""  # read back whole, equal
    assert first.spool.path.parent.parent == tmp_path  # the spool is made where the run asked
    spool_dir = first.spool.path.parent
    numbered_on = ObservationLog.continuing(log.all())
    assert numbered_on.record(host="h1", transport="local", command="id", exit_status=0, stdout="uid=0\n",
                              stderr="", started_at=_when()).id == "h1#3"
    assert [o.stdout for o in numbered_on.all()][2] == "uid=0\n"
    first.spool.close()
    assert not spool_dir.exists()  # the run's spool leaves nothing behind


def test_a_spool_no_longer_referenced_is_removed(tmp_path: Path) -> None:
    log = ObservationLog(tmp_path)
    log.record(host="h", transport="local", command="echo", exit_status=0, stdout="x\n", stderr="",
               started_at=_when())
    observations = log.all()
    entry = observations.entries[0]
    assert isinstance(entry, Spooled)
    spool_dir = entry.spool.path.parent
    assert spool_dir.is_dir()
    del log, observations, entry
    gc.collect()
    assert not spool_dir.exists()


def test_observations_validate_from_a_list_and_serialise_as_one() -> None:
    obs = Observation(id="h#1", host="h", transport="local", command="echo", exit_status=0, stdout="x\n",
                      stderr="", started_at=_when(), ended_at=_when(), stdout_sha256="0" * 64)
    held = Observations([obs])
    assert held == [obs] and held[0] == obs and held[:1] == (obs,) and len(held) == 1
    with pytest.raises(IndexError):
        held[1]


def _strings(value: object, depth: int = 0) -> list[str]:
    """Every str reachable from `value` through containers, pydantic models and dataclass slots."""
    if depth > 8:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(k, depth + 1) + _strings(v, depth + 1)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v, depth + 1)]
    if isinstance(value, Observation):
        return _strings(value.__dict__, depth + 1)
    if isinstance(value, Spooled):  # what it holds itself, not the observation it builds
        return _strings([getattr(value, name) for name in value.__slots__ if name != "spool"], depth + 1)
    return []


def _when() -> datetime:
    return now()


def test_a_bundle_is_written_without_holding_its_observations(tmp_path: Path) -> None:
    """Each bundle file goes to disk as it is made and the tarball is packed from disk: the memory a bundle takes
    to write does not grow with its observations (it held every file's bytes until the end, then the tarball:
    35 MB more for 33 MB more output; now under 3 MB more)."""
    peaks = {n: _bundle_peak(tmp_path / str(n), n) for n in (50, 200)}
    assert peaks[200] - peaks[50] < 3_000_000, peaks  # 150 more observations of 220 kB each: not held


def _bundle_peak(tmp: Path, count: int) -> int:
    import tracemalloc

    from reports.bundle import write_bundle
    from reports.keys import SigningKeys
    from reports.verify import verify_bundle
    from tests.reports.conftest import make_result

    tmp.mkdir()
    result, inventory = make_result(tmp)
    log = ObservationLog.continuing(result.observations)  # the findings cite the first ones
    for n in range(count):
        log.record(host="app1", transport="local", command=f"cat /var/log/part{n}", exit_status=0,
                   stdout=f"{n:03d} 诊疗 " * 20_000, stderr="", started_at=_when())
    spooled = result.model_copy(update={"observations": log.all()})
    keys = SigningKeys.generate()
    tracemalloc.start()
    try:
        written = write_bundle(spooled, inventory, tmp / "b", keys=keys)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(list((tmp / "b" / "observations").iterdir())) >= count
    checked = verify_bundle(written.directory), verify_bundle(written.tarball or Path())
    assert all(c.ok for c in checked), checked
    return peak
