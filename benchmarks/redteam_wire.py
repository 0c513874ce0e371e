"""Red team, protocol exchanges and the SQL guard (issues 19-21): hostile declarations, hostile peers on loopback
and hostile queries against a real PostgreSQL, each through the real `ihcheck check` as benchmarks/redteam.py
runs every case, and classed by its classifier (0 false pass, 0 leak, 0 traceback).

A case against a live peer returns exit 0 only when the hostile exchange itself was judged `ok` (read from
`--format json`), so a "false pass" there means ihcheck trusted that peer — whatever the other rules said; an
HL7 case is a false pass when the real receiver got a second segment or moved MSH fields; a declared SQL bypass
is a false pass when it was accepted (sent to the server) instead of refused in one line (exit 65); an
over-privileged role when the visits rule passed. The SQL cases end with one that reads the server's state
(replication slots, statistics reset, the bystander session, the table): a false pass if any of them changed.

    .venv/bin/python benchmarks/redteam.py          # runs these with the rest
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path
from typing import Any

from probes.protocols import dicom
from tests.protocols import peers

HOSTILE = "hostile"
UNKNOWN_PROTOCOLS = ("ftp", "HTTPS", "tls", "smtp", "dicom ", "")
INJECTED = {
    "second MSH (ADT^A01, P)": "HIS\rMSH|^~\\&|X|Y|HIS|H|20260101||ADT^A01^ADT_A01|1|P|2.5",
    "second MSH after LF": "HIS\nMSH|^~\\&|X|Y|HIS|H|20260101||ADT^A01|1|P|2.5",
    "CRLF": "HIS\r\nPID|1||123",
    "field separator": "HIS|H|20260101||ADT^A01|1|P",
    "component separator": "HIS^ADT",
    "repetition separator": "HIS~ADT",
    "escape character": "HIS\\.br\\",
    "subcomponent separator": "HIS&ADT",
    "MLLP end block": "HIS\x1c\r\x0bMSH|^~\\&|X",
    "NEL": "HIS\x85MSH",
    "unicode line separator": "HIS\u2028MSH",
}
HL7_FIELDS = ("receiving_application", "receiving_facility", "sending_application", "sending_facility")
SQL_BYPASSES = (
    "SELECT query_to_xml('SELECT pg_terminate_backend(pid) FROM pg_stat_activity', true, false, '')",
    "SELECT query_to_xml('SELECT pg_read_file(''/etc/passwd'')', true, false, '')",
    "SELECT pg_read_file('/etc/passwd')",
    "SELECT pg_read_binary_file('/etc/passwd')",
    "SELECT * FROM pg_create_physical_replication_slot('ihcheck_redteam', true)",
    "SELECT pg_catalog.pg_create_logical_replication_slot('ihcheck_redteam', 'test_decoding')",
    "SELECT pg_stat_reset()",
    "SELECT id FROM visits WHERE pg_stat_reset() IS NOT NULL",
    "SELECT (SELECT pg_terminate_backend(pid) FROM pg_stat_activity LIMIT 1)",
    "SELECT * FROM visits, LATERAL (SELECT pg_cancel_backend(1)) x",
    "SELECT 1 OPERATOR(public.+) 2",
    "SELECT 'pg_stat_reset'::regproc",
    "SELECT xmlparse(document '<a/>')",
    "SELECT * FROM pg_stat_activity",
    "SELECT * FROM pg_catalog.pg_authid",
    "SELECT set_config('default_transaction_read_only', 'off', false)",
    "SELECT dblink_exec('host=127.0.0.1', 'DELETE FROM visits')",
    "SELECT lo_import('/etc/passwd')",
    "SELECT nextval('s')",
    "EXPLAIN ANALYZE SELECT 1",
    "VALUES (pg_stat_reset())",
    "WITH gone AS (DELETE FROM visits RETURNING *) SELECT * FROM gone",
    "SELECT * INTO copy_of_visits FROM visits",
    "SELECT * FROM visits FOR UPDATE",
    "SELECT 1; SELECT pg_stat_reset()",
    "COMMIT; SET ROLE postgres",
    "\\! id",
    "SELECT pg_sleep(3600)",
    "SELECT pg_advisory_lock(1)",
    "SELECT txid_current()",
    "SELECT pg_switch_wal()",
    "SELECT pg_reload_conf()",
    "SELECT current_setting('data_directory')",
    "SELECT convert_from(pg_read_binary_file('/etc/passwd'), 'UTF8')",
    "SELECT to_char(pg_stat_reset())",
)
VISITS_SQL = ("SELECT id AS visit_id, licence AS physician_licence, specialty, at AS started_at, '是' AS first_visit, "
              "age AS patient_age, guardian, '否' AS terminated, NULL AS referral FROM visits ORDER BY id")
ROSTER = ("姓名,执业证书编码,职称,独立执业起始日期,互联网复诊起始日期,培训考核通过日期,白名单状态,白名单状态日期,专业\n"
          "张三,110101198001010011,主治医师,2015-07-01,2022-03-01,2025-12-20,在册,2026-01-05,儿童营养\n")
PILOT_RULES = ("BJ2026-3-physicians", "BJ2026-3-first-visits", "BJ2026-1-traceability")


def _inventory(work: Path, host_vars: dict[str, Any], all_vars: dict[str, Any] | None = None) -> Path:
    data = {"all": {"hosts": {"localhost": {"ansible_connection": "local", **host_vars}}, "vars": all_vars or {}}}
    path = work / "inv.yml"
    path.write_text(json.dumps(data, ensure_ascii=False))  # JSON is YAML: every hostile string stays one scalar
    return path


def _exchange(work: Path, entry: dict[str, Any]) -> Path:
    return _inventory(work, {"ihcheck_exchange": [{"name": HOSTILE, "from": "checker", "timeout": 5, **entry}]})


def _outcomes(node: Any) -> Iterator[str]:
    """Every outcome the JSON result records for the hostile exchange."""
    if isinstance(node, dict):
        if node.get("exchange") == HOSTILE and isinstance(node.get("outcome"), str):
            yield node["outcome"]
        for value in node.values():
            yield from _outcomes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _outcomes(value)


def _declaring(entry: dict[str, Any]) -> Callable[[Path], Path]:
    return lambda w: _exchange(w, entry)


def _serving(status: int, doc: Any) -> Callable[[Any], None]:
    body = json.dumps(doc).encode()
    return lambda h: peers.send(h, status, body, "application/fhir+json")


def wire_cases() -> list[Any]:
    """The cases, as benchmarks/redteam.py's `Case`s (imported here: redteam imports this module)."""
    from redteam import Case, Run, check  # type: ignore[import-not-found,unused-ignore]

    def refused(make: Callable[[Path], Path], rules: tuple[str, ...] = ("GD2020-1.2.1-exchange",)) -> Callable[
            [Path], Any]:
        return lambda w: check(w, make(w), "--format", "json", rules=rules)

    def against(peer: Callable[[Path], AbstractContextManager[int]], entry: Callable[[int, Path], dict[str, Any]],
                ) -> Callable[[Path], Any]:
        """Run the check while `peer` listens; exit 0 only if the hostile exchange was judged ok."""
        def go(w: Path) -> Any:
            with peer(w) as port:
                run = check(w, _exchange(w, entry(port, w)), "--format", "json", rules=("GD2020-1.2.1-exchange",))
            try:
                outcomes = list(_outcomes(json.loads(run.out)))
            except ValueError:
                return run
            if not outcomes:  # the exchange's result is gone: something in the probe broke and took it along
                return Run(70, run.out, f"no result for the hostile exchange: {run.err[-200:]}", run.seconds)
            judged_ok = "ok" in outcomes
            return Run(0 if judged_ok else 1, "" if judged_ok else run.out, run.err, run.seconds, run.files)
        return go

    cases: list[Any] = []
    for protocol in UNKNOWN_PROTOCOLS:
        entry = {"system": "his", "address": "127.0.0.1", "port": 1} | ({"protocol": protocol} if protocol else {})
        cases.append(Case("wire", f"unknown protocol {protocol!r} is an input error, not a TLS handshake",
                          refused(_declaring(entry)), expect=(65,)))
    for field in HL7_FIELDS:
        for name, value in INJECTED.items():
            cases.append(Case("wire", f"HL7 {field} with {name} never starts a segment or field at a real receiver",
                              _hl7_injected(check, Run, field, value), expect=(65,)))
    cases += _peer_cases(Case, against)
    cases += _sql_cases(Case, Run, check)
    return cases


def _hl7_injected(check: Any, Run: Any, field: str, value: str) -> Callable[[Path], Any]:
    """Exit 0 (a false pass: the receiver was handed a message ihcheck did not mean to send) when a real MLLP
    peer received a frame with more than one segment or an MSH whose fields moved; the check's own run else."""
    def go(w: Path) -> Any:
        frames: list[bytes] = []
        with peers.recording_mllp(frames) as port:
            entry = {"system": "his", "protocol": "hl7v2", "address": "127.0.0.1", "port": port,
                     "receiving_application": "HIS", field: value}
            run = check(w, _exchange(w, entry), "--format", "json", rules=("GD2020-1.2.1-exchange",))
        for frame in frames:
            body = frame.strip(b"\x0b\x1c\r")
            msh = body.split(b"\r")[0].split(b"|")
            if body.count(b"\r") or body.count(b"\n") or len(msh) != 12 or msh[10] not in (b"D", b"T"):
                return Run(0, "", f"the receiver got {frame[:120]!r}", run.seconds)
        return run
    return go


def _tls_peer(kind: str, serve: Callable[[Any], None]) -> Callable[[Path], AbstractContextManager[int]]:
    def start(w: Path) -> AbstractContextManager[int]:
        stack = ExitStack()
        certs = peers.certificates(w)
        port = stack.enter_context(peers.http_server(serve, tls=certs[kind]))

        class Held(AbstractContextManager[int]):
            def __enter__(self) -> int:
                return port

            def __exit__(self, *exc: object) -> None:
                stack.close()

        return Held()
    return start


DICOM_GARBAGE = {
    "a PDV item longer than its PDU (pynetdicom asserts)": b"\x04\x00\x00\x00\x00\x07\x00\x00\x00\x10\x01\xff\xff",
    "a P-DATA-TF too short to unpack": b"\x04\x00\x00\x00\x00\x02\xff\xff",
    "an empty P-DATA-TF": b"\x04\x00\x00\x00\x00\x00",
    "an A-ASSOCIATE-AC instead of the C-ECHO-RSP": b"",  # filled in below: the AC again
    "a C-ECHO-RSP for another message id": b"",
    "random bytes in a PDU frame": b"\x04\x00\x00\x00\x00\x20" + bytes(range(32)),
    "an A-ABORT": b"\x07\x00\x00\x00\x00\x04\x00\x00\x02\x00",
}


def _echo_rsp(message_id: int, status: int = 0) -> bytes:
    from pynetdicom.dimse_messages import C_ECHO_RSP
    from pynetdicom.dimse_primitives import C_ECHO
    from pynetdicom.pdu import P_DATA_TF

    primitive = C_ECHO()
    primitive.MessageIDBeingRespondedTo = message_id
    primitive.AffectedSOPClassUID = dicom.VERIFICATION
    primitive.Status = status
    message = C_ECHO_RSP()
    message.primitive_to_message(primitive)
    (data,) = message.encode_msg(dicom.CONTEXT_ID, dicom.MAX_PDU)
    pdu = P_DATA_TF()
    pdu.from_primitive(data)
    return bytes(pdu.encode())


def _dicom_peer(first: bytes, second: bytes) -> Callable[[Path], AbstractContextManager[int]]:
    def behave(conn: Any) -> None:
        conn.settimeout(10)
        conn.recv(65536)
        conn.sendall(first)
        conn.recv(65536)
        conn.sendall(second)
        conn.recv(65536)

    return lambda w: peers.raw_peer(behave)


def _peer_cases(Case: Any, against: Any) -> list[Any]:
    cases: list[Any] = []
    statement: dict[str, Any] = dict(peers.CAPABILITY)

    def fhir_entry(port: int, w: Path) -> dict[str, Any]:
        return {"system": "emr", "protocol": "fhir", "url": f"https://localhost:{port}/fhir",
                "ca_file": str(w / "ca.pem")}

    def health_entry(port: int, w: Path) -> dict[str, Any]:
        return {"system": "lis", "protocol": "http", "url": f"https://localhost:{port}/health",
                "ca_file": str(w / "ca.pem"), "expect_text": "OK"}

    for kind in ("self-signed", "expired", "wrong-name"):
        cases.append(Case("wire", f"FHIR over https with a {kind} certificate is not ok",
                          against(_tls_peer(kind, peers.capability), fhir_entry)))
        cases.append(Case("wire", f"HTTP health over https with a {kind} certificate is not ok",
                          against(_tls_peer(kind, lambda h: peers.send(h, 200, b"OK", "text/plain")), health_entry)))
    for version in ("4.banana", "9.0.0", "4", "", "4.0.1 ", "R4"):
        doc = statement | {"fhirVersion": version}
        cases.append(Case("wire", f"FHIR fhirVersion {version!r} is not ok",
                          against(_tls_peer("good", _serving(200, doc)), fhir_entry)))
    answers: tuple[tuple[str, Any], ...] = (("a Patient", statement | {"resourceType": "Patient"}),
                                            ("a list", [statement]),
                                            ("no server mode", statement | {"rest": [{"mode": "client"}]}))
    for kind, answer in answers:
        cases.append(Case("wire", f"FHIR metadata answering {kind} is not ok",
                          against(_tls_peer("good", _serving(200, answer)), fhir_entry)))
    ac = peers.association_ac()
    garbage = DICOM_GARBAGE | {"an A-ASSOCIATE-AC instead of the C-ECHO-RSP": ac,
                               "a C-ECHO-RSP for another message id": _echo_rsp(7)}
    garbage["a C-ECHO-RSP with status Failure"] = _echo_rsp(1, 0x0122)

    def dicom_entry(port: int, w: Path) -> dict[str, Any]:
        return {"system": "pacs", "protocol": "dicom", "address": "127.0.0.1", "port": port,
                "called_ae_title": "PACS"}

    for name, second in garbage.items():
        cases.append(Case("wire", f"DICOM peer accepting then sending {name} is not ok",
                          against(_dicom_peer(ac, second), dicom_entry)))
    return cases


def _psql(port: int, sql: str) -> str:
    return subprocess.run(["psql", "-X", "-q", "-At", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d",
                           "postgres", "-v", "ON_ERROR_STOP=1", "-c", sql],
                          check=True, capture_output=True, text=True).stdout


class _Database:
    """One real PostgreSQL for every SQL case (started on first use), a least-privilege role, a bystander."""

    def __init__(self) -> None:
        self.stack = ExitStack()
        self.port = 0
        self.before: tuple[str, ...] = ()
        self.bystander: subprocess.Popen[bytes] | None = None

    def start(self, work: Path) -> int:
        if self.port:
            return self.port
        from tests.daemons import postgres

        self.port = self.stack.enter_context(postgres(work))
        _psql(self.port, "CREATE TABLE visits (id text, licence text, specialty text, at timestamp, age int, "
                         "guardian text); INSERT INTO visits VALUES ('V1', '110101198001010011', '儿童营养', "
                         "'2026-02-01 09:30', 7, '母亲'); CREATE ROLE ihcheck_reader LOGIN; "
                         "GRANT SELECT ON visits TO ihcheck_reader; CREATE ROLE writer LOGIN; "
                         "GRANT SELECT, INSERT, DELETE ON visits TO writer")
        self.bystander = subprocess.Popen(["psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(self.port), "-U",
                                           "postgres", "-d", "postgres", "-c", "SELECT pg_sleep(3600)"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.before = self.state()
        return self.port

    def state(self) -> tuple[str, ...]:
        return (_psql(self.port, "SELECT count(*) FROM pg_replication_slots"),
                _psql(self.port, "SELECT coalesce(stats_reset::text, 'never') FROM pg_stat_database "
                                 "WHERE datname = current_database()"),
                _psql(self.port, "SELECT count(*) FROM visits"), _psql(self.port, "SELECT count(*) FROM pg_roles"))

    def stop(self) -> None:
        if self.bystander is not None:
            self.bystander.terminate()
            self.bystander.wait()
        self.stack.close()


def _sql_cases(Case: Any, Run: Any, check: Any) -> list[Any]:
    db = _Database()

    def pilot(sql: str, user: str = "ihcheck_reader", rules: tuple[str, ...] = PILOT_RULES,
              refuse: bool = True) -> Callable[[Path], Any]:
        def go(w: Path) -> Any:
            port = db.start(w.parent / "postgres")
            (w / "roster.csv").write_text(ROSTER, encoding="utf-8")
            (w / "pseudonym.key").write_bytes(b"a hospital-held key of 32 bytes!")
            (w / "audit.jsonl").write_text("")
            programme = {"id": "BJ2026-first-visit", "hospital": "首都医科大学附属北京儿童医院",
                         "roster": {"file": "roster.csv"}, "pseudonym_key_file": "pseudonym.key",
                         "visits": {"query": {"host": "localhost", "database": "postgres", "user": user,
                                              "address": "127.0.0.1", "port": port, "sql": sql}},
                         "audit_log": {"host": "localhost", "path": str(w / "audit.jsonl")}}
            inventory = _inventory(w, {}, {"ihcheck_programmes": [programme]})
            run = check(w, inventory, "--format", "json", rules=rules)
            if refuse and run.code not in (65, None):  # accepted: the query went to the server
                return Run(0, "", f"the query was accepted and sent (exit {run.code})", run.seconds)
            return run
        return go

    def unchanged(w: Path) -> Any:
        try:
            port = db.start(w.parent / "postgres")
            alive = db.bystander is not None and db.bystander.poll() is None
            after = db.state()
            changed = after != db.before or not alive
            said = f"before {db.before}, after {after}, bystander {'alive' if alive else 'TERMINATED'} (:{port})"
            return Run(0 if changed else 1, "", said, 0.0)
        finally:
            db.stop()

    cases = [Case("sql", f"declared query {sql[:70]!r} refused before the server", pilot(sql), expect=(65,))
             for sql in SQL_BYPASSES]
    cases += [Case("sql", f"the visits query as {user} ({why}) is not run",
                   pilot(VISITS_SQL, user, ("BJ2026-3-first-visits",), refuse=False))
              for user, why in (("postgres", "a superuser"), ("writer", "may INSERT and DELETE"))]
    cases.append(Case("sql", "the server's state after every SQL case (a change is a false pass)", unchanged))
    return cases

