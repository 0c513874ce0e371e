"""An in-toto attestation of the bundle, so supply-chain tooling (in-toto, sigstore's policy engines,
SLSA verifiers) can check it without knowing ihcheck.

`attestation.intoto.json` is a DSSE envelope (payloadType `application/vnd.in-toto+json`)
signed with the bundle's Ed25519 key (the same key as the manifest's Ed25519 signature), over an
in-toto Statement v1:

    subject        every file of the bundle by its path relative to the bundle root, with its
                   sha256 — all but manifest.json and the two signatures over it (which are made
                   after it and cover it: the manifest lists the attestation's own digests) and
                   the attestation itself
    predicateType  urn:ihcheck:predicate:compliance-check:v1 (a URN: this predicate has no
                   published web page to resolve to)
    predicate      the findings summary (verdict counts, verdict per rule, exit code), the tool
                   and catalogue versions (with the catalogue's sha256), the inventory and the
                   check's start and end

Made and verified with securesystemslib (DSSE `Envelope`, `CryptoSigner`, `SSlibKey`), offline.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from probes.limits import loads as json_loads

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ATTESTATION = "attestation.intoto.json"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "urn:ihcheck:predicate:compliance-check:v1"


def _sha256(value: bytes | str) -> str:
    return hashlib.sha256(value).hexdigest() if isinstance(value, bytes) else value


def statement(files: dict[str, bytes] | dict[str, str], predicate: dict[str, Any]) -> dict[str, Any]:
    """The Statement over `files` ({path: content} or {path: sha256 hex}), subjects sorted by path."""
    subjects = [{"name": rel, "digest": {"sha256": _sha256(files[rel])}} for rel in sorted(files)]
    return {"_type": STATEMENT_TYPE, "subject": subjects, "predicateType": PREDICATE_TYPE, "predicate": predicate}


def sign(statement_: dict[str, Any], key: Ed25519PrivateKey) -> bytes:
    """The DSSE envelope (JSON bytes) of a Statement, signed with an Ed25519 key."""
    from securesystemslib.dsse import Envelope
    from securesystemslib.signer import CryptoSigner

    payload = json.dumps(statement_, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    envelope = Envelope(payload=payload, payload_type=PAYLOAD_TYPE, signatures={})
    envelope.sign(CryptoSigner(key))
    return (json.dumps(envelope.to_dict(), sort_keys=True, indent=1) + "\n").encode("utf-8")


def verify(envelope_bytes: bytes, key: Ed25519PublicKey, files: dict[str, bytes] | dict[str, str]) -> list[str]:
    """Why the attestation does not hold for `files` (the bundle's other files, as {path: content} or
    {path: sha256 hex} already checked against the content); empty when it does.

    Checks the DSSE signature with the Ed25519 key, the Statement's types, that every subject's
    sha256 matches its file, and that every file of the bundle is a subject.
    """
    from securesystemslib.dsse import Envelope
    from securesystemslib.exceptions import VerificationError
    from securesystemslib.signer import SSlibKey

    try:
        envelope = Envelope.from_dict(json_loads(envelope_bytes))
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        return [f"not a DSSE envelope ({type(exc).__name__}: {exc})"]
    if envelope.payload_type != PAYLOAD_TYPE:
        return [f"payloadType {envelope.payload_type!r}, expected {PAYLOAD_TYPE}"]
    try:
        envelope.verify([SSlibKey.from_crypto(key)], 1)
    except VerificationError as exc:
        return [f"DSSE signature does not verify with the bundle's Ed25519 key ({exc})"]
    try:
        body = json_loads(envelope.payload)
    except (ValueError, UnicodeDecodeError):
        return ["payload is not a JSON in-toto Statement"]
    if body.get("_type") != STATEMENT_TYPE or body.get("predicateType") != PREDICATE_TYPE:
        return [f"not an ihcheck in-toto Statement ({body.get('_type')!r}, {body.get('predicateType')!r})"]
    problems = []
    subjects = {s.get("name"): (s.get("digest") or {}).get("sha256") for s in body.get("subject") or ()}
    for rel in sorted(set(subjects) | set(files)):
        if rel not in files:
            problems.append(f"{rel}: a subject of the attestation, missing from the bundle")
        elif rel not in subjects:
            problems.append(f"{rel}: in the bundle but not a subject of the attestation")
        elif _sha256(files[rel]) != subjects[rel]:
            problems.append(f"{rel}: sha256 differs from the attested digest")
    return problems
