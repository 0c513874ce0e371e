"""The bundle's in-toto attestation, checked the way supply-chain tooling checks it: securesystemslib's
DSSE verification with the signer's Ed25519 key, offline, then every subject's sha256."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from securesystemslib.dsse import Envelope
from securesystemslib.signer import SSlibKey

from reports import attestation
from reports.bundle import MANIFEST, SIG_ED25519, SIG_SM2
from reports.keys import SigningKeys, ed25519_public_from_pem
from reports.verify import verify_bundle

SEALED = {MANIFEST, SIG_ED25519, SIG_SM2, attestation.ATTESTATION}


def _files(bundle: Path) -> dict[str, bytes]:
    return {p.relative_to(bundle).as_posix(): p.read_bytes() for p in sorted(bundle.rglob("*")) if p.is_file()}


def test_the_envelope_verifies_offline_and_names_every_file(bundle: Path, signing_keys: SigningKeys) -> None:
    raw = json.loads((bundle / attestation.ATTESTATION).read_text())
    assert raw["payloadType"] == "application/vnd.in-toto+json" and len(raw["signatures"]) == 1
    envelope = Envelope.from_dict(json.loads((bundle / attestation.ATTESTATION).read_text()))
    key = SSlibKey.from_crypto(ed25519_public_from_pem((bundle / "keys/ed25519.pub.pem").read_bytes(), "k"))
    assert set(envelope.verify([key], 1)) == {key.keyid}  # the same Ed25519 key as the manifest signature
    assert key.keyid == SSlibKey.from_crypto(signing_keys.ed25519.public_key()).keyid
    statement = json.loads(base64.b64decode(raw["payload"]))
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    files = _files(bundle)
    subjects = {s["name"]: s["digest"]["sha256"] for s in statement["subject"]}
    assert set(subjects) == set(files) - SEALED  # every other file, by its path in the bundle
    assert all(hashlib.sha256(files[name]).hexdigest() == digest for name, digest in subjects.items())
    predicate = statement["predicate"]
    result = json.loads(files["result.json"])
    assert predicate["summary"] == result["summary"] and predicate["tool"]["version"] == result["tool"]["version"]
    assert predicate["catalogue"] == result["catalogue"]
    assert attestation.verify(files[attestation.ATTESTATION], signing_keys.ed25519.public_key(),
                              {k: v for k, v in files.items() if k not in SEALED}) == []
    manifest = json.loads(files[MANIFEST])
    assert attestation.ATTESTATION in manifest["files"]  # the manifest signatures cover it too
    assert manifest["signer"]["sm2_distinguishing_id"] == "1234567812345678"


def test_one_changed_byte_fails(bundle: Path, signing_keys: SigningKeys) -> None:
    files = _files(bundle)
    others = {k: v for k, v in files.items() if k not in SEALED}
    public = signing_keys.ed25519.public_key()
    # one byte of an attested file
    changed = dict(others)
    data = bytearray(changed["findings.json"])
    data[len(data) // 2] ^= 0x01
    changed["findings.json"] = bytes(data)
    assert attestation.verify(files[attestation.ATTESTATION], public, changed) == [
        "findings.json: sha256 differs from the attested digest"]
    # one byte of the signed payload (the statement itself)
    raw = json.loads(files[attestation.ATTESTATION])
    payload = bytearray(base64.b64decode(raw["payload"]))
    payload[payload.index(b'"sha256":"') + 10] ^= 0x01
    raw["payload"] = base64.b64encode(bytes(payload)).decode()
    problems = attestation.verify(json.dumps(raw).encode(), public, others)
    assert len(problems) == 1 and "DSSE signature does not verify" in problems[0]
    # and `ihcheck verify` refuses the bundle carrying it
    (bundle / attestation.ATTESTATION).write_text(json.dumps(raw))
    assert not verify_bundle(bundle).ok


def test_another_key_does_not_verify(bundle: Path) -> None:
    files = _files(bundle)
    problems = attestation.verify(files[attestation.ATTESTATION], SigningKeys.generate().ed25519.public_key(),
                                  {k: v for k, v in files.items() if k not in SEALED})
    assert problems and "does not verify" in problems[0]
