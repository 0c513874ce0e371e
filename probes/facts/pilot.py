"""The declared programmes' facts: the Beijing 2026 first-visit pilot's declaration, roster, visit records and
audit trail. Data only: reading them is `probes.pilot`, `probes.sql`, `probes.trail` and `probes.programmes`;
judging them is `checker.catalogue.bj2026_pilot`.

Personal data never reaches these models in clear unless the declaration says `pseudonymise: false`:
`Physician.id`/`name`, `Visit.id`/`physician` and the keys of `TrailFacts.events` are HMAC pseudonyms.
A roster or visit file the inventory names is attested (`Source.basis`); a query's result is observed.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Literal

from pydantic import Field

from probes.facts.base import Record

Basis = Literal["attested", "observed"]
Title = Literal["chief", "associate-chief", "attending", "resident", "assistant"]
Whitelist = Literal["active", "suspended", "removed", "none"]

# Events a visit leaves in the audit trail (README "Audit trail format"; judged by checker.catalogue.bj2026_pilot).
EVENT_START = "visit.start"
EVENT_CONSENT = "visit.consent"
EVENT_PRESCRIPTION = "visit.prescription"
EVENT_END = "visit.end"
EVENT_TERMINATE = "visit.terminate"
# A prescription's way from the physician to the patient: the pharmacist's review (审核), then dispensing (调配/发药).
EVENT_REVIEW = "prescription.review"
EVENT_DISPENSE = "prescription.dispense"



class WhitelistChange(Record):
    """One entry of a physician's whitelist history: the status it took on that day."""

    on: date
    status: Whitelist


class Physician(Record):
    row: int = Field(description="row in the source (the header is row 1)")
    id: str = Field(description="the licence number, pseudonymised unless declared otherwise")
    name: str = Field(description="pseudonymised unless declared otherwise")
    title: Title
    practice_since: date
    online_followup_since: date | None = None
    training_passed_on: date | None = None
    whitelist_status: Whitelist
    whitelist_since: date | None = None
    specialties: tuple[str, ...] = ()
    whitelist_history: tuple[WhitelistChange, ...] = Field(default=(), description="every status change, oldest "
                                                           "first (白名单历史): what a past visit is judged against")

    def whitelist_on(self, day: date) -> Whitelist | None:
        """The whitelist status as it stood on `day`; None when the roster cannot tell (no history, and the
        current status began after that day)."""
        if self.whitelist_history:
            past = [c for c in self.whitelist_history if c.on <= day]
            return past[-1].status if past else "none"
        if self.whitelist_since is None or self.whitelist_since <= day:
            return self.whitelist_status
        return "none" if self.whitelist_status == "active" else None


class Visit(Record):
    row: int
    id: str = Field(description="the visit id, pseudonymised unless declared otherwise")
    physician: str | None = Field(description="the physician's licence number, pseudonymised like the roster's")
    specialty: str | None
    started_at: datetime
    first_visit: bool
    patient_age: int | None
    guardian_recorded: bool
    terminated: bool
    referral_recorded: bool
    prescribed: bool | None = Field(default=None, description="None when the records do not say (no such column)")
    records_held: bool | None = Field(default=None, description="the physician held the patient's records (病历资料); "
                                      "None when the records do not say (no such column)")


class Source(Record):
    """Where records came from: a file the hospital hands in (attested) or a query on a host (observed)."""

    basis: Basis
    description: str
    sha256: str = Field(description="of the file, or of the query's output as received")
    encoding: str | None = None
    observations: tuple[str, ...] = ()


class Roster(Record):
    source: Source
    physicians: tuple[Physician, ...]


class Visits(Record):
    source: Source
    visits: tuple[Visit, ...]


class SqlQuery(Record):
    """A query the inventory declares: which host runs psql, against which database, as whom."""

    host: str = Field(description="inventory host that runs psql (usually the database server)")
    database: str = Field(min_length=1)
    sql: str = Field(min_length=1)
    user: str | None = Field(default=None, description="database role; default: psql's (the login user)")
    address: str | None = Field(default=None, description="server address for psql -h; default: the local socket")
    port: int | None = Field(default=None, ge=1, le=65535)


class BrokenLink(Record):
    """The first place the chain does not hold: line number (from 1), the record's seq if readable, why."""

    line: int
    seq: int | None = None
    problem: str
    problem_zh: str = Field(default="", description="`problem` in Chinese (empty in facts recorded before it was)")

    def describe(self) -> str:
        seq = f" (seq {self.seq})" if self.seq is not None else ""
        return f"line {self.line}{seq}: {self.problem}"

    def describe_zh(self) -> str:
        """`describe` in Chinese; where the problem was recorded in English only, it is quoted as it came."""
        seq = f"（seq {self.seq}）" if self.seq is not None else ""
        return f"第 {self.line} 行{seq}：{self.problem_zh or self.problem}"


class TrailCheck(Record):
    """What verifying one log found. `broken` None means every link held (relative to `head`)."""

    source: str
    records: int
    first_seq: int | None = None
    last_seq: int | None = None
    head: str = Field(description="the last record's hash: keep it elsewhere, compare it next time")
    sha256: str = Field(description="SHA-256 of the whole file as read")
    broken: BrokenLink | None = None

    @property
    def intact(self) -> bool:
        return self.broken is None


BJ2026_FIRST_VISIT = "BJ2026-first-visit"
QH2019_PROGRAMME = "QH2019"  # a Qinghai hospital: the rules citing the Qinghai 2019 opinion apply
BJ2026_SPECIALTIES = ("儿童生长发育", "儿童营养", "儿童皮肤疾病")
BJ2026_HOSPITALS = ("首都医科大学附属北京儿童医院", "首都医科大学附属首都儿童医学中心")


class TableDeclaration(Record):
    """Where a table comes from: a file beside the inventory (attested) or a read-only query (observed)."""

    file: Path | None = None
    encoding: str | None = None
    sheet: str | None = None
    query: SqlQuery | None = None

    def model_post_init(self, __context: object) -> None:
        if (self.file is None) == (self.query is None):
            raise ValueError("declare exactly one of file or query")


class AuditLogDeclaration(Record):
    """The hash-chained audit log (probes.trail) on one of the inventory's hosts."""

    host: str
    path: str = Field(min_length=1)
    head: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$",
                             description="the head kept at the last check (or held by the platform): the log must "
                                         "still end there; without it an intact chain is not anchored")
    head_file: Path | None = Field(default=None, description="a file (beside the inventory) holding the head kept "
                                   "at the last check: read into `head` before any host is contacted")
    prev: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$",
                             description="the last hash of the file this one continues after rotation")

    def model_post_init(self, __context: object) -> None:
        if self.head is not None and self.head_file is not None:
            raise ValueError("declare the anchored head once: head or head_file")


class Programme(Record):
    """One entry of `ihcheck_programmes`: a programme the hospital declares it takes part in."""

    id: Literal["BJ2026-first-visit", "QH2019"]
    hospital: str = Field(min_length=1)
    specialties: tuple[str, ...] = BJ2026_SPECIALTIES
    start: date = date(2026, 1, 1)
    end: date = date(2026, 12, 31)
    roster: TableDeclaration | None = None
    visits: TableDeclaration | None = None
    audit_log: AuditLogDeclaration | None = None
    pseudonymise: bool = True
    pseudonym_key_file: Path | None = None


class TrailFacts(Record):
    """The audit log as read from its host and verified (observed)."""

    host: str
    path: str
    check: TrailCheck
    events: dict[str, tuple[str, ...]] = Field(description="visit (pseudonymised) → its events, in trail order")
    observations: tuple[str, ...] = ()


class PilotFacts(Record):
    """What the declared programme's rules judge. A part is None when it was not declared or could not be
    read; `missing` says why, per part ("roster", "visits", "trail")."""

    programme: Programme
    as_of: date
    pseudonyms: str
    roster: Roster | None = None
    visits: Visits | None = None
    trail: TrailFacts | None = None
    missing: dict[str, str] = Field(default_factory=dict)
    missing_zh: dict[str, str] = Field(default_factory=dict, description="`missing` in Chinese, the same errors "
                                       "quoted as they came (empty in facts recorded before it was)")
