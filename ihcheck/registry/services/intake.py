"""Intake: a bundle verified with the code of `ihcheck verify` (reports.verify) against the keys enrolled for its
hospital that were valid when it was signed, then stored once, content-addressed, and indexed.

A refused upload leaves nothing behind but one line in the registry's action log saying why. The bytes are
read within limits before any parsing (upload size, decompressed size, members: reports.verify.read_bundle
refuses `..`, absolute paths, links and devices in the tar).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.db.models import JSONField, Model

from checker.errors import InputError
from ihcheck.registry.models import Bundle, Document, Finding, Hospital, SigningKey
from ihcheck.registry.services import actions
from ihcheck.registry.services.enrol import key_valid_at
from ihcheck.registry.services.indexed import join_bases
from ihcheck.registry.services.refusals import Refused as Refused  # re-exported: callers say intake.Refused
from ihcheck.registry.services.refusals import from_the_future
from ihcheck.registry.services.refusals import one_line as one_line
from reports.bundle import KEY_ED25519, KEY_SM2, MANIFEST
from reports.drift import RANK


@dataclass(frozen=True)
class Intake:
    bundle: Bundle
    created: bool  # False: the same bundle was already held (one record)


def _read(data: bytes, name: str) -> dict[str, bytes]:
    """The bundle's files, by reports.verify.read_bundle (the limits and tar checks of `ihcheck verify`)."""
    from reports.verify import read_bundle

    limit = int(settings.IHCHECK_MAX_UPLOAD_BYTES)
    if len(data) > limit:
        raise Refused(f"{name}: {len(data)} bytes, more than the {limit} an upload may hold")
    spool = Path(settings.IHCHECK_REGISTRY_DATA) / "incoming"
    spool.mkdir(exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=spool, suffix=".tar.gz") as handle:
        handle.write(data)
        handle.flush()
        try:
            content = read_bundle(Path(handle.name), max_bytes=int(settings.IHCHECK_MAX_BUNDLE_BYTES),
                                  max_files=int(settings.IHCHECK_MAX_BUNDLE_MEMBERS))
        except InputError as exc:
            raise Refused(str(exc).replace(handle.name, name)) from None
    return content


def _signed_at(content: dict[str, bytes]) -> datetime | None:
    """The manifest's created_at (authentic once the signature verified; used to pick the valid keys first)."""
    try:
        value = json.loads(content[MANIFEST]).get("created_at")
        when = datetime.fromisoformat(str(value))
    except (KeyError, ValueError, TypeError, AttributeError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _signer_key(content: dict[str, bytes]) -> SigningKey | None:
    """The enrolled key whose Ed25519 or SM2 public key the bundle carries (who it claims to be), if any."""
    from reports.keys import Sm2PublicKey, ed25519_fingerprint, ed25519_public_from_pem

    prints = []
    with contextlib.suppress(InputError):
        prints.append(ed25519_fingerprint(ed25519_public_from_pem(content.get(KEY_ED25519, b""), KEY_ED25519)))
    with contextlib.suppress(InputError):
        prints.append(Sm2PublicKey.from_pem(content.get(KEY_SM2, b""), KEY_SM2).fingerprint())
    for fingerprint in prints:
        key = (SigningKey.objects.select_related("hospital").filter(ed25519=fingerprint).first()
               or SigningKey.objects.select_related("hospital").filter(sm2=fingerprint).first())
        if key is not None:
            return key
    return None


def _why_not_valid(key: SigningKey, when: datetime) -> str:
    if key.revoked_at is not None:
        return f"signed with key {key.ed25519}, revoked on {key.revoked_at.isoformat()}"
    if when < key.valid_from:
        return f"signed on {when.isoformat()}, before key {key.ed25519} was valid (from {key.valid_from.isoformat()})"
    return f"signed on {when.isoformat()}, after key {key.ed25519} stopped being valid"


def verify_for(content: dict[str, bytes], name: str, hospital: Hospital | None) -> tuple[Hospital, SigningKey, Any]:
    """Verify as `ihcheck verify --keyring` would, with this hospital's keys valid at signing time; the reason
    for a refusal names what failed."""

    claimed = _signer_key(content)
    if hospital is None:  # an administrator's or the drop folder's intake: the enrolled key says whose it is
        if claimed is None:
            raise Refused(f"{name}: unpinned: the signer's key is not enrolled for any hospital")
        hospital = claimed.hospital
    elif claimed is not None and claimed.hospital_id != hospital.pk:
        raise Refused(f"{name}: signed with a key enrolled for another hospital ({claimed.hospital.uscc}), "
                      f"not {hospital.uscc}")
    try:
        return _verify_as(content, name, hospital, claimed)
    except Refused as exc:
        exc.hospital = hospital
        raise


def _verify_as(content: dict[str, bytes], name: str, hospital: Hospital,
               claimed: SigningKey | None) -> tuple[Hospital, SigningKey, Any]:
    from reports.verify import verify_content

    when = _signed_at(content)
    if future := from_the_future(when):
        raise Refused(f"{name}: {future}")
    keys = list(hospital.keys.all())
    valid = [k for k in keys if when is not None and key_valid_at(k, when)]
    keyring = {f"{hospital.uscc}#{k.pk}": k.fingerprints() for k in valid}
    if claimed is not None and when is not None and claimed not in valid:
        raise Refused(f"{name}: {_why_not_valid(claimed, when)}")
    if not keyring:
        raise Refused(f"{name}: unpinned: no key of {hospital.uscc} was valid at the bundle's signing time "
                      f"({when.isoformat() if when else 'unknown'})")
    verification = verify_content(content, name, keyring=keyring)
    if not verification.trusted:
        first = verification.first
        raise Refused(f"{name}: {first}" if first else f"{name}: not signed by a key enrolled for {hospital.uscc}")
    key = next(k for k in valid if f"{hospital.uscc}#{k.pk}" == verification.registered_as)
    return hospital, key, verification


def evidence_basis(finding: dict[str, Any]) -> str:
    """The bases a finding's evidence rests on (Finding.basis) from the bundle's JSON as it stands (migration 0003
    reads bundles already held): sorted, comma-joined, each as the bundle states it."""
    return join_bases(e.get("basis") for e in finding.get("evidence") or () if isinstance(e, dict))


def take(data: bytes, *, name: str, via: str, actor: str, hospital: Hospital | None = None) -> Intake:
    """Verify, store and index one uploaded bundle (a .tar.gz); raises Refused, logged, with nothing stored."""
    from ihcheck.registry.services import indexed

    name = one_line(name)
    try:
        content = _read(data, name)
        hospital, key, verification = verify_for(content, name, hospital)
        try:  # signed is not sane: what the rows hold is parsed within their bounds before anything is stored
            parsed = indexed.parse(verification.manifest, content)
        except InputError as exc:
            raise Refused(f"{name}: {exc}") from None
    except Refused as exc:
        actions.record("refuse", actor, hospital=exc.hospital or hospital, source=name, via=via, size=len(data),
                       sha256=hashlib.sha256(data).hexdigest(), reason=str(exc))
        raise
    digest = hashlib.sha256(content[MANIFEST]).hexdigest()
    existing = Bundle.objects.filter(digest=digest).first()
    if existing is not None:
        actions.record("upload", actor, hospital=hospital, source=name, via=via, bundle=digest, duplicate=True)
        return Intake(existing, created=False)
    blob = f"bundles/{digest[:2]}/{digest}.tar.gz"
    wrote = False
    if not default_storage.exists(blob):  # content-addressed: the same name always holds the same bytes
        saved = default_storage.save(blob, ContentFile(data))
        wrote = saved == blob
        if saved != blob:  # another worker stored the same bundle meanwhile; storage gave this copy another name
            default_storage.delete(saved)
    try:
        with transaction.atomic():
            bundle = _index(parsed, hospital, key, verification, digest, blob, len(data), via, _signed_at(content))
            actions.record("upload", actor, hospital=hospital, source=name, via=via, bundle=digest,
                           signed_at=bundle.signed_at.isoformat(), worst=bundle.worst)
    except IntegrityError:  # another worker took the same bundle in meanwhile
        actions.record("upload", actor, hospital=hospital, source=name, via=via, bundle=digest, duplicate=True)
        return Intake(Bundle.objects.get(digest=digest), created=False)
    except BaseException:  # no row holds the blob: it goes too (nothing stored but what is indexed)
        if wrote:
            default_storage.delete(blob)
        raise
    from ihcheck.registry.services.anchor import anchor_from_bundle

    anchor_from_bundle(bundle, actor=actor)
    return Intake(bundle, created=True)


def _index(parsed: Any, hospital: Hospital, key: SigningKey, verification: Any, digest: str, blob: str,
           size: int, via: str, signed_at: datetime | None) -> Bundle:
    rules = dict(parsed.result.summary.rules)
    counts: dict[str, int] = {}
    for verdict in rules.values():
        counts[verdict] = counts.get(verdict, 0) + 1
    worst = max(rules.values(), key=lambda v: RANK.get(v, 1), default="inconclusive")
    trail = parsed.trail
    anchored = trail.broken is None and trail.head is not None and trail.last_seq is not None
    assert signed_at is not None  # verify_for found a key valid at it
    bundle = Bundle.objects.create(
        hospital=hospital, key=key, digest=digest, blob=blob, size=size, files=verification.files,
        signed_at=signed_at, checked_at=parsed.result.finished_at, via=via,
        catalogue_version=parsed.manifest.catalogue.version, catalogue_sha256=parsed.manifest.catalogue.sha256,
        tool_version=parsed.manifest.tool.version, rules=rules, counts=counts,
        worst=worst, trail_head=trail.head if anchored else "", trail_last_seq=trail.last_seq if anchored else None,
        warnings=list(verification.warnings))
    _insert(Finding, [
        Finding(bundle=bundle, index=i, rule_id=f.rule_id, verdict=f.verdict, hosts=list(f.hosts),
                reason=(f.reason or "")[:4000], observations=f.cited(), basis=f.bases())
        for i, f in enumerate(parsed.findings)])
    _insert(Document, [
        Document(bundle=bundle, file=d.file, items=list(d.items), title=d.title or "", issued=d.issued,
                 expires=d.expires, submitted=d.submitted, sha256=d.sha256 or "")
        for d in parsed.documents])
    # the newest by signing time; the hospital's row is locked so two workers taking in its bundles decide in turn
    locked = Hospital.objects.select_for_update().get(pk=hospital.pk)
    latest = Bundle.objects.filter(pk=locked.latest_bundle_id).values_list("signed_at", flat=True).first()
    if latest is None or latest <= signed_at:
        Hospital.objects.filter(pk=hospital.pk).update(latest_bundle=bundle)
    return bundle


def _insert(model: type[Model], rows: list[Any]) -> None:
    """Insert a bundle's findings or documents in one statement. PostgreSQL: COPY, a JSON field's value as
    JSON text (what jsonb reads), every other value as the row holds it (numbers, text, dates); the ORM's
    bulk_create quoted every value into one large INSERT … UNNEST and took a third of the intake's CPU.
    Elsewhere (SQLite): bulk_create."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(rows)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    as_json = [isinstance(f, JSONField) and not f.null for f in fields]  # None is JSON null, not NULL
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            values = [getattr(row, f.attname) for f in fields]
            copy.write_row([json.dumps(v) if j else v for v, j in zip(values, as_json, strict=True)])


def bundle_files(bundle: Bundle) -> dict[str, bytes]:
    """A stored bundle's files, read back and checked against the digest it was taken in under."""
    from reports.verify import read_bundle

    with default_storage.open(bundle.blob, "rb") as handle, \
            tempfile.NamedTemporaryFile(suffix=".tar.gz") as copy:
        copy.write(handle.read())
        copy.flush()
        content = read_bundle(Path(copy.name))
    if hashlib.sha256(content[MANIFEST]).hexdigest() != bundle.digest:
        raise InputError(f"{bundle.blob}: the stored bundle is not the one taken in (storage altered)")
    return content


def take_file(path: Path, *, via: str, actor: str, hospital: Hospital | None = None) -> Intake:
    """A bundle from disk (a directory is packed as `ihcheck` writes it)."""
    return take(pack(path), name=path.name, via=via, actor=actor, hospital=hospital)


def pack(path: Path) -> bytes:
    """A bundle as upload bytes: a .tar.gz as it is, a directory packed reproducibly (reports.bundle)."""
    from probes.limits import read_bytes_limited
    from reports.bundle import write_tarball

    if path.is_dir():
        links = [p for p in path.rglob("*") if p.is_symlink()]
        if links:
            raise InputError(f"{links[0]}: a bundle holds no symbolic links")
        names = sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "bundle.tar.gz"
            write_tarball(path, names, path.name, out)
            return out.read_bytes()
    return read_bytes_limited(path, "bundle", 1 << 30)
