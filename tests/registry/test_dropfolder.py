"""The watched drop folder with several intake processes and several watchers (`ihcheck registry watch --workers
N`), on SQLite and PostgreSQL: a bundle dropped twice or seen by two watchers is one record with every finding
once and one action chain, and a file still being written is left until it has settled, never refused half-made."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ihcheck.cli import main
from ihcheck.registry.models import Action, Bundle, Finding, Hospital
from ihcheck.registry.services import actions
from ihcheck.registry.services.dropfolder import DropFolder, take_claimed
from tests.registry.conftest import USCC_A, Signed, stored_blobs
from tests.registry.conftest import enrol as enrol_hospital

ROOT = Path(__file__).resolve().parents[2]
NAMES = ("compliant", "single-isp", "slow-uplink")


@pytest.fixture
def database_args(db: str, request: pytest.FixtureRequest, registry_data: Path) -> list[str]:
    """`--data … [--database …]` for an `ihcheck registry` process of its own on the test's database."""
    url = request.getfixturevalue("pg_url") if db == "postgresql" else None
    return ["--data", str(registry_data), *(["--database", url] if url else [])]


def _ihcheck(args: list[str]) -> subprocess.Popen[str]:
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("IHCHECK_REGISTRY_DATABASE", None)
    return subprocess.Popen([sys.executable, "-m", "ihcheck", *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _assert_each_bundle_once(signed: Signed, data: Path, *, uploads: int) -> None:
    carried = {name: json.loads((signed.bundles[name] / "findings.json").read_text(encoding="utf-8"))
               for name in NAMES}
    assert Bundle.objects.count() == 3 and len(stored_blobs(data)) == 3
    assert set(Bundle.objects.values_list("via", flat=True)) == {"drop"}
    counts = sorted(Finding.objects.filter(bundle=b).count() for b in Bundle.objects.all())
    assert counts == sorted(len(f) for f in carried.values())  # none lost, none twice
    pairs = list(Finding.objects.values_list("bundle_id", "index"))
    assert len(pairs) == len(set(pairs))
    assert actions.verify()[0], "one intact action chain"
    assert Action.objects.filter(event="upload").count() == uploads
    assert Action.objects.filter(event="upload", detail__duplicate=True).count() == uploads - 3
    assert Hospital.objects.get(uscc=USCC_A).latest_bundle == Bundle.objects.order_by("-signed_at")[0]


def test_two_watchers_with_two_workers_each_take_every_drop_once(
        hospital_a: Signed, tmp_path: Path, registry_data: Path, database_args: list[str]) -> None:
    """Two `watch --workers 2` processes at once on one folder (four intake processes racing for each file), each
    bundle dropped twice under two names, a FIFO and a link beside them."""
    enrol_hospital(USCC_A, hospital_a)
    drop = tmp_path / "drop"
    drop.mkdir()
    for name in NAMES:
        shutil.copy(hospital_a.tar(name), drop / f"{name}.tar.gz")
        shutil.copy(hospital_a.tar(name), drop / f"{name}-again.tar.gz")
    os.mkfifo(drop / "fifo.tar.gz")
    (drop / "link.tar.gz").symlink_to(hospital_a.tar("compliant"))
    command = ["registry", "watch", str(drop), "--once", "--settle", "0", "--workers", "2", *database_args]
    watchers = [_ihcheck(command) for _ in range(2)]
    said = [w.communicate(timeout=600) for w in watchers]
    assert [w.returncode for w in watchers] == [0, 0], said
    out = "".join(o for o, _ in said)
    err = "".join(e for _, e in said)
    assert out.count("taken in:") == 3 and out.count("already held:") == 3, out
    assert err.count("refused:") == 2 and "Traceback" not in err, err
    _assert_each_bundle_once(hospital_a, registry_data, uploads=6)
    refusals = Action.objects.filter(event="refuse")
    assert refusals.count() == 2 and all(a.actor.startswith("drop:uid ") for a in refusals)
    assert sorted(p.name for p in (drop / "taken").iterdir()) == sorted(
        f"{n}{again}.tar.gz" for n in NAMES for again in ("", "-again"))
    assert sorted(p.name for p in (drop / "refused").iterdir()) == ["fifo.tar.gz", "link.tar.gz"]
    assert not list(drop.glob("*.tar.gz")) and not list((drop / "working").iterdir()), "every claim set aside"


def test_a_watcher_with_workers_never_takes_a_file_half_written(
        hospital_a: Signed, tmp_path: Path, registry_data: Path, database_args: list[str]) -> None:
    """The watcher running (looking every 0.2 s, 2 workers) while a slow copy writes a bundle in pieces with
    pauses shorter than the settle period: taken in once it is whole, never refused; Ctrl-C stops it cleanly."""
    enrol_hospital(USCC_A, hospital_a)
    drop = tmp_path / "drop"
    drop.mkdir()
    watcher = _ihcheck(["registry", "watch", str(drop), "--interval", "0.2", "--settle", "1.5", "--workers", "2",
                        *database_args])
    try:
        assert watcher.stdout is not None
        started = watcher.stdout.readline()  # the pool is up and the looks begin
        assert started.startswith("watching ") and "2 intake processes" in started, started
        whole = hospital_a.tar("compliant").read_bytes()
        with (drop / "slow.tar.gz").open("wb") as copy:
            for start in range(0, len(whole), len(whole) // 5 + 1):
                copy.write(whole[start:start + len(whole) // 5 + 1])
                copy.flush()
                time.sleep(0.6)
        deadline = time.monotonic() + 120
        while not (drop / "taken" / "slow.tar.gz").exists() and time.monotonic() < deadline:
            assert not (drop / "refused" / "slow.tar.gz").exists()
            time.sleep(0.2)
        watcher.send_signal(signal.SIGINT)
        out, err = watcher.communicate(timeout=60)
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait()
    assert (drop / "taken" / "slow.tar.gz").read_bytes() == whole, (started, out, err)
    assert "still being written" in out and out.count("taken in: slow.tar.gz") == 1, out
    assert "Traceback" not in err and "refused" not in err, err
    assert Bundle.objects.count() == 1 and not Action.objects.filter(event="refuse").exists()
    assert not list((drop / "working").iterdir()), "the stopped watcher's claims folder is gone"


def test_a_file_that_grows_while_it_is_read_is_handed_back(db: str, hospital_a: Signed, tmp_path: Path) -> None:
    """Claimed (settled as far as the look could tell), then written on by a writer that paused longer than the
    settle period: the worker sees it changed, nothing is stored or refused, and it goes back to the folder."""
    enrol_hospital(USCC_A, hospital_a)
    drop_dir = tmp_path / "drop"
    drop_dir.mkdir()
    whole = hospital_a.tar("compliant").read_bytes()
    with (drop_dir / "paused.tar.gz").open("wb") as writer:
        writer.write(whole[:1000])
        writer.flush()
        drop = DropFolder(drop_dir)
        [claim], writing = drop.look(settle=0)
        assert not writing and not (drop_dir / "paused.tar.gz").exists()
        writer.write(whole[1000:])  # the writer's descriptor still reaches the claimed file
        writer.flush()
        outcome = take_claimed(claim)
    assert not outcome.settled and not outcome.taken and "still being written" in outcome.line
    assert drop.set_aside(outcome, claim.name) is None
    assert (drop_dir / "paused.tar.gz").read_bytes() == whole
    assert not Bundle.objects.exists() and not Action.objects.filter(event="refuse").exists()
    drop.release()


def test_a_file_written_a_moment_ago_waits_for_a_later_look(
        db: str, hospital_a: Signed, tmp_path: Path, registry_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    enrol_hospital(USCC_A, hospital_a)
    drop = tmp_path / "drop"
    drop.mkdir()
    shutil.copy(hospital_a.tar("compliant"), drop / "fresh.tar.gz")
    args = ["registry", "watch", str(drop), "--once", "--settle", "1", "--data", str(registry_data)]
    assert main(args) == 0
    assert "fresh.tar.gz: still being written, left for a later look" in capsys.readouterr().out
    assert (drop / "fresh.tar.gz").exists() and not Bundle.objects.exists()
    time.sleep(1.1)
    assert main(args) == 0
    assert "taken in: fresh.tar.gz" in capsys.readouterr().out
    assert [p.name for p in (drop / "taken").iterdir()] == ["fresh.tar.gz"]


def test_the_claims_of_a_watcher_that_stopped_mid_intake_are_taken_in_by_the_next(
        db: str, hospital_a: Signed, tmp_path: Path, registry_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    enrol_hospital(USCC_A, hospital_a)
    drop = tmp_path / "drop"
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    claims = drop / "working" / f"{socket.gethostname()}.{gone.stdout.strip()}"  # a watcher killed mid-intake
    claims.mkdir(parents=True)
    shutil.copy(hospital_a.tar("compliant"), claims / "left.tar.gz")
    elsewhere = drop / "working" / "another-host.1"  # another machine's watcher: not this one's to hand back
    elsewhere.mkdir()
    shutil.copy(hospital_a.tar("single-isp"), elsewhere / "theirs.tar.gz")
    assert main(["registry", "watch", str(drop), "--once", "--settle", "0", "--data", str(registry_data)]) == 0
    said = capsys.readouterr().out
    assert "left.tar.gz: handed back from a watcher that stopped mid-intake" in said and "taken in: left" in said
    assert not claims.exists() and (elsewhere / "theirs.tar.gz").exists()
    assert [p.name for p in (drop / "taken").iterdir()] == ["left.tar.gz"] and Bundle.objects.count() == 1


def test_a_claims_folder_made_a_link_by_a_writer_stops_the_watcher_before_it_moves_anything(
        db: str, hospital_a: Signed, tmp_path: Path, registry_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    drop, elsewhere = tmp_path / "drop", tmp_path / "elsewhere"
    drop.mkdir()
    elsewhere.mkdir()
    (drop / "working").symlink_to(elsewhere)  # put there by whoever may write the drop folder
    shutil.copy(hospital_a.tar("compliant"), drop / "a.tar.gz")
    assert main(["registry", "watch", str(drop), "--once", "--settle", "0", "--data", str(registry_data)]) == 65
    assert "working: a symbolic link" in capsys.readouterr().err
    assert (drop / "a.tar.gz").exists() and not list(elsewhere.iterdir()) and not Bundle.objects.exists()
