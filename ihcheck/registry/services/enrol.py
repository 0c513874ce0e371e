"""Enrolment: hospitals, their signing keys (with validity periods, rotation and revocation recorded, never
overwritten), their upload tokens (only a hash kept), and regulator accounts with a role."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from checker.errors import InputError
from ihcheck.registry.models import ROLE_ADMINISTRATOR, ROLES, Hospital, KeyEvent, SigningKey, UploadToken
from ihcheck.registry.services import actions

USCC = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}")  # GB 32100-2015 character set


class RegistryError(InputError):
    """A registry operation that cannot be done as asked; one line, naming the field."""


def fingerprints(spec: str) -> tuple[str, str]:
    """The (ed25519, sm2) pair from what `verify --pubkey` accepts: a keys directory, a fingerprints file, or the
    two fingerprints. Both are required: a bundle carries both signatures and the registry pins both."""
    from reports.keys import pinned_fingerprints

    prints = pinned_fingerprints(spec)
    ed = sorted(p for p in prints if p.startswith("ed25519:SHA256:"))
    sm2 = sorted(p for p in prints if p.startswith("sm2:SM3:"))
    if len(ed) != 1 or len(sm2) != 1:
        raise RegistryError(f"keys: {spec!r}: expected one ed25519:SHA256:… and one sm2:SM3:… fingerprint, "
                            f"found {len(ed)} and {len(sm2)}")
    return ed[0], sm2[0]


def enrol_hospital(*, name: str, uscc: str, city: str, actor: str, licence: str = "",
                   registered_on: date | None = None) -> Hospital:
    uscc = uscc.strip().upper()
    if not USCC.fullmatch(uscc):
        raise RegistryError(f"uscc: {uscc!r} is not an 18-character 统一社会信用代码")
    if not name.strip() or not city.strip():
        raise RegistryError("name, city: both are required")
    if Hospital.objects.filter(uscc=uscc).exists():
        raise RegistryError(f"uscc: {uscc} is already enrolled")
    with transaction.atomic():
        hospital = Hospital.objects.create(name=name.strip(), uscc=uscc, city=city.strip(), licence=licence.strip(),
                                           registered_on=registered_on)
        actions.record("enrol", actor, hospital=hospital, name=hospital.name, city=hospital.city,
                       licence=hospital.licence,
                       registered_on=registered_on.isoformat() if registered_on else None)
    return hospital


def hospital(uscc: str) -> Hospital:
    try:
        return Hospital.objects.get(uscc=uscc.strip().upper())
    except Hospital.DoesNotExist:
        raise RegistryError(f"hospital: no hospital enrolled with 统一社会信用代码 {uscc!r}") from None


def _check_new(ed: str, sm2: str) -> None:
    taken = SigningKey.objects.filter(ed25519=ed).first() or SigningKey.objects.filter(sm2=sm2).first()
    if taken is not None:
        raise RegistryError(f"keys: {ed if taken.ed25519 == ed else sm2} is already enrolled "
                            f"(for {taken.hospital.uscc}); a key belongs to one hospital, once")


def add_key(target: Hospital, spec: str, *, actor: str, valid_from: datetime | None = None,
            valid_until: datetime | None = None, reason: str = "") -> SigningKey:
    """Enrol a key pair for a hospital (its first, or one more alongside the current one)."""
    ed, sm2 = fingerprints(spec)
    _check_new(ed, sm2)
    start = valid_from or timezone.now()
    if valid_until is not None and valid_until <= start:
        raise RegistryError("valid_until: must be after valid_from")
    with transaction.atomic():
        key = SigningKey.objects.create(hospital=target, ed25519=ed, sm2=sm2, valid_from=start,
                                        valid_until=valid_until)
        KeyEvent.objects.create(key=key, kind="enrol", at=start, actor=actor, reason=reason)
        actions.record("key.enrol", actor, hospital=target, ed25519=ed, sm2=sm2, valid_from=start.isoformat(),
                       valid_until=valid_until.isoformat() if valid_until else None)
    return key


def current_keys(target: Hospital, at: datetime | None = None) -> list[SigningKey]:
    """The keys that may sign at `at` (default now): in their period, not retired by then, never revoked."""
    when = at or timezone.now()
    return [k for k in target.keys.all() if key_valid_at(k, when)]


def key_valid_at(key: SigningKey, when: datetime) -> bool:
    if key.revoked_at is not None or when < key.valid_from:
        return False
    ends = [t for t in (key.valid_until, key.retired_at) if t is not None]
    return not ends or when < min(ends)


def rotate_key(target: Hospital, spec: str, *, actor: str, at: datetime | None = None, reason: str = "",
               valid_until: datetime | None = None) -> SigningKey:
    """A new key from `at`; every key current until then is retired at `at` (bundles it signed before stay valid)."""
    ed, sm2 = fingerprints(spec)
    _check_new(ed, sm2)
    when = at or timezone.now()
    with transaction.atomic():
        old = [k for k in SigningKey.objects.select_for_update().filter(hospital=target) if key_valid_at(k, when)]
        for key in old:
            SigningKey.objects.filter(pk=key.pk, retired_at__isnull=True).update(retired_at=when)  # set once
            KeyEvent.objects.create(key=key, kind="rotate", at=when, actor=actor, reason=reason)
        new = SigningKey.objects.create(hospital=target, ed25519=ed, sm2=sm2, valid_from=when,
                                        valid_until=valid_until, replaces=old[-1] if old else None)
        KeyEvent.objects.create(key=new, kind="enrol", at=when, actor=actor, reason=reason or "rotation")
        actions.record("key.rotate", actor, hospital=target, retired=[k.ed25519 for k in old], ed25519=ed, sm2=sm2,
                       at=when.isoformat(), reason=reason)
    return new


def find_key(fingerprint: str) -> SigningKey:
    key = SigningKey.objects.filter(ed25519=fingerprint).first() or SigningKey.objects.filter(sm2=fingerprint).first()
    if key is None:
        raise RegistryError(f"key: {fingerprint!r} is not enrolled")
    return key


def revoke_key(key: SigningKey, *, actor: str, reason: str, at: datetime | None = None) -> SigningKey:
    """Revoke for good: nothing it signed is accepted from now on (the time a bundle claims cannot be trusted)."""
    if not reason.strip():
        raise RegistryError("reason: say why the key is revoked (it stays in the record)")
    when = at or timezone.now()
    with transaction.atomic():
        if SigningKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=when) == 0:
            raise RegistryError(f"key: {key.ed25519} was already revoked")
        KeyEvent.objects.create(key=key, kind="revoke", at=when, actor=actor, reason=reason)
        actions.record("key.revoke", actor, hospital=key.hospital, ed25519=key.ed25519, sm2=key.sm2,
                       at=when.isoformat(), reason=reason)
    key.refresh_from_db()
    return key


def token_digest(token: str) -> str:
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()


def issue_token(target: Hospital, *, actor: str) -> str:
    """A new upload token for one hospital; the token itself is returned once and never stored."""
    token = "ihc_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        UploadToken.objects.create(hospital=target, digest=token_digest(token), prefix=token[:10], created_by=actor)
        actions.record("token.issue", actor, hospital=target, prefix=token[:10])
    return token


def revoke_tokens(target: Hospital, *, actor: str) -> int:
    with transaction.atomic():
        count = UploadToken.objects.filter(hospital=target, revoked_at__isnull=True).update(revoked_at=timezone.now())
        actions.record("token.revoke", actor, hospital=target, tokens=count)
    return count


def token_hospital(token: str) -> UploadToken | None:
    """The live token a presented secret is, or None (compared by hash; the table holds no secret)."""
    if not token or len(token) > 200:
        return None
    return (UploadToken.objects.select_related("hospital")
            .filter(digest=token_digest(token), revoked_at__isnull=True).first())


def create_account(username: str, password: str, role: str, *, actor: str) -> None:
    """A regulator account: administrator (Django admin, every write) or inspector (read-only)."""
    from django.contrib.auth.models import Group, User
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    if role not in ROLES:
        raise RegistryError(f"role: {role!r}: expected one of {', '.join(ROLES)}")
    if User.objects.filter(username=username).exists():
        raise RegistryError(f"username: {username!r} exists")
    try:
        validate_password(password)
    except ValidationError as exc:
        raise RegistryError(f"password: {' '.join(exc.messages)}") from None
    admin = role == ROLE_ADMINISTRATOR
    with transaction.atomic():
        user = User.objects.create_user(username, password=password, is_staff=admin, is_superuser=admin)
        group, _ = Group.objects.get_or_create(name=role)
        user.groups.add(group)
        actions.record("account.create", actor, username=username, role=role)


def role_of(user: object) -> str | None:
    """administrator, inspector, or None (not a regulator account)."""
    if not getattr(user, "is_authenticated", False):
        return None
    if getattr(user, "is_superuser", False):
        return ROLE_ADMINISTRATOR
    names = set(user.groups.values_list("name", flat=True))  # type: ignore[attr-defined]
    return next((r for r in ROLES if r in names), None)
