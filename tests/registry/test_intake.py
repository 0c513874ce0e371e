"""Enrolment, key rotation and intake (services and the `ihcheck registry` CLI), on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from ihcheck.cli import main
from ihcheck.registry.models import Action, Bundle, Finding, Hospital, KeyEvent, SigningKey
from ihcheck.registry.services import actions, enrol, intake
from tests.registry.conftest import USCC_A, Signed, stored_blobs
from tests.registry.conftest import enrol as enrol_hospital
from tests.reports.scenario_bundles import scenario_bundle


def test_enrol_records_the_hospital_and_its_key_and_refuses_a_second_enrolment(db, hospital_a: Signed) -> None:
    hospital = enrol_hospital(USCC_A, hospital_a)
    key = hospital.keys.get()
    assert {key.ed25519, key.sm2} == set(hospital_a.keys.public().fingerprints())
    assert list(KeyEvent.objects.values_list("kind", flat=True)) == ["enrol"]
    with pytest.raises(enrol.RegistryError, match="already enrolled"):
        enrol.enrol_hospital(name="x", uscc=USCC_A, city="广州", actor="t")
    with pytest.raises(enrol.RegistryError, match="统一社会信用代码"):
        enrol.enrol_hospital(name="x", uscc="not-a-code", city="广州", actor="t")
    assert [a.event for a in Action.objects.all()] == ["enrol", "key.enrol"]


def test_a_bundle_is_taken_in_once_and_indexed(db, hospital_a: Signed, registry_data: Path) -> None:
    hospital = enrol_hospital(USCC_A, hospital_a)
    first = intake.take_file(hospital_a.tar("compliant"), via="cli", actor="t")
    again = intake.take_file(hospital_a.bundles["compliant"], via="cli", actor="t")  # the directory, packed anew
    assert first.created and not again.created and again.bundle.pk == first.bundle.pk
    assert Bundle.objects.count() == 1 and len(stored_blobs(registry_data)) == 1
    bundle = first.bundle
    assert bundle.hospital == hospital and bundle.key.ed25519 == hospital_a.keys.public().fingerprints()[0]
    assert bundle.catalogue_version and bundle.rules and sum(bundle.counts.values()) == len(bundle.rules)
    import json

    carried = json.loads((hospital_a.bundles["compliant"] / "findings.json").read_text(encoding="utf-8"))
    indexed = list(Finding.objects.filter(bundle=bundle).order_by("index"))
    assert carried and [(f.rule_id, f.verdict, f.hosts, f.reason) for f in indexed] == [  # as carried (COPY on
        (c["rule_id"], c["verdict"], list(c.get("hosts") or ()), c.get("reason") or "") for c in carried]  # PostgreSQL)
    assert all(isinstance(f.observations, list) for f in indexed) and any(f.observations for f in indexed)
    assert Hospital.objects.get(pk=hospital.pk).latest_bundle == bundle
    assert oct(stored_blobs(registry_data)[0].stat().st_mode & 0o777) == "0o444"  # immutable on disk


def test_rotation_keeps_what_the_old_key_signed_before_and_refuses_what_it_signed_after(
        db, hospital_a: Signed, tmp_path: Path) -> None:
    from reports.keys import SigningKeys

    hospital = enrol_hospital(USCC_A, hospital_a)
    old_signed_after = tmp_path / "late"
    cut = timezone.now()
    time.sleep(0.01)
    late = scenario_bundle("compliant", old_signed_after, hospital_a.keys)  # the old key, after the cut
    new_keys = SigningKeys.generate()
    new = enrol.rotate_key(hospital, " ".join(new_keys.public().fingerprints()), actor="t", at=cut, reason="yearly")
    old = SigningKey.objects.get(hospital=hospital, replaced_by=new)
    assert old.retired_at == cut and old.revoked_at is None
    assert [e.kind for e in KeyEvent.objects.order_by("id")] == ["enrol", "rotate", "enrol"]
    assert intake.take_file(hospital_a.tar("compliant"), via="cli", actor="t").created  # signed before the cut
    with pytest.raises(intake.Refused, match=r"after key .* stopped being valid"):
        intake.take_file(late, via="cli", actor="t")
    assert intake.take_file(scenario_bundle("compliant", tmp_path / "new", new_keys), via="cli", actor="t").created
    with pytest.raises(enrol.RegistryError, match="already revoked"):
        enrol.revoke_key(enrol.revoke_key(new, actor="t", reason="lost laptop"), actor="t", reason="again")
    assert SigningKey.objects.get(pk=old.pk).retired_at == cut  # rotation recorded, never overwritten


def test_the_cli_enrols_rotates_takes_in_and_exports_a_log_trail_verify_accepts(
        db, hospital_a: Signed, tmp_path: Path, registry_data: Path, capsys) -> None:
    common = ["--data", str(registry_data)]  # in this process the CLI finds Django configured on the test database
    assert main(["registry", "enrol", "--name", "佛山某互联网医院", "--uscc", USCC_A, "--city", "佛山",
                 "--registered-on", "2026-11-01", "--keys", hospital_a.fingerprints, "--valid-from", "2026-01-01",
                 *common]) == 0
    assert main(["registry", "intake", str(hospital_a.tar("compliant")), *common]) == 0
    assert "taken in" in capsys.readouterr().out
    from reports.keys import SigningKeys

    new = SigningKeys.generate()
    new.write(tmp_path / "newkeys")
    assert main(["registry", "rotate", USCC_A, str(tmp_path / "newkeys"), "--reason", "yearly", *common]) == 0
    assert main(["registry", "token", USCC_A, "--out", str(tmp_path / "token"), *common]) == 0
    assert (tmp_path / "token").read_text().startswith("ihc_") and (tmp_path / "token").stat().st_mode & 0o077 == 0
    log = tmp_path / "actions.jsonl"
    assert main(["registry", "actions", str(log), *common]) == 0
    head = capsys.readouterr().out.split("head ")[-1].strip()
    assert main(["trail", "verify", str(log), "--head", head]) == 0
    assert [a.event for a in Action.objects.all()] == ["enrol", "key.enrol", "upload", "key.rotate", "token.issue"]


def test_the_action_log_is_one_chain_and_a_changed_row_breaks_it(db, hospital_a: Signed) -> None:
    enrol_hospital(USCC_A, hospital_a)
    intake.take_file(hospital_a.tar("compliant"), via="cli", actor="t")
    assert actions.verify()[0]
    row = Action.objects.get(event="upload")
    Action.objects.filter(pk=row.pk).update(line=bytes(row.line).replace(b'"via":"cli"', b'"via":"xyz"'))
    intact, where = actions.verify()
    assert not intact and "changed after it was written" in where


def test_stale_period_and_timestamps(db, hospital_a: Signed) -> None:
    from ihcheck.registry.services import queries

    enrol_hospital(USCC_A, hospital_a)
    assert [r["uscc"] for r in queries.stale()] == [USCC_A]  # enrolled, nothing handed in
    intake.take_file(hospital_a.tar("compliant"), via="cli", actor="t")
    assert queries.stale() == []
    later = timezone.now() + timedelta(days=40)
    assert [r["uscc"] for r in queries.stale(now=later)] == [USCC_A]
    assert queries.stale(now=later, stale_days=60) == []


def test_ihcheck_submit_hands_a_bundle_in_over_http(live_server: str, hospital_a: Signed, tmp_path: Path,
                                                    capsys) -> None:
    token = enrol.issue_token(enrol_hospital(USCC_A, hospital_a), actor="t")
    token_file = tmp_path / "token"
    token_file.write_text(token + "\n")
    args = ["--to", live_server, "--token-file", str(token_file)]
    assert main(["submit", str(hospital_a.bundles["single-isp"]), *args]) == 0
    assert "taken in" in capsys.readouterr().out
    assert main(["submit", str(hospital_a.tar("single-isp")), *args]) == 0
    assert "already held" in capsys.readouterr().out
    assert Bundle.objects.get().via == "http"
    other = tmp_path / "other"
    from reports.keys import SigningKeys

    foreign = scenario_bundle("compliant", other, SigningKeys.generate())
    assert main(["submit", str(foreign), *args]) == 65
    assert "422: compliant (token ihc_" in (said := capsys.readouterr().err) and "signed with another key" in said
    assert Bundle.objects.count() == 1
    log = tmp_path / "audit.jsonl"
    from probes.trail import write_trail

    write_trail(log, [{"at": "2026-11-30T09:00:00+08:00", "event": "visit.start", "visit": "V1"}])
    hospital_a.keys.write(tmp_path / "keys")
    assert main(["trail", "head", str(log), "--keys", str(tmp_path / "keys"), "--with-log", *args]) == 0
    assert "anchored, extends" in capsys.readouterr().out


def test_the_drop_folder_takes_in_what_verifies_and_sets_aside_what_does_not(
        db, hospital_a: Signed, hospital_b: Signed, tmp_path: Path, registry_data: Path) -> None:
    import shutil

    enrol_hospital(USCC_A, hospital_a)
    drop = tmp_path / "drop"
    drop.mkdir()
    shutil.copy(hospital_a.tar("compliant"), drop / "a.tar.gz")
    shutil.copy(hospital_b.tar("compliant"), drop / "b.tar.gz")  # hospital B is not enrolled
    assert main(["registry", "watch", str(drop), "--once", "--settle", "0", "--data", str(registry_data)]) == 0
    assert [p.name for p in (drop / "taken").iterdir()] == ["a.tar.gz"]
    assert [p.name for p in (drop / "refused").iterdir()] == ["b.tar.gz"]
    assert Bundle.objects.get().via == "drop"
    assert "unpinned" in Action.objects.get(event="refuse").detail["reason"]


def test_workers_taking_in_at_once_keep_one_record_a_bundle_and_one_chain(db, hospital_a: Signed) -> None:
    """Intake in several workers (threads here, each with its own database connection, as processes would be)."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    enrol_hospital(USCC_A, hospital_a)
    paths = [hospital_a.tar(n) for n in ("compliant", "single-isp", "slow-uplink")] * 2

    def take(path: Path) -> bool:
        try:
            return intake.take_file(path, via="cli", actor="worker").created
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=3) as pool:
        created = list(pool.map(take, paths))
    assert sorted(created) == [False, False, False, True, True, True]
    assert Bundle.objects.count() == 3
    assert Hospital.objects.get(uscc=USCC_A).latest_bundle.digest == Bundle.objects.order_by("-signed_at")[0].digest
    assert actions.verify()[0] and Action.objects.filter(event="upload").count() == 6


def test_intake_in_several_processes_keeps_one_record_a_bundle_and_every_finding_once(
        db, hospital_a: Signed, tmp_path: Path, registry_data: Path, capsys) -> None:
    """`ihcheck registry intake --workers 2`: two processes, each bundle handed in twice under two names (so the
    two copies may be verified at once by the two workers); one record each, each finding indexed once."""
    import json
    import shutil

    enrol_hospital(USCC_A, hospital_a)
    names = ("compliant", "single-isp", "slow-uplink")
    inbox = tmp_path / "in"
    inbox.mkdir()
    for name in names:
        shutil.copy(hospital_a.tar(name), inbox / f"{name}.tar.gz")
        shutil.copy(hospital_a.tar(name), inbox / f"{name}-again.tar.gz")
    paths = [str(p) for p in sorted(inbox.iterdir())]
    assert main(["registry", "intake", *paths, "--workers", "2", "--data", str(registry_data)]) == 0
    out = capsys.readouterr().out
    assert out.count("taken in:") == 3 and out.count("already held:") == 3
    assert Bundle.objects.count() == 3 and len(stored_blobs(registry_data)) == 3
    carried = {name: json.loads((hospital_a.bundles[name] / "findings.json").read_text(encoding="utf-8"))
               for name in names}
    counts = sorted(Finding.objects.filter(bundle=b).count() for b in Bundle.objects.all())
    assert counts == sorted(len(f) for f in carried.values())  # none lost, none twice
    pairs = list(Finding.objects.values_list("bundle_id", "index"))
    assert len(pairs) == len(set(pairs))
    assert actions.verify()[0] and Action.objects.filter(event="upload").count() == 6
    assert Action.objects.filter(event="upload", detail__duplicate=True).count() == 3
    newest = Bundle.objects.order_by("-signed_at")[0]
    assert Hospital.objects.get(uscc=USCC_A).latest_bundle == newest
