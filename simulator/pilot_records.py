"""The simulated hospital's Beijing 2026 pilot records: a physician roster, a first-visit table in its real
PostgreSQL, and a hash-chained audit log on its application host.

Everything is generated before the containers start (like the documents folder) and carried into
them through their read-only `/ihc` folder: the database host's start script loads `pilot/visits.sql`
into a database `his` and gives a read-only role (`ihcheck_ro`, SELECT on one table, its password in
root's ~/.pgpass) to the checker, which logs in over SSH as root; the application host keeps the
audit log at `/ihc/pilot/audit.jsonl` (a read-only mount: the simulated hospital's WORM store). The
roster is a GBK CSV — what Excel on a Chinese Windows saves — handed to the checker as a file.

Faults (spec `pilot:`): `lapsed` puts a physician under three years of independent practice and one
without passed training on the whitelist; `edited_record` changes one audit record after the fact
(its `at` moved by an hour), leaving its hash as written — what a quiet edit looks like; `unreviewed_prescription`
dispenses one visit's prescription without the pharmacist's review event.
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from probes.trail import TrailWriter

DATABASE = "his"
ROLE = "ihcheck_ro"
AUDIT_LOG = "/ihc/pilot/audit.jsonl"
# The simulated deployment stands for one of the hospitals the approval names (the pilot's rules judge no other);
# its roster and visits say plainly that they are simulated (模拟医师…).
HOSPITAL = "首都医科大学附属北京儿童医院"
QH_HOSPITAL = "青海省模拟互联网医院"  # the simulated hospital when it declares the Qinghai 2019 opinion instead
HEAD_FILE = "audit.head"  # the head the simulated hospital kept when it wrote the log: its anchored head
SPECIALTIES = ("儿童生长发育", "儿童营养", "儿童皮肤疾病")

ROSTER_HEADER = ("姓名", "执业证书编码", "职称", "独立执业起始日期", "互联网复诊起始日期", "培训考核通过日期",
                 "白名单状态", "白名单状态日期", "专业")
# name, licence, title, practice since, online follow-up since, training passed, whitelist, since, specialties
PHYSICIANS: tuple[tuple[str, ...], ...] = (
    ("模拟医师甲", "110000201001010001", "主任医师", "2004-07-01", "2020-05-01", "2025-12-15", "在册", "2026-01-05",
     "儿童生长发育"),
    ("模拟医师乙", "110000201001010002", "副主任医师", "2009-07-01", "2021-03-01", "2025-12-16", "在册", "2026-01-05",
     "儿童营养"),
    ("模拟医师丙", "110000201001010003", "主治医师", "2016-09-01", "2022-09-01", "2025-12-18", "在册", "2026-01-05",
     "儿童皮肤疾病"),
    ("模拟医师丁", "110000201001010004", "住院医师", "2022-08-01", "", "", "", "", "儿童营养"),
    ("模拟医师戊", "110000201001010005", "主治医师", "2013-09-01", "2021-06-01", "2025-12-18", "移出", "2026-06-30",
     "儿童皮肤疾病"),
)
VISIT_SPECIALTY = {"110000201001010001": "儿童生长发育", "110000201001010002": "儿童营养",
                   "110000201001010003": "儿童皮肤疾病"}


@dataclass(frozen=True)
class PilotFiles:
    """What the checker is handed: the roster, the pseudonym key, the database login it may use."""

    roster: Path
    key: Path
    password: str
    lapsed: tuple[str, ...]  # licence numbers made to fall short (whitelist-lapsed)
    edited_seq: int | None


def roster_rows(today: date, lapsed: bool) -> list[tuple[str, ...]]:
    rows = list(PHYSICIANS)
    if lapsed:
        recent = (today - timedelta(days=2 * 365)).isoformat()
        rows.append(("模拟医师己", "110000201001010006", "主治医师", recent, "2024-01-01", "2025-12-20", "在册",
                     "2026-01-05", "儿童营养"))  # under three years of independent practice
        rows.append(("模拟医师庚", "110000201001010007", "副主任医师", "2011-07-01", "2021-01-01", "", "在册",
                     "2026-01-05", "儿童生长发育"))  # in-house training not passed
    return rows


def visits(qinghai: bool = False) -> list[dict[str, Any]]:
    """Twelve visits of 2026: first visits (children with guardians, one terminated and referred) and one
    follow-up, each by a physician in good standing. A Qinghai hospital has no first-visit pilot: its twelve are
    follow-ups, each with the patient's records held (病历资料)."""
    licences = list(VISIT_SPECIALTY)
    result = []
    for n in range(12):
        licence = licences[n % 3]
        started = datetime(2026, 2 + n % 9, 3 + n, 9 + n % 6, 15)
        first = n != 11 and not qinghai
        result.append({"id": f"SIM-V{n + 1:04d}", "licence": licence, "specialty": VISIT_SPECIALTY[licence],
                       "at": started, "first": first,
                       "records": None if first else f"本院门诊病历（{(started - timedelta(days=30)).date()}）",
                       "age": 3 + n % 13, "guardian": ("母亲", "父亲", "祖母")[n % 3],
                       "terminated": n == 7, "referral": "北京儿童医院门诊 (线下就诊)" if n == 7 else None,
                       "prescribed": n % 2 == 0})
    return result


def _sql_literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return f"'{value.isoformat(sep=' ')}'"
    return "'" + str(value).replace("'", "''") + "'"


def visits_sql(password: str, qinghai: bool = False) -> str:
    columns = ("id", "licence", "specialty", "at", "first", "age", "guardian", "terminated", "referral", "prescribed",
               "records")
    rows = ",\n".join("(" + ", ".join(_sql_literal(v[k]) for k in columns) + ")" for v in visits(qinghai))
    return f"""-- The simulated hospital's first-visit records (ihcheck simulator).
CREATE DATABASE {DATABASE};
\\connect {DATABASE}
CREATE TABLE first_visits (visit_no text PRIMARY KEY, doctor_licence text NOT NULL, specialty text NOT NULL,
                           started_at timestamp NOT NULL, is_first boolean NOT NULL, patient_age int,
                           guardian text, terminated boolean NOT NULL, referral text, prescribed boolean NOT NULL,
                           records text);
INSERT INTO first_visits VALUES
{rows};
DROP ROLE IF EXISTS {ROLE};
CREATE ROLE {ROLE} LOGIN PASSWORD '{password}';
GRANT CONNECT ON DATABASE {DATABASE} TO {ROLE};
GRANT SELECT ON first_visits TO {ROLE};
"""


VISITS_QUERY = ("SELECT visit_no AS 就诊编号, doctor_licence AS 接诊医师执业证书编码, specialty AS 专业, "
                "started_at AS 就诊时间, CASE WHEN is_first THEN '是' ELSE '否' END AS 是否首诊, "
                "patient_age AS 患者年龄, guardian AS 监护人, "
                "CASE WHEN terminated THEN '是' ELSE '否' END AS 是否终止, "
                "referral AS 转诊去向, CASE WHEN prescribed THEN '是' ELSE '否' END AS 是否开具处方, "
                "records AS 病历资料 "
                "FROM first_visits ORDER BY visit_no")


# The database host is ready once the checker's read-only role can read the table (root's ~/.pgpass).
READY_CHECK = (f'test "$(psql -X -At -h 127.0.0.1 -U {ROLE} -d {DATABASE} -c "SELECT count(*) FROM first_visits")" '
               f'= {len(visits())}')


def audit_events(unreviewed: int | None = None) -> list[dict[str, Any]]:
    """Each visit's events in time order: start, consent, for some a prescription with the pharmacist's review and
    then its dispensing, end or termination. `unreviewed` (a visit's number, from 1) dispenses without a review."""
    events: list[tuple[datetime, dict[str, Any]]] = []
    for number, v in enumerate(visits(), start=1):
        at: datetime = v["at"]
        review = [] if number == unreviewed else ["prescription.review"]
        steps = ["visit.start", "visit.consent"] + (["visit.prescription", *review, "prescription.dispense"]
                                                    if v["prescribed"] else [])
        steps.append("visit.terminate" if v["terminated"] else "visit.end")
        for minute, event in enumerate(steps):
            record: dict[str, Any] = {"at": (at + timedelta(minutes=4 * minute)).isoformat() + "+08:00",
                                      "event": event, "visit": v["id"], "actor": v["licence"]}
            if event == "visit.terminate":
                record["data"] = {"reason": "病情变化，不适宜互联网诊疗", "referral": v["referral"]}
            events.append((at + timedelta(minutes=4 * minute), record))
    return [record for _, record in sorted(events, key=lambda e: e[0])]


def write_audit_log(path: Path, edited_seq: int | None, unreviewed: int | None = None) -> str:
    """Write the log; returns the head as written (what a hospital keeps elsewhere, or hands to the platform)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        writer = TrailWriter(out)
        for fields in audit_events(unreviewed):
            writer.append(**fields)
    head = writer.head
    if edited_seq is not None:  # changed after the fact: its `at` an hour later, its hash left as written
        lines = path.read_bytes().splitlines(keepends=True)
        line = lines[edited_seq - 1]
        start = line.index(b'"at":"') + len(b'"at":"')
        hour = int(line[start + 11:start + 13])
        lines[edited_seq - 1] = line[:start + 11] + f"{(hour + 1) % 24:02d}".encode() + line[start + 13:]
        path.write_bytes(b"".join(lines))
    return head


def write(state: Path, database_box: Path, audit_box: Path, today: date, *, lapsed: bool,
          edited_seq: int | None, unreviewed: int | None = None, qinghai: bool = False) -> PilotFiles:
    """Write the checker's files into `state/pilot/` and each host's into its box folder's `pilot/`."""
    folder = state / "pilot"
    folder.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([ROSTER_HEADER, *roster_rows(today, lapsed)])
    roster = folder / "roster.csv"
    roster.write_bytes(buffer.getvalue().encode("gbk"))
    key = folder / "pseudonym.key"
    key.write_text(secrets.token_hex(32) + "\n")
    key.chmod(0o600)
    password = secrets.token_hex(12)
    (database_box / "pilot").mkdir(parents=True, exist_ok=True)
    (database_box / "pilot" / "visits.sql").write_text(visits_sql(password, qinghai), encoding="utf-8")
    (database_box / "pilot" / "pgpass").write_text(f"127.0.0.1:5432:{DATABASE}:{ROLE}:{password}\n")
    head = write_audit_log(audit_box / "pilot" / "audit.jsonl", edited_seq, unreviewed)
    (folder / HEAD_FILE).write_text(head + "\n", encoding="ascii")
    return PilotFiles(roster=roster, key=key, password=password,
                      lapsed=("110000201001010006", "110000201001010007") if lapsed else (), edited_seq=edited_seq)


def _anchored_head(state: Path) -> dict[str, str]:
    """The head the simulated hospital kept when it wrote its log (none before the records are written)."""
    path = state / "pilot" / HEAD_FILE
    return {"head": path.read_text(encoding="ascii").strip()} if path.exists() else {}


def programme(state: Path, database_host: str, audit_host: str, declared: str = "BJ2026-first-visit"
              ) -> dict[str, Any]:
    """The `ihcheck_programmes` entry of the simulated hospital's inventory (as a Qinghai hospital: `QH2019`)."""
    hospital = HOSPITAL if declared == "BJ2026-first-visit" else QH_HOSPITAL
    return {"id": declared, "hospital": hospital, "specialties": list(SPECIALTIES),
            "roster": {"file": str(state / "pilot" / "roster.csv")},
            "visits": {"query": {"host": database_host, "database": DATABASE, "user": ROLE, "address": "127.0.0.1",
                                 "sql": VISITS_QUERY}},
            "audit_log": {"host": audit_host, "path": AUDIT_LOG} | _anchored_head(state),
            "pseudonym_key_file": str(state / "pilot" / "pseudonym.key")}
