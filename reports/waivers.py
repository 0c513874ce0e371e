"""Waivers: accepted exceptions, applied after evaluation and signed into the bundle.

A waivers file (YAML) lists what the hospital has accepted and why:

    waivers:
      - rule: GD2020-1.2.3-servers
        host: deployment          # or one host's inventory name (per-host findings only)
        justification: second server is on order, delivery 2026-12-10
        owner: 信息科 张工
        ticket: OPS-1234
        expires: 2026-12-31

InSpec's waiver file is accepted too (keys `expiration_date`, `justification`, `run`), one entry
per rule id, waiving it for the whole deployment:

    GD2020-1.2.3-servers:
      expiration_date: 2026-12-31
      justification: second server is on order
      run: true

InSpec has no owner or ticket; the owner reads "not given (InSpec waiver)" and the ticket is the
rule id. Without `expiration_date` an InSpec waiver does not expire (InSpec's meaning). `run: false`
tells InSpec to skip the control; ihcheck still judges it (a waiver never hides a verdict) and
says so in the justification.

A waived finding keeps its original verdict and gains `waiver` (as Prowler keeps a muted
finding's status); the exit code treats it as accepted. A waiver that has expired, names an
unknown rule, or matches no finding does not waive and is reported, so a forgotten waiver is
seen rather than silently kept (InSpec's expiry semantics).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Literal, Protocol, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from checker.errors import InputError, describe_validation_error
from checker.model import Waiver

WaiverState = Literal["applied", "expired", "unknown_rule", "unmatched"]
DEPLOYMENT = "deployment"


class _WaiverIn(BaseModel):
    """One entry of the waivers file, as written by a person."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: str = Field(min_length=1)
    host: str = DEPLOYMENT
    justification: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    ticket: str = Field(min_length=1)
    expires: date


class _InSpecWaiver(BaseModel):
    """One control of an InSpec waiver file (https://docs.chef.io/inspec/waivers/)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    expiration_date: date | None = None
    justification: str = Field(min_length=1)
    run: bool = True


INSPEC_KEYS = frozenset(_InSpecWaiver.model_fields)
NO_EXPIRY = date(9999, 12, 31)


def _inspec(raw: dict[str, Any], path: Path) -> tuple[_WaiverIn, ...] | None:
    """The entries of an InSpec-format file, or None when the file is not one."""
    if "waivers" in raw or not raw or not all(isinstance(v, dict) and set(v) & INSPEC_KEYS for v in raw.values()):
        return None
    out = []
    for rule, body in raw.items():
        try:
            entry = _InSpecWaiver.model_validate(body)
        except ValidationError as exc:
            field, message = describe_validation_error(exc)
            raise InputError(f"{path}: {rule}.{field}: {message}") from None
        note = "" if entry.run else " (InSpec run: false — ihcheck still judges the rule)"
        out.append(_WaiverIn(rule=str(rule), justification=entry.justification + note,
                             owner="not given (InSpec waiver)", ticket=str(rule),
                             expires=entry.expiration_date or NO_EXPIRY))
    return tuple(out)


class _WaiversFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    waivers: tuple[_WaiverIn, ...] = ()


class WaiverStatus(BaseModel):
    """What became of one waiver: applied to which findings, or why it did not waive."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    waiver: Waiver
    state: WaiverState
    findings: int = 0
    message: str


def load_waivers(path: Path) -> tuple[Waiver, ...]:
    """Parse a waivers file; InputError naming the file and field on any problem."""
    from probes.limits import load_yaml_limited

    raw = load_yaml_limited(path, "waivers file")
    if raw is None:
        raw = {"waivers": []}
    if isinstance(raw, list):
        raw = {"waivers": raw}
    if isinstance(raw, dict):
        inspec = _inspec(raw, path)
        if inspec is not None:
            raw = {"waivers": [w.model_dump() for w in inspec]}
    try:
        parsed = _WaiversFile.model_validate(raw)
    except ValidationError as exc:
        field, message = describe_validation_error(exc)
        raise InputError(f"{path}: {field}: {message}") from None
    return tuple(
        Waiver(rule_id=w.rule, host=None if w.host == DEPLOYMENT else w.host, justification=w.justification,
               owner=w.owner, ticket=w.ticket, expires=w.expires)
        for w in parsed.waivers
    )


class _Waivable(Protocol):
    @property
    def rule_id(self) -> str: ...
    @property
    def hosts(self) -> tuple[str, ...]: ...
    @property
    def waiver(self) -> Waiver | None: ...
    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Self: ...


F = TypeVar("F", bound=_Waivable)


def _matches(waiver: Waiver, finding: _Waivable) -> bool:
    if finding.rule_id != waiver.rule_id:
        return False
    return waiver.host is None or finding.hosts == (waiver.host,)


def apply_waivers(findings: Sequence[F], waivers: Iterable[Waiver], *, today: date,
                  known_rules: Iterable[str]) -> tuple[list[F], list[WaiverStatus]]:
    """The findings with valid waivers attached, and the fate of every waiver.

    `today` is the date the check ran (not the wall clock), so re-rendering an old bundle
    shows the waivers as they stood when it was signed.
    """
    known = set(known_rules)
    out = list(findings)
    statuses: list[WaiverStatus] = []
    for waiver in waivers:
        where = "the deployment" if waiver.host is None else f"host {waiver.host}"
        if waiver.rule_id not in known:
            statuses.append(WaiverStatus(waiver=waiver, state="unknown_rule",
                                         message=f"waiver {waiver.ticket}: unknown rule {waiver.rule_id!r}; "
                                         "it waives nothing"))
            continue
        if waiver.expires < today:
            statuses.append(WaiverStatus(waiver=waiver, state="expired",
                                         message=f"waiver {waiver.ticket} for {waiver.rule_id} on {where} expired "
                                         f"on {waiver.expires.isoformat()}; it waives nothing"))
            continue
        hit = 0
        for i, finding in enumerate(out):
            if _matches(waiver, finding) and finding.waiver is None:
                out[i] = finding.model_copy(update={"waiver": waiver})
                hit += 1
        if hit:
            statuses.append(WaiverStatus(waiver=waiver, state="applied", findings=hit,
                                         message=f"waiver {waiver.ticket} accepts {hit} finding(s) of "
                                         f"{waiver.rule_id} on {where} until {waiver.expires.isoformat()}"))
        else:
            hint = " (a host waiver matches per-host findings only)" if waiver.host is not None else ""
            statuses.append(WaiverStatus(waiver=waiver, state="unmatched",
                                         message=f"waiver {waiver.ticket} for {waiver.rule_id} on {where} "
                                         f"matches no finding{hint}"))
    return out, statuses
