"""Hostile uploads are refused with a one-line reason and nothing stored: no bundle row, no stored bytes, only a
`refuse` record in the action log. Over HTTP with a hospital's token, and by the administrator's intake."""

from __future__ import annotations

import gzip
import io
import json
import re
import shutil
import tarfile
from pathlib import Path

import pytest
from django.test import Client, override_settings

from ihcheck.registry.models import Action, Bundle, Finding
from ihcheck.registry.services import enrol, intake
from reports.bundle import MANIFEST, SIG_ED25519, SIG_SM2
from tests.registry.conftest import USCC_A, USCC_B, Signed, stored_blobs
from tests.registry.conftest import enrol as enrol_hospital


def _tar(members: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb") as gz, tarfile.open(fileobj=gz, mode="w") as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def _file(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def _tampered(signed: Signed, tmp: Path) -> bytes:
    copy = tmp / "tampered"
    shutil.copytree(signed.bundles["compliant"], copy)
    findings = copy / "findings.json"
    data = bytearray(findings.read_bytes())
    data[data.index(b'"pass"')+1] = ord("P")  # one byte
    findings.write_bytes(bytes(data))
    return intake.pack(copy)


def _resigned(signed: Signed, tmp: Path) -> bytes:
    """Altered, then its manifest re-signed by another key (the manifest's file digests made to match)."""
    import hashlib

    from reports.keys import SigningKeys

    other = SigningKeys.generate()
    copy = tmp / "resigned"
    shutil.copytree(signed.bundles["compliant"], copy)
    findings = copy / "findings.json"
    findings.write_bytes(findings.read_bytes().replace(b'"fail"', b'"pass"'))
    manifest = json.loads((copy / MANIFEST).read_bytes())
    data = findings.read_bytes()
    manifest["files"]["findings.json"] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                                          "sm3": hashlib.new("sm3", data).hexdigest()}
    raw = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode() + b"\n"
    (copy / MANIFEST).write_bytes(raw)
    (copy / SIG_ED25519).write_bytes(other.ed25519.sign(raw))
    (copy / SIG_SM2).write_bytes(other.sm2.sign(raw))
    return intake.pack(copy)


def _dotdot() -> bytes:
    return _tar([_file("bundle/manifest.json", b"{}"), _file("bundle/../../etc/cron.d/x", b"* * * * * root id\n")])


def _link() -> bytes:
    link = tarfile.TarInfo("bundle/findings.json")
    link.type = tarfile.SYMTYPE
    link.linkname = "/etc/shadow"
    return _tar([_file("bundle/manifest.json", b"{}"), (link, None)])


def _bomb() -> bytes:
    """8 MiB of zeros in one member: a few kB on the wire, over the 4 MiB the test registry unpacks."""
    info = tarfile.TarInfo("bundle/observations/x.json")
    info.size = 8 << 20
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9) as gz, tarfile.open(fileobj=gz, mode="w") as tar:
        tar.addfile(info, io.BytesIO(bytes(info.size)))
    return buffer.getvalue()


CASES = {
    "tampered byte": (_tampered, "altered"),
    "re-signed by another key": (_resigned, "signed with another key|not among the pinned"),
    "tar with ..": (lambda s, t: _dotdot(), "not a plain file inside the bundle"),
    "tar with a link": (lambda s, t: _link(), "not a plain file inside the bundle"),
    "decompression bomb": (lambda s, t: _bomb(), "decompresses to more than|larger than"),
    "oversized upload": (lambda s, t: intake.pack(s.tar("compliant")) + bytes(64 << 10), "an upload may hold"),
}


@pytest.fixture
def token_a(db, hospital_a: Signed) -> str:
    return enrol.issue_token(enrol_hospital(USCC_A, hospital_a), actor="t")


def _nothing_stored(data: Path, reason: str) -> None:
    assert Bundle.objects.count() == 0 and Finding.objects.count() == 0
    assert stored_blobs(data) == []
    refusal = Action.objects.filter(event="refuse").get()
    assert refusal.detail["reason"] == reason and "\n" not in reason


@override_settings(IHCHECK_MAX_BUNDLE_BYTES=4 << 20)
@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_upload_over_http_is_refused_and_nothing_is_stored(
        case: str, token_a: str, hospital_a: Signed, tmp_path: Path, registry_data: Path) -> None:
    make, pattern = CASES[case]
    data = make(hospital_a, tmp_path)
    limit = len(intake.pack(hospital_a.tar("compliant"))) + 1024 if case == "oversized upload" else 64 << 20
    with override_settings(IHCHECK_MAX_UPLOAD_BYTES=limit):
        response = Client().post("/api/bundles?name=x.tar.gz", data=data, content_type="application/gzip",
                                 HTTP_AUTHORIZATION=f"Bearer {token_a}")
    assert response.status_code == 422, response.content
    reason = response.json()["refused"]
    assert re.search(pattern, reason), reason
    _nothing_stored(registry_data, reason)


def test_another_hospitals_bundle_with_this_token_is_refused(
        token_a: str, hospital_b: Signed, registry_data: Path) -> None:
    enrol_hospital(USCC_B, hospital_b, city="深圳")
    Action.objects.all().delete()  # only the refusal below is of interest
    response = Client().post("/api/bundles", data=intake.pack(hospital_b.tar("compliant")),
                             content_type="application/gzip", HTTP_AUTHORIZATION=f"Bearer {token_a}")
    assert response.status_code == 422
    assert f"enrolled for another hospital ({USCC_B}), not {USCC_A}" in response.json()["refused"]
    _nothing_stored(registry_data, response.json()["refused"])


def test_an_unenrolled_signer_is_refused_as_unpinned(token_a: str, hospital_b: Signed, registry_data: Path) -> None:
    response = Client().post("/api/bundles", data=intake.pack(hospital_b.tar("compliant")),
                             content_type="application/gzip", HTTP_AUTHORIZATION=f"Bearer {token_a}")
    assert response.status_code == 422 and "signed with another key" in response.json()["refused"]
    _nothing_stored(registry_data, response.json()["refused"])


def test_a_bundle_signed_with_a_revoked_key_is_refused(db, hospital_a: Signed, registry_data: Path) -> None:
    from ihcheck.registry.services import queries

    hospital = enrol_hospital(USCC_A, hospital_a)
    intake.take_file(hospital_a.tar("single-isp"), via="cli", actor="t")  # taken in while the key was good
    assert not queries.province()[0]["key_revoked"]
    enrol.revoke_key(hospital.keys.get(), actor="t", reason="private key leaked")
    assert queries.province()[0]["key_revoked"]  # what it signed is still held, and shown under suspicion
    findings = Finding.objects.count()
    with pytest.raises(intake.Refused, match="revoked on"):
        intake.take_file(hospital_a.tar("compliant"), via="cli", actor="t")
    refusal = Action.objects.get(event="refuse")
    assert refusal.hospital == hospital  # on the hospital's timeline, though no token said whose it was
    assert "\n" not in refusal.detail["reason"]
    assert Bundle.objects.count() == 1 and Finding.objects.count() == findings  # nothing more stored
    assert len(stored_blobs(registry_data)) == 1


def test_no_token_or_a_revoked_token_cannot_upload(token_a: str, hospital_a: Signed) -> None:
    from ihcheck.registry.models import UploadToken

    held = UploadToken.objects.get()
    assert held.digest == enrol.token_digest(token_a) and token_a not in (held.digest, held.prefix)
    assert not Action.objects.filter(line__contains=token_a.encode()).exists()  # nor in the log
    data = intake.pack(hospital_a.tar("compliant"))
    assert Client().post("/api/bundles", data=data, content_type="application/gzip").status_code == 401
    assert Client().post("/api/bundles", data=data, content_type="application/gzip",
                         HTTP_AUTHORIZATION="Bearer ihc_guess").status_code == 401
    enrol.revoke_tokens(enrol.hospital(USCC_A), actor="t")
    assert Client().post("/api/bundles", data=data, content_type="application/gzip",
                         HTTP_AUTHORIZATION=f"Bearer {token_a}").status_code == 401
    assert Bundle.objects.count() == 0


@override_settings(IHCHECK_UPLOADS_PER_HOUR=2)
def test_uploads_are_rate_limited_per_token(token_a: str, hospital_a: Signed) -> None:
    data = intake.pack(hospital_a.tar("compliant"))
    codes = [Client().post("/api/bundles", data=data, content_type="application/gzip",
                           HTTP_AUTHORIZATION=f"Bearer {token_a}").status_code for _ in range(3)]
    assert codes == [201, 200, 429]


def test_a_weak_password_or_an_unknown_role_is_refused(db) -> None:
    with pytest.raises(enrol.RegistryError, match="password"):
        enrol.create_account("li", "short", "inspector", actor="t")
    with pytest.raises(enrol.RegistryError, match="password"):
        enrol.create_account("li", "password1234", "inspector", actor="t")  # too common
    with pytest.raises(enrol.RegistryError, match="role"):
        enrol.create_account("li", "a long enough passphrase", "superuser", actor="t")
