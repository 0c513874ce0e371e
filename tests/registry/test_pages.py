"""The regulator's pages through Django's test client, on SQLite and PostgreSQL: who may open what, CSRF, the
confirmation before a destructive action, the action log, and a bundle's content shown as text, never markup."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.http import HttpRequest
from django.test import Client

from ihcheck.registry.models import Action, Hospital, UploadToken
from ihcheck.registry.services import enrol, intake
from tests.registry.conftest import USCC_A, USCC_B, Signed
from tests.registry.conftest import enrol as enrol_hospital

RULE = "GD2020-1.2.5-isps"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def province(db, hospital_a: Signed, hospital_b: Signed) -> None:
    enrol_hospital(USCC_A, hospital_a)
    enrol_hospital(USCC_B, hospital_b, city="深圳")
    for path in (hospital_a.tar("compliant"), hospital_a.tar("single-isp"), hospital_b.tar("compliant")):
        intake.take_file(path, via="cli", actor="t")
    enrol.create_account("admin1", PASSWORD, "administrator", actor="t")
    enrol.create_account("inspector1", PASSWORD, "inspector", actor="t")


def _client(username: str | None, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    if username:
        assert client.login(request=HttpRequest(), username=username, password=PASSWORD)
    return client


def test_every_page_needs_a_regulator_account(province: None) -> None:
    anonymous = _client(None)
    for path in ("/", f"/hospitals/{USCC_A}/", f"/rules/{RULE}/", "/actions/", "/manage/"):
        response = anonymous.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), path


def test_the_pages_read_the_province(province: None) -> None:
    client = _client("inspector1")
    overview = client.get("/").content.decode()
    assert "全省概览" in overview and "Province overview" in overview and USCC_A in overview
    assert "管理 <span" not in overview, "no administration link for an inspector"
    only = client.get("/", {"city": "深圳"}).content.decode()
    assert USCC_B in only and USCC_A not in only
    failing = client.get("/", {"rule": RULE, "verdict": "fail"}).content.decode()
    assert USCC_A in failing and USCC_B not in failing
    hospital = client.get(f"/hospitals/{USCC_A}/").content.decode()
    assert f"{RULE}:" in hospital and "→" in hospital, "the verdict change from the bundle before"
    rule = client.get(f"/rules/{RULE}/").content.decode()
    assert "业务使用的网络带宽不低于10Mbps" in rule and "at least two broadband network providers" in rule
    latest = Hospital.objects.get(uscc=USCC_A).latest_bundle
    drift = client.get(f"/hospitals/{USCC_A}/drift/{latest.digest}/").content.decode()
    assert RULE in drift and "uplink" in drift.lower()
    index = latest.findings.get(rule_id=RULE, verdict="fail").index
    finding = client.get(f"/bundles/{latest.digest}/findings/{index}/").content.decode()
    assert "SHA-256" in finding and "SM3" in finding and latest.key.sm2 in finding
    missing = client.get("/hospitals/12440100MB9999999X/")
    assert missing.status_code == 404 and "未找到" in missing.content.decode()
    assert client.get(f"/bundles/{latest.digest}/findings/9999/").status_code == 404


def test_an_inspector_is_refused_every_administration_page_and_post(province: None) -> None:
    client = _client("inspector1")
    before = Action.objects.count()
    for path in ("/manage/", f"/manage/hospitals/{USCC_A}/", f"/manage/hospitals/{USCC_A}/tokens/revoke/",
                 f"/manage/hospitals/{USCC_A}/keys/revoke/", "/manage/accounts/admin1/deactivate/"):
        assert client.get(path).status_code == 403, path
    for path, data in (("/manage/", {"name": "x", "uscc": "12440400MB0888888X", "city": "珠海"}),
                       (f"/manage/hospitals/{USCC_A}/tokens/", {}),
                       (f"/manage/hospitals/{USCC_A}/tokens/revoke/", {"confirm": "yes"}),
                       ("/manage/accounts/admin1/deactivate/", {"confirm": "yes"})):
        assert client.post(path, data).status_code == 403, path
    assert Action.objects.count() == before and not UploadToken.objects.exists()


def test_forms_need_csrf_and_destructive_actions_a_confirmation(province: None) -> None:
    strict = _client("admin1", csrf=True)
    assert strict.post(f"/manage/hospitals/{USCC_A}/tokens/").status_code == 403, "no CSRF token: refused"
    admin = _client("admin1")
    page = admin.post(f"/manage/hospitals/{USCC_A}/tokens/").content.decode()
    token = UploadToken.objects.get(hospital__uscc=USCC_A)
    assert token.prefix in page and token.revoked_at is None
    assert admin.get(f"/manage/hospitals/{USCC_A}/tokens/revoke/").status_code == 200  # the confirmation page
    admin.post(f"/manage/hospitals/{USCC_A}/tokens/revoke/", {})  # no confirm: nothing happens
    token.refresh_from_db()
    assert token.revoked_at is None
    admin.post(f"/manage/hospitals/{USCC_A}/tokens/revoke/", {"confirm": "yes"})
    token.refresh_from_db()
    assert token.revoked_at is not None
    events = list(Action.objects.filter(hospital__uscc=USCC_A).values_list("event", flat=True))
    assert "token.issue" in events and "token.revoke" in events
    admin.post("/manage/accounts/inspector1/deactivate/", {"confirm": "yes"})
    assert not Client().login(request=HttpRequest(), username="inspector1", password=PASSWORD)
    assert Action.objects.filter(event="account.deactivate").exists()


def test_what_a_bundle_says_is_shown_as_text(province: None, hospital_a: Signed, tmp_path: Path) -> None:
    """A finding's reason carrying markup, in a correctly signed bundle: the pages escape it."""
    from datetime import UTC, datetime

    from ihcheck.registry.province import signed
    from reports.verify import read_bundle

    files = read_bundle(hospital_a.tar("single-isp"))
    findings = json.loads(files["findings.json"])
    index = next(i for i, f in enumerate(findings) if f["rule_id"] == RULE)
    findings[index]["reason"] = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    files["findings.json"] = json.dumps(findings).encode()
    files["manifest.json"] = _manifest_with(files, "findings.json")
    data = signed(files, hospital_a.keys, datetime.now(UTC), "hostile")
    bundle = intake.take(data, name="hostile.tar.gz", via="http", actor="t").bundle
    page = _client("inspector1").get(f"/bundles/{bundle.digest}/findings/{index}/").content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page and "<img src=x" not in page


def _manifest_with(files: dict[str, bytes], rel: str) -> bytes:
    import hashlib

    manifest = json.loads(files["manifest.json"])
    data = files[rel]
    manifest["files"][rel] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                              "sm3": hashlib.new("sm3", data).hexdigest()}
    return json.dumps(manifest).encode()


def test_the_overview_pages_its_rows_worst_first(province: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from ihcheck.registry.web import views

    monkeypatch.setattr(views, "PER_PAGE", 1)
    client = _client("inspector1")
    first = client.get("/").content.decode()
    assert USCC_A in first and USCC_B not in first, "the failing hospital first"
    assert "第 1 / 2 页" in first and "?p=2" in first
    second = client.get("/", {"p": 2}).content.decode()
    assert USCC_B in second and USCC_A not in second


def test_a_pass_resting_on_a_document_is_shown_as_attested(province: None, hospital_b: Signed) -> None:
    from datetime import UTC, datetime

    from ihcheck.registry.province import signed
    from reports.verify import read_bundle

    files = read_bundle(hospital_b.tar("compliant"))
    findings = json.loads(files["findings.json"])
    for finding in findings:
        if finding["rule_id"] == RULE:
            finding["evidence"] = [{**e, "basis": "attested"} for e in finding["evidence"]]
    files["findings.json"] = json.dumps(findings).encode()
    files["manifest.json"] = _manifest_with(files, "findings.json")
    intake.take(signed(files, hospital_b.keys, datetime.now(UTC), "attested"), name="b.tar.gz", via="http",
                actor="t")
    page = _client("inspector1").get(f"/rules/{RULE}/").content.decode()
    tables = {t.split('class="v v-')[1].split('"')[0]: t for t in page.split("<table>")[1:]}
    assert Hospital.objects.get(uscc=USCC_B).name in tables["attested"] and "文件声明" in tables["attested"]
    assert Hospital.objects.get(uscc=USCC_A).name in tables["fail"]
    assert "pass" not in tables, "the only pass rests on a document"


def test_deadline_counts_kept_between_renders_match_a_fresh_computation(province: None, hospital_a: Signed) -> None:
    from collections import Counter

    from django.utils import timezone

    from ihcheck.registry.services import queries
    from ihcheck.registry.web.due import due_counts

    today = timezone.localdate()

    def fresh() -> dict[str, int]:
        counted = Counter(r["uscc"] for r in queries.deadlines(today=today, horizon_days=30))
        return {u: counted.get(u, 0) for u in Hospital.objects.values_list("uscc", flat=True)}

    assert due_counts(today) == fresh()
    Hospital.objects.filter(uscc=USCC_B).update(registered_on=today.replace(day=1))  # deadlines now run from it
    intake.take_file(hospital_a.tar("slow-uplink"), via="cli", actor="t")
    assert due_counts(today) == fresh() and fresh()[USCC_B] > 0


def test_a_bundle_whose_key_was_revoked_since_is_flagged_on_the_overview(province: None) -> None:
    key = Hospital.objects.get(uscc=USCC_B).latest_bundle.key
    assert "签名密钥已吊销" not in _client("inspector1").get("/").content.decode()
    enrol.revoke_key(key, actor="t", reason="leaked")
    assert "签名密钥已吊销" in _client("inspector1").get("/", {"city": "深圳"}).content.decode()


def test_the_overview_and_a_rule_cost_the_same_queries_whatever_the_provinces_size(
        province: None, hospital_b: Signed) -> None:
    """The number of SQL queries of `/` (also filtered and paged) and `/rules/<id>/` does not grow with the
    hospitals: 2 enrolled (one failing), then 7 (a stale one, a refused upload, one with nothing handed in)."""
    from datetime import UTC, datetime, timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ihcheck.registry.province import signed, tampered
    from reports.keys import SigningKeys
    from reports.verify import read_bundle

    base = read_bundle(hospital_b.tar("compliant"))
    client = _client("inspector1")
    paths = ("/", "/?city=深圳&verdict=pass", f"/?rule={RULE}&verdict=fail", "/?city=广州", f"/rules/{RULE}/",
             "/rules/GD2020-2.2-materials/")

    def queries() -> list[int]:
        counts = []
        for path in paths:
            client.get(path)  # the deadlines of the hospitals shown are kept between renders: count a warm one
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path)
            assert response.status_code == 200
            counts.append(len(captured.captured_queries))
        return counts

    small = queries()
    now = datetime.now(UTC)
    for n in range(5):
        keys = SigningKeys.generate()
        uscc = f"12440300MB{n:07d}X"
        hospital = enrol.enrol_hospital(name=f"测试医院 {n}", uscc=uscc, city="深圳", actor="t")
        enrol.add_key(hospital, " ".join(keys.public().fingerprints()), actor="t", valid_from=now - timedelta(weeks=60))
        if n == 4:
            continue  # nothing handed in yet
        data = signed(base, keys, now - timedelta(weeks=20 if n == 0 else 1), f"b{n}")
        intake.take(data, name=f"b{n}.tar.gz", via="http", actor="t", hospital=hospital)
        if n == 1:
            with pytest.raises(intake.Refused):
                intake.take(tampered(signed(base, keys, now, "t")), name="t.tar.gz", via="http", actor="t",
                            hospital=hospital)
    assert queries() == small
    page = client.get("/").content.decode()
    assert page.index("12440300MB0000001X") < page.index("12440300MB0000000X") < page.index(USCC_A), \
        "refused first, then stale, then failing"
