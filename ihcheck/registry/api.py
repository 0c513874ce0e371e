"""The JSON API (django-ninja: pydantic-typed, OpenAPI generated at /api/openapi.json, browsable at /api/docs).

Who may do what:
- a hospital, with its upload token (`Authorization: Bearer …`): POST a bundle, POST a signed trail head —
  for its own hospital only, within the upload size and rate limits;
- a regulator account, by session (CSRF-checked on every write): read everything (inspector); enrol, manage
  keys and tokens (administrator).
There is no unauthenticated path, read or write. HTTP stays here; the work is in `services`.
"""

from __future__ import annotations

import base64
import json
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, NinjaAPI, Schema, Status
from ninja.security import HttpBearer, SessionAuth

from checker.errors import InputError
from ihcheck.registry.models import ROLE_ADMINISTRATOR, UploadAttempt, UploadToken
from ihcheck.registry.services import actions, anchor, enrol, exports, intake, queries


class Regulator(SessionAuth):
    """A logged-in regulator account (any role); CSRF is checked on unsafe methods."""

    role: str | None = None

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        role = enrol.role_of(request.user)
        if role is None or (self.role is not None and role != self.role):
            return None
        return request.user


class Administrator(Regulator):
    role = ROLE_ADMINISTRATOR


class HospitalToken(HttpBearer):
    """A hospital's upload token; only its hash is looked up."""

    def authenticate(self, request: HttpRequest, token: str) -> UploadToken | None:
        return enrol.token_hospital(token)


def _regulators_only(view: Any) -> Any:
    """The OpenAPI document and its browser, for regulator accounts only, as every other route of the API."""
    from functools import wraps

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if enrol.role_of(request.user) is None:
            return HttpResponse('{"detail": "Unauthorized"}', status=401, content_type="application/json")
        return view(request, *args, **kwargs)
    return wrapped


api = NinjaAPI(title="ihcheck registry 互联网医院证据登记", version="1", urls_namespace="registry-api",
               auth=Regulator(), description=__doc__, docs_decorator=_regulators_only)
admin_only = Administrator()
hospital_token = HospitalToken()


@api.exception_handler(InputError)
def _input_error(request: HttpRequest, exc: InputError) -> HttpResponse:
    status = 422 if isinstance(exc, intake.Refused) else 400
    key = "refused" if isinstance(exc, intake.Refused) else "detail"
    return api.create_response(request, {key: str(exc)}, status=status)


# ---------------------------------------------------------------- schemas

# A period in days a query may ask for: a century at most (10**11 days overflowed the date arithmetic into a 500).
Days = Annotated[int, Field(ge=0, le=36_500)]


class IntakeOut(Schema):
    bundle: str
    created: bool
    hospital: str
    signed_at: datetime
    worst: str
    catalogue_version: str


class AnchorOut(Schema):
    head: str
    last_seq: int | None
    extends: bool | None
    problem: str


class ProvinceRow(Schema):
    uscc: str
    name: str
    city: str
    licence: str
    registered_on: str | None
    bundle: str | None
    signed_at: str | None
    age_days: int | None
    catalogue_version: str | None
    older_catalogue: bool
    worst: str | None
    counts: dict[str, int]
    failing: list[str]
    stale: bool
    trail_flagged: bool
    key_revoked: bool
    rules: dict[str, str] = Field(default_factory=dict)


class FailingRow(Schema):
    uscc: str
    name: str
    city: str
    bundle: str
    finding: int
    hosts: list[str]
    reason: str


class DeadlineRow(Schema):
    uscc: str
    name: str
    city: str
    item: str
    title_zh: str
    title_en: str
    clause: str
    kind: str
    due: date
    overdue: bool


class HospitalIn(Schema):
    name: str
    uscc: str
    city: str
    licence: str = ""
    registered_on: date | None = None


class KeyIn(Schema):
    fingerprints: str  # "ed25519:SHA256:… sm2:SM3:…"
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    reason: str = ""


class RevokeIn(Schema):
    fingerprint: str
    reason: str


class TrailHeadIn(Schema):
    head: dict[str, Any]
    log_base64: str | None = None


# ---------------------------------------------------------------- hospitals' uploads


def _limited_body(request: HttpRequest, what: str) -> bytes:
    """The request body, refused before it is read when it says it is larger than an upload may be."""
    limit = int(settings.IHCHECK_MAX_UPLOAD_BYTES)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise intake.Refused(f"{what}: {declared} bytes, more than the {limit} an upload may hold")
    data = request.read(limit + 1)
    if len(data) > limit:
        raise intake.Refused(f"{what}: more than the {limit} bytes an upload may hold")
    return data


def _rate(token: UploadToken) -> None:
    now = timezone.now()
    UploadAttempt.objects.filter(token=token, at__lt=now - timedelta(hours=1)).delete()
    if UploadAttempt.objects.filter(token=token).count() >= int(settings.IHCHECK_UPLOADS_PER_HOUR):
        raise RateLimited()
    UploadAttempt.objects.create(token=token, at=now)


class RateLimited(Exception):
    pass


@api.exception_handler(RateLimited)
def _rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    return api.create_response(request, {"detail": f"more than {settings.IHCHECK_UPLOADS_PER_HOUR} uploads in "
                                         "an hour with this token; try later"}, status=429)


@api.post("/bundles", auth=hospital_token, response={200: IntakeOut, 201: IntakeOut, 422: dict[str, str]},
          summary="Submit a bundle (.tar.gz as the request body)", openapi_extra={
              "requestBody": {"content": {"application/gzip": {"schema": {"type": "string", "format": "binary"}}}}})
def submit_bundle(request: HttpRequest, name: str = "upload.tar.gz") -> Status[IntakeOut]:
    token: UploadToken = request.auth
    _rate(token)
    label = intake.one_line(f"{name[:100]} (token {token.prefix}…)")  # the sender's name: one line, never two
    try:
        data = _limited_body(request, label)
    except intake.Refused as exc:
        actions.record("refuse", f"token:{token.prefix}", hospital=token.hospital, source=label, via="http",
                       reason=str(exc))
        raise
    taken = intake.take(data, name=label, via="http", actor=f"token:{token.prefix}", hospital=token.hospital)
    b = taken.bundle
    return Status(201 if taken.created else 200, IntakeOut(
        bundle=b.digest, created=taken.created, hospital=token.hospital.uscc, signed_at=b.signed_at, worst=b.worst,
        catalogue_version=b.catalogue_version))


@api.post("/trail-heads", auth=hospital_token, response={201: AnchorOut, 422: dict[str, str]},
          summary="Anchor a signed audit-trail head (`ihcheck registry trail-head`), optionally with the log")
def submit_trail_head(request: HttpRequest) -> Status[AnchorOut]:
    token: UploadToken = request.auth
    _rate(token)
    raw = _limited_body(request, "trail head")
    try:
        body = TrailHeadIn.model_validate(json.loads(raw))
        log = base64.b64decode(body.log_base64, validate=True) if body.log_base64 else None
    except ValueError as exc:
        raise InputError(f"trail head: not a JSON {{head, log_base64}} body ({type(exc).__name__})") from None
    made = anchor.submit_head(token.hospital, body.head, actor=f"token:{token.prefix}", log=log)
    return Status(201, AnchorOut(head=made.head, last_seq=made.last_seq, extends=made.extends, problem=made.problem))


# ---------------------------------------------------------------- what regulators read


@api.get("/hospitals", response=list[ProvinceRow], summary="The province: every hospital, latest verdict per rule")
def province(request: HttpRequest, city: str | None = None, stale_days: Days | None = None) -> list[dict[str, Any]]:
    return queries.province(city=city, stale_days=stale_days)


@api.get("/hospitals/stale", response=list[ProvinceRow], summary="No verified bundle within the period")
def stale(request: HttpRequest, days: Days | None = None) -> list[dict[str, Any]]:
    return queries.stale(stale_days=days)


@api.get("/hospitals/older-catalogue", response=list[ProvinceRow],
         summary="Latest bundle judged by another catalogue than this registry's")
def older_catalogue(request: HttpRequest) -> list[dict[str, Any]]:
    return queries.older_catalogue()


@api.get("/hospitals/{uscc}", summary="A hospital's history: bundles, refusals, trail anchors, keys")
def history(request: HttpRequest, uscc: str) -> dict[str, Any]:
    return queries.history(uscc)


@api.get("/hospitals/{uscc}/drift", summary="Drift to a bundle from the one before it (as `ihcheck diff`)")
def drift(request: HttpRequest, uscc: str, bundle: str | None = None) -> dict[str, Any]:
    return queries.drift(uscc, bundle)


@api.get("/hospitals/{uscc}/oscal", summary="OSCAL assessment-results of the latest (or named) bundle")
def oscal(request: HttpRequest, uscc: str, bundle: str | None = None) -> HttpResponse:
    text = exports.oscal(uscc, actor=request.user.get_username(), digest=bundle)
    return HttpResponse(text, content_type="application/json")


@api.get("/rules/{rule_id}/hospitals", response=list[FailingRow], summary="Hospitals whose latest bundle gives "
         "this verdict (default fail)")
def by_rule(request: HttpRequest, rule_id: str, verdict: str = "fail") -> list[dict[str, Any]]:
    return queries.failing(rule_id, verdict)


@api.get("/deadlines", response=list[DeadlineRow], summary="30/90-day uploads, yearly 等保, expiring documents")
def deadlines(request: HttpRequest, horizon_days: Days = 30, uscc: str | None = None) -> list[dict[str, Any]]:
    return queries.deadlines(horizon_days=horizon_days, uscc=uscc)


@api.get("/bundles/{digest}/findings/{index}", summary="A finding's evidence down to each verified observation")
def evidence(request: HttpRequest, digest: str, index: int) -> dict[str, Any]:
    return queries.evidence(digest, index)


@api.get("/export/province.csv", summary="The province table as CSV (every cell text, never a formula)")
def export_csv(request: HttpRequest, city: str | None = None) -> HttpResponse:
    response = HttpResponse(exports.province_csv(actor=request.user.get_username(), city=city),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="province.csv"'
    return response


@api.get("/export/province.xlsx", summary="The province table as xlsx (every cell a string)")
def export_xlsx(request: HttpRequest, city: str | None = None) -> HttpResponse:
    response = HttpResponse(exports.province_xlsx(actor=request.user.get_username(), city=city),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="province.xlsx"'
    return response


@api.get("/actions.jsonl", summary="The registry's action log (ihcheck.trail/1: `ihcheck trail verify` it)")
def action_log(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"".join(actions.lines()), content_type="application/jsonl")


# ---------------------------------------------------------------- administrators' writes


@api.post("/hospitals", auth=admin_only, response={201: dict[str, str]}, summary="Enrol a hospital")
def enrol_hospital(request: HttpRequest, body: HospitalIn) -> Status[dict[str, str]]:
    h = enrol.enrol_hospital(name=body.name, uscc=body.uscc, city=body.city, licence=body.licence,
                             registered_on=body.registered_on, actor=request.user.get_username())
    return Status(201, {"uscc": h.uscc})


@api.post("/hospitals/{uscc}/keys", auth=admin_only, response={201: dict[str, str]}, summary="Enrol a key pair")
def add_key(request: HttpRequest, uscc: str, body: KeyIn) -> Status[dict[str, str]]:
    key = enrol.add_key(enrol.hospital(uscc), body.fingerprints, actor=request.user.get_username(),
                        valid_from=body.valid_from, valid_until=body.valid_until, reason=body.reason)
    return Status(201, {"ed25519": key.ed25519, "sm2": key.sm2})


@api.post("/hospitals/{uscc}/keys/rotate", auth=admin_only, response={201: dict[str, str]},
          summary="Rotate: a new key from now; the current one retired (what it signed before stays valid)")
def rotate_key(request: HttpRequest, uscc: str, body: KeyIn) -> Status[dict[str, str]]:
    key = enrol.rotate_key(enrol.hospital(uscc), body.fingerprints, actor=request.user.get_username(),
                           at=body.valid_from, reason=body.reason, valid_until=body.valid_until)
    return Status(201, {"ed25519": key.ed25519, "sm2": key.sm2})


@api.post("/keys/revoke", auth=admin_only, summary="Revoke a key for good")
def revoke_key(request: HttpRequest, body: RevokeIn) -> dict[str, str]:
    key = enrol.revoke_key(enrol.find_key(body.fingerprint), actor=request.user.get_username(), reason=body.reason)
    return {"ed25519": key.ed25519, "revoked_at": key.revoked_at.isoformat() if key.revoked_at else ""}


@api.post("/hospitals/{uscc}/tokens", auth=admin_only, response={201: dict[str, str]},
          summary="Issue an upload token (shown once; only its hash is kept)")
def issue_token(request: HttpRequest, uscc: str) -> Status[dict[str, str]]:
    return Status(201, {"token": enrol.issue_token(enrol.hospital(uscc), actor=request.user.get_username())})


@api.post("/hospitals/{uscc}/tokens/revoke", auth=admin_only, summary="Revoke every upload token of a hospital")
def revoke_tokens(request: HttpRequest, uscc: str) -> dict[str, int]:
    return {"revoked": enrol.revoke_tokens(enrol.hospital(uscc), actor=request.user.get_username())}
