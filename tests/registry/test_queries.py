"""What the regulator asks: the province, failing rules, drift, deadlines, evidence, exports, the API's roles."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.http import HttpRequest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ihcheck.registry.models import Action, Hospital
from ihcheck.registry.services import enrol, exports, intake, queries
from reports.cells import FORMULA_STARTS
from tests.registry.conftest import USCC_A, USCC_B, Signed
from tests.registry.conftest import enrol as enrol_hospital

RULE = "GD2020-1.2.5-isps"
# Text a hospital may register: formula starts (ASCII and full-width), tab and CR, around plain text; no NUL
# (PostgreSQL's text refuses it) and within the model's 64 characters.
_FORMULAS = ["=HYPERLINK(\"http://x\",\"y\")", "=WEBSERVICE(\"http://x/\")", "=cmd|' /C calc'!A0", "+1+1", "-2+3",
             "@SUM(A1)", "\t=1", "\r=1", "＝1+1", "＋1", "－1", "＠x"]
_HOSTILE = st.builds(lambda a, b: (a + b)[:64], st.one_of(st.sampled_from(_FORMULAS), st.just("")),
                     st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
                             max_size=20))


@pytest.fixture
def province(db, hospital_a: Signed, hospital_b: Signed) -> None:
    """A in 广州: compliant, then single-isp (turned red on the ISP rule); B in 深圳: compliant only."""
    enrol_hospital(USCC_A, hospital_a, registered_on=timezone.localdate() - timedelta(days=40))
    enrol_hospital(USCC_B, hospital_b, city="深圳")
    for path in (hospital_a.tar("compliant"), hospital_a.tar("single-isp"), hospital_b.tar("compliant")):
        intake.take_file(path, via="cli", actor="t")


def test_province_shows_the_latest_verdict_per_rule_and_who_fails_a_rule(province: None) -> None:
    rows = {r["uscc"]: r for r in queries.province()}
    assert rows[USCC_A]["rules"][RULE] == "fail" and RULE in rows[USCC_A]["failing"]
    assert rows[USCC_B]["rules"][RULE] == "pass" and rows[USCC_A]["worst"] == "fail"
    assert [r["uscc"] for r in queries.province(city="深圳")] == [USCC_B]
    failing = queries.failing(RULE)
    assert [f["uscc"] for f in failing] == [USCC_A] and failing[0]["reason"]
    assert queries.older_catalogue() == []
    Hospital.objects.filter(uscc=USCC_B).update()  # an older catalogue: the latest bundle's digest differs
    from ihcheck.registry.models import Bundle

    Bundle.objects.filter(hospital__uscc=USCC_B).update(catalogue_sha256="0" * 64, catalogue_version="2025.01")
    assert [r["uscc"] for r in queries.older_catalogue()] == [USCC_B]


def test_drift_between_consecutive_bundles_names_the_rule_and_the_fact(province: None) -> None:
    drift = queries.drift(USCC_A)
    changed = {r["rule_id"]: r for r in drift["rules"]}
    assert changed[RULE]["old"] == "pass" and changed[RULE]["new"] == "fail" and changed[RULE]["worse"]
    assert changed[RULE]["facts"], "the facts that changed under the rule"
    assert queries.drift(USCC_B)["rules"] == []  # one bundle: nothing to compare


def test_evidence_reaches_the_verified_observation(province: None) -> None:
    found = queries.failing(RULE)[0]
    evidence = queries.evidence(found["bundle"], found["finding"])
    assert evidence["finding"]["rule_id"] == RULE and evidence["finding"]["verdict"] == "fail"
    assert evidence["observations"], "the failing finding cites observations"
    first = evidence["observations"][0]
    assert len(first["sha256"]) == 64 and len(first["sm3"]) == 64 and first["observation"]["id"] == first["id"]


def test_deadlines_from_registration_and_from_documents(province: None) -> None:
    due = queries.deadlines(horizon_days=60)
    mine = [d for d in due if d["uscc"] == USCC_A]
    assert {d["kind"] for d in mine} == {"upload-30d", "upload-90d"}  # the scenario bundles carry no documents
    assert all(d["overdue"] for d in mine if d["kind"] == "upload-30d")
    assert not any(d["overdue"] for d in mine if d["kind"] == "upload-90d")
    assert not [d for d in due if d["uscc"] == USCC_B]  # no registration date: nothing computed


def test_deadlines_of_a_bundles_documents_yearly_mlps_and_expiry(db, hospital_a: Signed, tmp_path: Path) -> None:
    from reports.bundle import write_bundle
    from tests.reports.conftest import make_result

    enrol_hospital(USCC_A, hospital_a, registered_on=date(2026, 9, 30))
    result, inventory = make_result(tmp_path)
    written = write_bundle(result, inventory, tmp_path / "with-documents", keys=hospital_a.keys)
    intake.take_file(written.directory, via="cli", actor="t")
    # the example folder's MLPS scans were last submitted 2026-10-10: yearly, so due again 2027-10-10 — whatever
    # the certificate's own issue date (2026-08-15): a valid certificate is not out of date at thirteen months
    kinds = {(d["item"], d["kind"]) for d in queries.deadlines(today=date(2027, 9, 20), horizon_days=30)}
    assert ("mlps-receipt", "yearly-mlps") in kinds and ("mlps-certificate", "yearly-mlps") in kinds
    assert not [k for k in kinds if k[1].startswith("upload-")]  # every item was handed in
    assert not [d for d in queries.deadlines(today=date(2027, 8, 20), horizon_days=30) if d["kind"] == "yearly-mlps"]
    overdue = queries.deadlines(today=date(2027, 10, 11), horizon_days=0)
    assert {d["item"] for d in overdue if d["overdue"]} >= {"mlps-receipt", "mlps-certificate"}


def test_exports_write_foreign_text_as_text(province: None) -> None:
    Hospital.objects.filter(uscc=USCC_B).update(name='=HYPERLINK("http://x","点击")', city="+深圳")
    table = list(csv.reader(io.StringIO(exports.province_csv(actor="t"))))
    cells = [c for row in table[1:] for c in row]
    assert "'=HYPERLINK(\"http://x\",\"点击\")" in cells and "'+深圳" in cells
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(exports.province_xlsx(actor="t")))
    sheet = book.active
    assert sheet is not None
    values = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert all(c.data_type == "s" for c in values if c.value is not None)
    oscal = json.loads(exports.oscal(USCC_A, actor="t"))
    assert "assessment-results" in oscal
    assert Action.objects.filter(event="export").count() == 3


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=_HOSTILE, city=_HOSTILE, licence=_HOSTILE)
def test_no_export_cell_is_a_formula_whatever_a_hospital_is_called(province: None, name: str, city: str,
                                                                   licence: str) -> None:
    """The province's CSV and xlsx with a hospital's name, city and licence drawn from formula starts, XML-forbidden
    controls and plain text: every CSV cell and every xlsx cell is text, the foreign text kept as typed."""
    from openpyxl import load_workbook

    Hospital.objects.filter(uscc=USCC_B).update(name=name, city=city, licence=licence)
    table = list(csv.reader(io.StringIO(exports.province_csv(actor="t"))))
    assert not [c for row in table for c in row if c.startswith(FORMULA_STARTS)]
    [row_b] = [row for row in table if USCC_B in row]
    for text, typed in zip(row_b[1:4], (name, city, licence), strict=True):  # as typed, or with OWASP's apostrophe
        assert text == typed or (text == "'" + typed and typed.startswith(FORMULA_STARTS)), (text, typed)
    book = load_workbook(io.BytesIO(exports.province_xlsx(actor="t")))
    sheet = book.active
    assert sheet is not None
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type == "s" or cell.value is None, (cell.coordinate, cell.value)
            assert not isinstance(cell.value, str) or not cell.value.startswith(FORMULA_STARTS) or cell.quotePrefix


def test_api_roles_csrf_and_openapi(province: None) -> None:
    enrol.create_account("inspector1", "correct horse battery", "inspector", actor="t")
    enrol.create_account("admin1", "correct horse battery staple", "administrator", actor="t")
    from django.contrib.auth.models import User

    assert User.objects.get(username="inspector1").password.startswith("argon2$argon2id$")
    anonymous = Client()
    assert anonymous.get("/api/hospitals").status_code == 401
    inspector = Client(enforce_csrf_checks=True)
    assert inspector.login(request=HttpRequest(), username="inspector1", password="correct horse battery")
    rows = inspector.get("/api/hospitals").json()
    assert {r["uscc"] for r in rows} == {USCC_A, USCC_B}
    assert inspector.get(f"/api/rules/{RULE}/hospitals").json()[0]["uscc"] == USCC_A
    assert inspector.get(f"/api/hospitals/{USCC_A}").json()["bundles"]
    assert inspector.get("/api/deadlines?horizon_days=60").status_code == 200
    drift = inspector.get(f"/api/hospitals/{USCC_A}/drift").json()
    assert RULE in {r["rule_id"] for r in drift["rules"]}
    failing = inspector.get(f"/api/rules/{RULE}/hospitals").json()[0]
    cited = inspector.get(f"/api/bundles/{failing['bundle']}/findings/{failing['finding']}").json()
    assert cited["finding"]["rule_id"] == RULE and cited["observations"][0]["sha256"]
    assert inspector.get("/api/hospitals/stale?days=0").status_code == 200
    assert inspector.get("/api/hospitals/older-catalogue").json() == []
    exported = inspector.get("/api/export/province.csv")
    assert exported["Content-Type"].startswith("text/csv") and USCC_A in exported.content.decode()
    assert inspector.get("/api/export/province.xlsx").content[:2] == b"PK"
    assert "assessment-results" in inspector.get(f"/api/hospitals/{USCC_A}/oscal").json()
    log = inspector.get("/api/actions.jsonl").content
    from probes.trail import verify_stream

    assert verify_stream([log], source="api").intact and b'"event":"registry.export"' in log
    body = {"name": "x", "uscc": "91440101MA5C0000C3", "city": "珠海"}
    assert inspector.post("/api/hospitals", data=body, content_type="application/json").status_code in (401, 403)
    admin = Client(enforce_csrf_checks=True)
    assert admin.login(request=HttpRequest(), username="admin1", password="correct horse battery staple")
    assert admin.post("/api/hospitals", data=body, content_type="application/json").status_code == 403  # no CSRF
    admin.get("/admin/")  # any page sets the CSRF cookie
    token = admin.cookies["csrftoken"].value
    made = admin.post("/api/hospitals", data=body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert made.status_code == 201 and Hospital.objects.filter(uscc="91440101MA5C0000C3").exists()
    schema = admin.get("/api/openapi.json").json()
    assert "/api/bundles" in schema["paths"] and "/api/trail-heads" in schema["paths"]


def test_administrators_manage_keys_and_tokens_over_the_api_and_inspectors_cannot(
        db, hospital_a: Signed, tmp_path) -> None:
    from ihcheck.cli import main
    from ihcheck.registry.models import KeyEvent, SigningKey, UploadToken
    from reports.keys import SigningKeys

    enrol_hospital(USCC_A, hospital_a)
    secret = tmp_path / "pw"
    secret.write_text("a long enough passphrase\n")
    assert main(["registry", "account", "root1", "--role", "administrator", "--password-file", str(secret)]) == 0
    assert main(["registry", "account", "insp1", "--role", "inspector", "--password-file", str(secret)]) == 0
    admin, inspector = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    assert admin.login(request=HttpRequest(), username="root1", password="a long enough passphrase")
    assert inspector.login(request=HttpRequest(), username="insp1", password="a long enough passphrase")
    admin.get("/admin/")  # a page with a form sets the CSRF cookie
    inspector.get("/admin/login/")  # (an inspector is sent there from /admin/)

    def post(client: Client, path: str, body: dict[str, str] | None = None) -> int:
        return client.post(path, data=json.dumps(body or {}), content_type="application/json",
                           HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value).status_code

    new = " ".join(SigningKeys.generate().public().fingerprints())
    for path, body in ((f"/api/hospitals/{USCC_A}/keys/rotate", {"fingerprints": new}),
                       (f"/api/hospitals/{USCC_A}/tokens", None),
                       ("/api/keys/revoke", {"fingerprint": new.split()[0], "reason": "x"})):
        assert post(inspector, path, body) in (401, 403)  # read-only, whatever the CSRF token
    assert SigningKey.objects.count() == 1 and UploadToken.objects.count() == 0
    assert post(admin, f"/api/hospitals/{USCC_A}/keys/rotate", {"fingerprints": new, "reason": "yearly"}) == 201
    assert post(admin, f"/api/hospitals/{USCC_A}/tokens") == 201
    assert post(admin, "/api/keys/revoke", {"fingerprint": new.split()[0], "reason": "leaked"}) == 200
    assert post(admin, "/api/keys/revoke", {"fingerprint": new.split()[0], "reason": "again"}) == 400
    assert [e.kind for e in KeyEvent.objects.order_by("id")] == ["enrol", "rotate", "enrol", "revoke"]
    assert post(admin, f"/api/hospitals/{USCC_A}/tokens/revoke") == 200
    assert UploadToken.objects.get().revoked_at is not None
    assert inspector.get("/admin/").status_code == 302  # Django's admin is for administrators only
    assert admin.get("/admin/registry/hospital/").status_code == 200
