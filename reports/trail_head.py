"""A signed statement of an audit trail's head (`ihcheck trail head`), handed to the regulator on a schedule.

The trail format (probes.trail) shows a log unchanged *relative to its head*; whoever can rewrite the file
can recompute every hash, so the head must be kept elsewhere. This statement is what is kept: the head, the
record count and last seq, the log's SHA-256, the time, signed with the hospital's bundle keys (Ed25519 and
SM2 over the statement's exact bytes, as a bundle's manifest is). Format `ihcheck.trail-head/1`:

    {"format": "ihcheck.trail-head/1", "statement": "<JSON text>", "signatures": {"ed25519": b64, "sm2": b64},
     "keys": {"ed25519": "<PEM>", "sm2": "<PEM>"}}
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from checker.errors import InputError
from reports.keys import PublicKeys, SigningKeys, Sm2PublicKey, ed25519_public_from_pem, ed25519_public_pem

FORMAT = "ihcheck.trail-head/1"


def make(log: Path, keys: SigningKeys, *, prev: str | None = None, at: datetime | None = None) -> dict[str, Any]:
    """Verify the log (probes.trail) and sign its head; a broken log has no head worth signing."""
    from probes.trail import GENESIS, verify

    check = verify(log, prev=prev or GENESIS)
    if check.broken is not None:
        raise InputError(f"{log}: the audit log is broken at {check.broken.describe()}: no head to sign")
    if check.records == 0:
        raise InputError(f"{log}: the audit log holds no record")
    ed, sm2 = keys.public().fingerprints()
    statement = {"format": FORMAT, "head": check.head, "records": check.records, "first_seq": check.first_seq,
                 "last_seq": check.last_seq, "prev": prev or GENESIS, "log_sha256": check.sha256,
                 "stated_at": (at or datetime.now(UTC)).isoformat(), "signer": {"ed25519": ed, "sm2": sm2}}
    text = json.dumps(statement, ensure_ascii=False, sort_keys=True)
    raw = text.encode("utf-8")
    public = keys.public()
    return {"format": FORMAT, "statement": text,
            "signatures": {"ed25519": base64.b64encode(keys.ed25519.sign(raw)).decode(),
                           "sm2": base64.b64encode(keys.sm2.sign(raw)).decode()},
            "keys": {"ed25519": ed25519_public_pem(public.ed25519).decode(), "sm2": public.sm2.pem().decode()}}


@dataclass(frozen=True)
class Head:
    statement: dict[str, Any]
    signer: tuple[str, str]  # the fingerprints of the keys that signed it

    @property
    def head(self) -> str:
        return str(self.statement["head"])

    @property
    def stated_at(self) -> datetime:
        when = datetime.fromisoformat(str(self.statement["stated_at"]))
        return when if when.tzinfo else when.replace(tzinfo=UTC)


def verify(envelope: Any, pinned: set[str]) -> Head:
    """Both signatures hold under keys whose fingerprints are pinned; the statement is well formed."""
    from cryptography.exceptions import InvalidSignature

    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT:
        raise InputError(f"trail head: not an {FORMAT} statement")
    try:
        text = str(envelope["statement"])
        keys = PublicKeys(ed25519_public_from_pem(str(envelope["keys"]["ed25519"]).encode(), "keys.ed25519"),
                          Sm2PublicKey.from_pem(str(envelope["keys"]["sm2"]).encode(), "keys.sm2"))
        ed_sig = base64.b64decode(str(envelope["signatures"]["ed25519"]), validate=True)
        sm2_sig = base64.b64decode(str(envelope["signatures"]["sm2"]), validate=True)
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"trail head: malformed ({type(exc).__name__}: {exc})") from None
    signer = keys.fingerprints()
    if not set(signer) <= pinned:
        raise InputError(f"trail head: signed with {signer[0]}, not a key enrolled and valid for this hospital")
    raw = text.encode("utf-8")
    try:
        keys.ed25519.verify(ed_sig, raw)
    except InvalidSignature:
        raise InputError("trail head: the Ed25519 signature does not verify") from None
    if not keys.sm2.verify(sm2_sig, raw):
        raise InputError("trail head: the SM2 signature does not verify")
    try:
        statement = json.loads(text)
    except ValueError:
        raise InputError("trail head: the statement is not JSON") from None
    if (not isinstance(statement, dict) or statement.get("format") != FORMAT
            or not isinstance(statement.get("head"), str) or len(statement["head"]) != 64
            or not isinstance(statement.get("last_seq"), int) or "stated_at" not in statement):
        raise InputError("trail head: the statement lacks head, last_seq or stated_at")
    return Head(statement, signer)


def claimed_signer(envelope: Any) -> tuple[str, str] | None:
    """The fingerprints of the keys an envelope carries (who it claims to be), before anything is verified."""
    try:
        keys = PublicKeys(ed25519_public_from_pem(str(envelope["keys"]["ed25519"]).encode(), "keys.ed25519"),
                          Sm2PublicKey.from_pem(str(envelope["keys"]["sm2"]).encode(), "keys.sm2"))
    except (KeyError, TypeError, InputError):
        return None
    return keys.fingerprints()


def stated_at(envelope: Any) -> datetime | None:
    try:
        when = datetime.fromisoformat(str(json.loads(str(envelope["statement"]))["stated_at"]))
    except (KeyError, TypeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)
