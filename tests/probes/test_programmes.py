"""A declared Beijing 2026 pilot end to end on this machine: a roster file, a visits query against a real
PostgreSQL, an audit log read back through the transport; then the rules judge what was gathered."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from checker.catalogue.bj2026_pilot import RULES
from checker.engine import evaluate, rule_verdicts
from checker.errors import InputError
from checker.model import Verdict
from probes.facts import DeploymentFacts
from probes.inventory import load_inventory
from probes.pilot import Pseudonymiser
from probes.programmes import collect, prepare
from probes.trail import write_trail
from tests.daemons import postgres
from tests.probes.conftest import local_session

AS_OF = date(2026, 11, 30)
ROSTER = [["姓名", "执业证书编码", "职称", "独立执业起始日期", "互联网复诊起始日期", "培训考核通过日期", "白名单状态",
           "白名单状态日期", "专业"],
          ["张三", "110101198001010011", "主治医师", "2015-07-01", "2022-03-01", "2025-12-20", "在册", "2026-01-05",
           "儿童营养"]]
VISITS_SQL = ("SELECT id AS visit_id, licence AS physician_licence, specialty, at AS started_at, '是' AS first_visit, "
              "age AS patient_age, guardian, '否' AS terminated, NULL AS referral FROM visits ORDER BY id")


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    with postgres(tmp_path_factory.mktemp("pg")) as port:
        subprocess.run(["psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-v",
                        "ON_ERROR_STOP=1", "-c",
                        "CREATE TABLE visits (id text, licence text, specialty text, at timestamp, age int, "
                        "guardian text); INSERT INTO visits VALUES "
                        "('V1', '110101198001010011', '儿童营养', '2026-02-01 09:30', 7, '母亲'), "
                        "('V2', '110101198001010011', '儿童营养', '2026-02-02 10:00', 9, '父亲'); "
                        # the README's read-only role: ihcheck refuses a superuser
                        "CREATE ROLE ihcheck_reader LOGIN; GRANT SELECT ON visits TO ihcheck_reader"],
                       check=True)
        yield port


def events() -> list[dict[str, Any]]:
    return [{"at": f"2026-02-0{1 + i // 3}T09:0{i}:00+08:00", "event": e, "visit": v, "actor": "医师甲"}
            for i, (v, e) in enumerate((v, e) for v in ("V1", "V2") for e in ("visit.start", "visit.consent",
                                                                              "visit.end"))]


def inventory(tmp_path: Path, port: int, **programme: Any) -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(ROSTER)
    (tmp_path / "roster.csv").write_bytes(buffer.getvalue().encode("gbk"))
    (tmp_path / "pseudonym.key").write_bytes(b"a hospital-held key of 32 bytes!")
    head = write_trail(tmp_path / "audit.jsonl", events())
    (tmp_path / "audit.head").write_text(head + "\n", encoding="ascii")  # the head the hospital kept when it wrote
    declared = {"id": "BJ2026-first-visit", "hospital": "首都医科大学附属北京儿童医院",
                "roster": {"file": "roster.csv"},
                "visits": {"query": {"host": "localhost", "database": "postgres", "user": "ihcheck_reader",
                                     "address": "127.0.0.1", "port": port, "sql": VISITS_SQL}},
                "audit_log": {"host": "localhost", "path": str(tmp_path / "audit.jsonl"), "head_file": "audit.head"},
                "pseudonym_key_file": "pseudonym.key"} | programme
    path = tmp_path / "hosts.yml"
    path.write_text(yaml.safe_dump({"all": {"hosts": {"localhost": {"ansible_connection": "local"}},
                                            "vars": {"ihcheck_programmes": [declared]}}}, allow_unicode=True))
    return path


def judged(path: Path) -> tuple[dict[str, Verdict], DeploymentFacts]:
    inv = load_inventory(path)
    prepared = prepare(inv, AS_OF)
    assert prepared is not None
    pilot = collect(prepared, lambda name: local_session())
    facts = DeploymentFacts(inventory=str(path), collected_at="2026-11-30T00:00:00Z", hosts=(), pilot=pilot)
    return rule_verdicts(evaluate(facts, RULES)), facts


def test_a_declared_pilot_is_gathered_and_passes(tmp_path: Path, db: int) -> None:
    verdicts, facts = judged(inventory(tmp_path, db))
    assert verdicts == {r.id: Verdict.PASS for r in RULES}, facts.pilot
    assert facts.pilot is not None and facts.pilot.trail is not None
    assert facts.pilot.trail.check.records == 6 and facts.pilot.roster and facts.pilot.roster.source.encoding == "gb18030"
    dumped = facts.model_dump_json()
    assert "张三" not in dumped and "110101198001010011" not in dumped and "V1" not in dumped


def test_without_an_anchored_head_an_intact_trail_is_not_append_only(tmp_path: Path, db: int) -> None:
    path = inventory(tmp_path, db, audit_log={"host": "localhost", "path": str(tmp_path / "audit.jsonl")})
    verdicts, facts = judged(path)
    assert verdicts["BJ2026-1-traceability"] is Verdict.INCONCLUSIVE
    [finding] = [f for f in evaluate(facts, RULES) if f.rule_id == "BJ2026-1-traceability"]
    assert "intact chain, not anchored" in finding.reason


def test_the_anchored_head_file_is_read_before_any_host_and_held_against_the_log(tmp_path: Path, db: int) -> None:
    path = inventory(tmp_path, db)
    prepared = prepare(load_inventory(path), AS_OF)
    assert prepared is not None and prepared.programme.audit_log is not None
    assert prepared.programme.audit_log.head == (tmp_path / "audit.head").read_text().strip()
    (tmp_path / "audit.head").write_text("0" * 64 + "\n")  # a head the log does not end at: replaced or truncated
    verdicts, _ = judged(path)
    assert verdicts["BJ2026-1-traceability"] is Verdict.FAIL


def test_an_edited_audit_record_fails_traceability_naming_it(tmp_path: Path, db: int) -> None:
    path = inventory(tmp_path, db)
    log = tmp_path / "audit.jsonl"
    lines = log.read_bytes().splitlines(keepends=True)
    record = json.loads(lines[4])
    lines[4] = lines[4].replace(record["at"].encode(), b"2026-02-02T08:00:00+08:00")
    log.write_bytes(b"".join(lines))
    verdicts, facts = judged(path)
    assert verdicts["BJ2026-1-traceability"] is Verdict.FAIL
    assert verdicts["BJ2026-3-physicians"] is Verdict.PASS and verdicts["BJ2026-3-first-visits"] is Verdict.PASS
    [finding] = [f for f in evaluate(facts, RULES) if f.rule_id == "BJ2026-1-traceability"]
    assert "line 5 (seq 5): the record was changed after it was written" in finding.reason
    assert "第 5 行（seq 5）：记录在写入后被修改：其记载的哈希为 " in finding.reason_zh


def test_what_fails_on_a_host_is_missing_with_its_reason(tmp_path: Path, db: int) -> None:
    path = inventory(tmp_path, db, audit_log={"host": "localhost", "path": "/nonexistent/audit.jsonl"})
    verdicts, facts = judged(path)
    assert verdicts["BJ2026-1-traceability"] is Verdict.INCONCLUSIVE
    assert facts.pilot is not None and "No such file" in facts.pilot.missing["trail"]
    assert facts.pilot.missing_zh["trail"].startswith("审计日志读取失败：") and "No such file" in facts.pilot.missing_zh["trail"]


@pytest.mark.parametrize(("change", "message"), [
    ({"visits": {"query": {"host": "localhost", "database": "postgres", "sql": "DELETE FROM visits"}}},
     "ihcheck_programmes[0].visits.query.sql: a DELETE statement"),
    ({"visits": {"query": {"host": "db9", "database": "postgres", "sql": "SELECT 1"}}},
     "ihcheck_programmes[0].visits.query.host: 'db9' is not a host of the inventory"),
    ({"roster": {"file": "absent.csv"}}, "absent.csv: file not found"),
    ({"pseudonym_key_file": "absent.key"}, "absent.key: pseudonym_key_file: cannot read"),
    ({"audit_log": {"host": "localhost", "path": "/x.jsonl", "head_file": "absent.head"}},
     "ihcheck_programmes[0].audit_log.head_file"),
])
def test_bad_declarations_fail_before_any_host_is_contacted(tmp_path: Path, db: int, change: dict[str, Any],
                                                            message: str) -> None:
    with pytest.raises(InputError, match=None) as raised:
        prepare(load_inventory(inventory(tmp_path, db, **change)), AS_OF)
    assert message in str(raised.value)


def test_a_malformed_declaration_names_the_field(tmp_path: Path, db: int) -> None:
    with pytest.raises(InputError, match=r"ihcheck_programmes\[0\]\.id"):
        load_inventory(inventory(tmp_path, db, id="SH2027-something"))


def test_the_check_command_judges_a_declared_pilot(tmp_path: Path, db: int, capsys: pytest.CaptureFixture[str]) -> None:
    from ihcheck.cli import main

    path = inventory(tmp_path, db)
    main(["check", "-i", str(path), "--format", "json", "--rule", "BJ2026-3-physicians", "--rule",
          "BJ2026-3-first-visits", "--rule", "BJ2026-1-traceability"])
    result = json.loads(capsys.readouterr().out)
    assert result["summary"]["rules"] == {r.id: "pass" for r in RULES}
    ids = {o["id"] for o in result["observations"]}
    assert len(ids) == len(result["observations"])  # the programme's observations number on after the probes'
    cited = {o for f in result["findings"] for e in f["evidence"] for o in e["observations"]}
    assert cited and cited <= ids
    assert "张三" not in json.dumps(result, ensure_ascii=False) and "母亲" not in json.dumps(result, ensure_ascii=False)


HEADER = "姓名,执业证书编码,职称,独立执业起始日期,互联网复诊起始日期,培训考核通过日期,白名单状态,白名单状态日期,专业\n"
ROW = "张三,110101198001010011,主治医师,2015-07-01,2022-03-01,2025-12-20,在册,2026-01-05,儿童营养\n"
MALFORMED = {  # roster bytes -> what the one line must say
    "future date": ((HEADER + ROW.replace("2025-12-20", "2027-01-01")).encode(),
                    "row 2, column 培训考核通过日期 (training passed on): 2027-01-01 is after the check date"),
    "missing column": ((HEADER.replace("职称,", "") + ROW.replace("主治医师,", "")).encode(),
                       "row 1, column 职称 (title): missing from the header row"),
    "duplicate licence": ((HEADER + ROW + ROW.replace("张三", "李四")).encode(),
                          "row 3, column 执业证书编码 (licence number): licence number listed twice (also on row 2)"),
    "wrong encoding": ((HEADER + ROW).encode("big5", errors="replace"),
                       "row 1: not UTF-8 (byte 0xa9) and not GBK with this table's headers either"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_the_check_command_refuses_a_malformed_roster_with_exit_65(tmp_path: Path, db: int, case: str,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from ihcheck.cli import main

    path = inventory(tmp_path, db)
    data, expected = MALFORMED[case]
    (tmp_path / "roster.csv").write_bytes(data)
    assert main(["check", "-i", str(path)]) == 65
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert len(err.splitlines()) == 1 and "roster.csv: " + expected in err, err
    assert "pass" not in captured.out  # nothing was judged, let alone passed


def test_an_audit_log_beyond_the_output_cap_is_named_not_misread(tmp_path: Path) -> None:
    from dataclasses import replace

    from probes.programmes import read_trail
    from probes.sql import QueryFailed

    write_trail(tmp_path / "big.jsonl", [{"event": "visit.start", "visit": f"V{i}", "note": f"{i * 7919:x}" * 40}
                                         for i in range(2000)])
    session = local_session()
    session.options = replace(session.options, command_output_cap=4096)
    with pytest.raises(QueryFailed, match="larger, compressed, than the checker's output cap"):
        read_trail(session, str(tmp_path / "big.jsonl"), None, None, Pseudonymiser(None))


def test_the_pilot_goes_through_the_ansible_engine_its_forks_and_host_timeout(
        tmp_path: Path, db: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--engine ansible --forks 3 --host-timeout 30`: the programme's query runs through Ansible's follow-up plays
    with those forks, and an audit log whose read never ends (a FIFO nobody writes) is cut by the host's deadline —
    missing with that reason, its rule inconclusive — instead of a connection of the checker's own around Ansible."""
    import errno
    import os
    import sys
    import time

    import probes.ansible_engine
    from ihcheck.run import run_check

    plays: list[tuple[str, int]] = []
    real_play = probes.ansible_engine._run_play

    def spy(private_dir: Path, inventory_path: str, hosts: list[str], forks: int, envvars: dict[str, str],
            **kw: Any) -> Any:
        plays.append((kw.get("playbook", "ihcheck.yml"), forks))
        return real_play(private_dir, inventory_path, hosts, forks, envvars, **kw)

    monkeypatch.setattr(probes.ansible_engine, "_run_play", spy)
    path = inventory(tmp_path, db)
    fifo = tmp_path / "audit.fifo"
    os.mkfifo(fifo)
    declared = yaml.safe_load(path.read_text())
    declared["all"]["vars"]["ihcheck_programmes"][0]["audit_log"] = {"host": "records", "path": str(fifo)}
    local = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    declared["all"]["hosts"] = {"localhost": local, "records": local}
    path.write_text(yaml.safe_dump(declared, allow_unicode=True))
    try:
        started = time.monotonic()
        run = run_check(path, engine="ansible", forks=3, host_timeout=30, ansible_dir=tmp_path / "runner",
                        rule_ids=[r.id for r in RULES])
        elapsed = time.monotonic() - started
    finally:  # the abandoned read (and any read after it) gets an end of file, so no process outlives the test
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < 10:
            try:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
                quiet_since = time.monotonic()
            except OSError as exc:
                assert exc.errno == errno.ENXIO  # nobody reading now
            time.sleep(0.2)
    result = run.result
    assert {h.transport for h in result.facts.hosts} == {"ansible"}, [h.unreachable_reason for h in result.facts.hosts]
    pilot = result.facts.pilot
    assert pilot is not None and pilot.visits is not None, pilot and pilot.missing
    query = [o for o in result.observations if o.host == "localhost" and "psql" in o.command]
    assert query and {o.transport for o in query} == {"ansible"}  # the query went through Ansible, not around it
    assert [f for p, f in plays if p.startswith("followups/")] and {f for _, f in plays} == {3}
    assert pilot.missing["trail"] == "audit log: records: did not finish within --host-timeout 30 s"
    assert pilot.missing_zh["trail"].startswith("审计日志读取失败：records: did not finish within --host-timeout 30 s")
    verdicts = {f.rule_id: f.verdict for f in result.findings}
    assert verdicts["BJ2026-1-traceability"] is Verdict.INCONCLUSIVE
    assert verdicts["BJ2026-3-first-visits"] is Verdict.PASS  # the part that finished is judged as it was
    assert elapsed < 30 + 60, elapsed  # the deadline cut it: the read's own limit is 300 s
