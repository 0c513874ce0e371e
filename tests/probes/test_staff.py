"""The staff roster read end to end: a GBK CSV beside the inventory, a read-only query against a real PostgreSQL,
and bad input refused in one line naming the file and the field before any host is contacted."""

from __future__ import annotations

import csv
import io
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from checker.catalogue.staff import RULES
from checker.engine import evaluate, rule_verdicts
from checker.errors import InputError
from checker.model import Basis, Verdict
from probes.collectors import DeploymentWork
from probes.facts import DeploymentFacts
from probes.facts.staff import StaffFacts
from probes.inventory import load_inventory
from probes.staff import work
from tests.daemons import postgres
from tests.probes.conftest import local_session

AS_OF = date(2026, 11, 30)
ROWS = [["姓名", "人员类别", "岗位", "资格证书编号", "证书有效期至", "所属机构", "是否在岗"],
        ["王五", "管理人员", "院长、主要负责人", "", "", "", "是"],
        ["张三", "卫生技术人员", "主治医师", "110101198001010011", "2030-12-31", "", "是"],
        ["李四", "信息专业技术人员", "网络工程师", "RK2019440100123", "", "", "是"]]
SQL = ("SELECT name AS 姓名, kind AS 人员类别, post AS 岗位, cert AS 资格证书编号, on_duty AS 是否在岗 "
       "FROM staff ORDER BY name")


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    with postgres(tmp_path_factory.mktemp("pg")) as port:
        subprocess.run(["psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-v",
                        "ON_ERROR_STOP=1", "-c",
                        "CREATE TABLE staff (name text, kind text, post text, cert text, on_duty text); "
                        "INSERT INTO staff VALUES ('王五', '管理人员', '主要负责人', NULL, '是'), "
                        "('张三', '卫生技术人员', '医师', '110101198001010011', '是'); "
                        "CREATE ROLE ihcheck_reader LOGIN; GRANT SELECT ON staff TO ihcheck_reader"], check=True)
        yield port


def inventory(tmp_path: Path, rows: list[list[str]] | None = None, **declared: Any) -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(ROWS if rows is None else rows)
    (tmp_path / "staff.csv").write_bytes(buffer.getvalue().encode("gbk"))  # what Excel on a Chinese Windows saves
    path = tmp_path / "hosts.yml"
    staff = {"roster": {"file": "staff.csv"}} | declared
    path.write_text(yaml.safe_dump({"all": {"hosts": {"localhost": {"ansible_connection": "local"}},
                                            "vars": {"ihcheck_staff": staff}}}, allow_unicode=True))
    return path


def gathered(path: Path) -> StaffFacts:
    prepared = work(load_inventory(path), AS_OF)
    assert isinstance(prepared, DeploymentWork)
    outcomes = {part.key: part.run(local_session()) for part in prepared.parts}
    facts = prepared.finish(outcomes)
    assert isinstance(facts, StaffFacts)
    return facts


def test_a_gbk_roster_file_is_read_pseudonymised_and_passes_as_attested(tmp_path: Path) -> None:
    facts = gathered(inventory(tmp_path))
    assert facts.source is not None and facts.source.encoding == "gb18030" and facts.staff is not None
    assert [m.category for m in facts.staff] == ["management", "health", "it"] and facts.staff[0].principal
    assert "张三" not in facts.model_dump_json() and "110101198001010011" not in facts.model_dump_json()
    deployment = DeploymentFacts(inventory="hosts.yml", collected_at="2026-11-30T00:00:00Z", hosts=(), staff=facts)
    findings = evaluate(deployment, RULES)
    assert set(rule_verdicts(findings).values()) == {Verdict.PASS}
    assert {e.basis for f in findings for e in f.evidence} == {Basis.ATTESTED}


def test_a_read_only_query_of_the_hr_database_is_still_attested(tmp_path: Path, db: int) -> None:
    query = {"host": "localhost", "database": "postgres", "user": "ihcheck_reader", "address": "127.0.0.1",
             "port": db, "sql": SQL}
    facts = gathered(inventory(tmp_path, roster={"query": query}))
    assert facts.source is not None and facts.source.basis == "attested" and facts.source.observations
    assert facts.staff is not None and len(facts.staff) == 2
    deployment = DeploymentFacts(inventory="hosts.yml", collected_at="2026-11-30T00:00:00Z", hosts=(), staff=facts)
    verdicts = rule_verdicts(evaluate(deployment, RULES))
    assert verdicts == {"GD2020-1.1.3-staff": Verdict.FAIL, "GD2020-4.3-principal": Verdict.PASS}  # no IT staff


@pytest.mark.parametrize(("rows", "declared", "message"), [
    ([ROWS[0], ["张三", "医生", "", "1", "", "", "是"]], {}, "staff.csv: row 2, column 人员类别 (category): '医生' is not"),
    ([ROWS[0], ["张三", "卫生技术人员", "", "1", "2030-13-01", "", "是"]], {},
     "staff.csv: row 2, column 证书有效期至 (valid until): '2030-13-01' is not a date"),
    ([ROWS[0][:3]], {"roster": {"file": "staff.csv", "encoding": "gbk"}}, "staff.csv: row 1, column 资格证书编号 (qualification number): missing from the header row"),
    (None, {"roster": {"file": "absent.csv"}}, "absent.csv: file not found"),
    (None, {"roster": {"query": {"host": "db9", "database": "hr", "sql": "SELECT 1"}}},
     "ihcheck_staff.roster.query.host: 'db9' is not a host of the inventory"),
    (None, {"roster": {"query": {"host": "localhost", "database": "hr", "sql": "DELETE FROM staff"}}},
     "ihcheck_staff.roster.query.sql: a DELETE statement"),
])
def test_bad_rosters_fail_in_one_line_before_any_host(tmp_path: Path, rows: list[list[str]] | None,
                                                      declared: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError) as raised:
        work(load_inventory(inventory(tmp_path, rows, **declared)), AS_OF)
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_a_malformed_declaration_names_the_field(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"ihcheck_staff\.roster"):
        load_inventory(inventory(tmp_path, roster={"file": "staff.csv", "query": None, "sheet": 3}))
