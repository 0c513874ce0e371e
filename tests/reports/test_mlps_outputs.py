"""What the MLPS items become for people: the remediation playbook (valid for ansible-playbook, tagged by
item), the assessor's workbook (one sheet per host, the assessor's columns) and the HTML report's section."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from checker.catalogue import CATALOGUE
from checker.catalogue.mlps import MLPS_RULES
from checker.engine import evaluate
from ihcheck.cli import main
from probes.facts import DeploymentFacts
from probes.facts.services import ListeningSocket
from probes.observation import Observation, sha256_text
from reports.bundle import write_bundle
from reports.keys import SigningKeys
from reports.load import load_bundle
from reports.remediate import render_ansible
from reports.render import Format, render
from reports.result import CheckResult
from tests.rules.mlps_examples import attested, defaults, hardened, host

WHEN = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
RSYNC = (ListeningSocket(protocol="tcp", address="0.0.0.0", port=873, process="rsync"),
         ListeningSocket(protocol="tcp", address="0.0.0.0", port=22, process="sshd"))


def _result(tmp: Path) -> tuple[CheckResult, Path]:
    inventory = tmp / "inventory.yml"
    inventory.write_text("all:\n  hosts:\n    app1:\n      ansible_host: 10.0.0.11\n    db1:\n"
                         "      ansible_host: 10.0.0.12\n", encoding="utf-8")
    facts = DeploymentFacts(inventory=str(inventory), collected_at=WHEN,
                            hosts=(host(hardened(), name="app1"),
                                   host(defaults(), sockets=RSYNC, name="db1").model_copy(update={"address": "10.0.0.12"})))
    findings = evaluate(facts, MLPS_RULES)
    cited = sorted({o for f in findings for e in f.evidence for o in e.observations})
    output = "the command's output\n"
    observations = [Observation(id=o, host=o.split("#")[0], transport="paramiko", command="(example)", exit_status=0,
                                stdout=output, stderr="", started_at=WHEN, ended_at=WHEN + timedelta(seconds=1),
                                stdout_sha256=sha256_text(output)) for o in cited]
    return CheckResult.build(rules=CATALOGUE, facts=facts, findings=findings, observations=observations,
                             started_at=WHEN, finished_at=WHEN + timedelta(seconds=2)), inventory


def test_playbook_fixes_the_failing_items_tagged_by_item_and_passes_ansible_syntax_check(tmp_path: Path) -> None:
    result, inventory = _result(tmp_path)
    text = render_ansible(result)
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))  # type: ignore[arg-type]
    plays = yaml.load(text, Loader=Loader)
    assert len(plays) == 1 and plays[0]["hosts"] == "all" and plays[0]["vars"]["ihcheck_hosts"] == ["db1"]
    # app1 fails nothing: the play ends at once on every host not in ihcheck_hosts
    units = {t for task in plays[0]["tasks"] for t in task["tags"] if t.startswith("L3-CES1-")}
    assert {"L3-CES1-01", "L3-CES1-02", "L3-CES1-03", "L3-CES1-08", "L3-CES1-14", "L3-CES1-18"} <= units
    modules = {k for task in plays[0]["tasks"] for k in task if k.startswith("ansible.builtin.")}
    assert modules <= {"ansible.builtin.lineinfile", "ansible.builtin.replace", "ansible.builtin.copy",
                       "ansible.builtin.blockinfile", "ansible.builtin.file", "ansible.builtin.user",
                       "ansible.builtin.service", "ansible.builtin.shell", "ansible.builtin.debug", "ansible.builtin.meta",
                       "ansible.builtin.assert"}
    rsync = [t for t in plays[0]["tasks"] if "ansible.builtin.service" in t]
    assert rsync and rsync[0]["ansible.builtin.service"] == {"name": "rsync", "state": "stopped", "enabled": False}
    sshd = next(t for t in plays[0]["tasks"] if "ansible.builtin.blockinfile" in t)
    assert sshd["ansible.builtin.blockinfile"]["validate"].startswith("/usr/sbin/sshd -t")
    # two-factor login and address restrictions could lock the administrator out: left as reviewed steps
    manual = [t for t in plays[0]["tasks"] if "ansible.builtin.debug" in t]
    assert {t["tags"][0] for t in manual} >= {"L3-CES1-04", "L3-CES1-19"}
    playbook = tmp_path / "remediate.yml"
    playbook.write_text(text, encoding="utf-8")
    done = subprocess.run([str(Path(sys.executable).with_name("ansible-playbook")), "--syntax-check", "-i",
                           str(inventory), str(playbook)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_remediate_command_writes_the_playbook_and_refuses_a_bad_result(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result, _ = _result(tmp_path)
    (tmp_path / "result.json").write_text(result.model_dump_json(by_alias=True), encoding="utf-8")
    assert main(["remediate", str(tmp_path / "result.json"), "--out", str(tmp_path / "r.yml")]) == 0
    assert "L3-CES1-02" in (tmp_path / "r.yml").read_text(encoding="utf-8")
    capsys.readouterr()
    (tmp_path / "bad.json").write_text('{"schema": "ihcheck.result/1"}', encoding="utf-8")
    assert main(["remediate", str(tmp_path / "bad.json")]) == 65
    said = capsys.readouterr().err.strip().splitlines()
    assert len(said) == 1 and "bad.json" in said[0], said


def test_workbook_has_a_sheet_per_host_in_the_assessors_columns(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    result, inventory = _result(tmp_path)
    bundle = write_bundle(result, inventory, tmp_path / "bundle", keys=SigningKeys.generate()).directory
    book = load_workbook(io.BytesIO(render(load_bundle(bundle), Format.xlsx)))
    assert book.sheetnames == ["app1", "db1"]
    db1 = [[str(v) for v in row] for row in book["db1"].iter_rows(values_only=True)]
    assert [h.split(" ")[0] for h in db1[0]] == ["测评项", "标准要求", "实际情况", "结论", "整改建议", "证据"]
    assert len(db1) == 1 + 34
    first = db1[1]
    assert first[0].startswith("8.1.4.1 a) (L3-CES1-01") and first[3] == "部分符合" and first[4]
    assert "PASS_MAX_DAYS" in first[2] and "db1#1 · " in first[5] and len(first[5].split(" · ")[1]) >= 64
    # 实际情况: what was found in Chinese first, the English beneath, the same settings quoted in both
    zh, en = first[2].split("\n")
    assert zh.startswith("完全没有口令的账户") and "没有 pam_pwquality/pam_cracklib" in zh
    assert en.startswith("accounts with no password at all") and "no pam_pwquality/pam_cracklib" in en
    assert "login.defs PASS_MAX_DAYS 99999" in zh and "login.defs PASS_MAX_DAYS 99999" in en
    app1 = {str(row[0]).split("\n")[0]: str(row[3]) for row in book["app1"].iter_rows(min_row=2, values_only=True)}
    assert app1["8.1.4.1 b) (L3-CES1-02, GB/T 28448-2019)"] == "符合"
    assert set(app1.values()) <= {"符合", "部分符合", "不符合", "无法判断"}


def test_html_report_has_the_mlps_section(tmp_path: Path) -> None:
    result, inventory = _result(tmp_path)
    bundle = write_bundle(result, inventory, tmp_path / "bundle", keys=SigningKeys.generate()).directory
    page = render(load_bundle(bundle), Format.html).decode()
    assert "等级保护第三级 主机测评项" in page and "L3-CES1-35" in page and "不符合" in page


def test_baseline_facts_survive_the_bundles_secret_redaction(tmp_path: Path) -> None:
    """Keys such as `password` or sshd's PermitEmptyPasswords look like secrets to the redaction: the baseline's
    models avoid them, so the facts in a bundle are the facts that were judged."""
    result, inventory = _result(tmp_path)
    bundle = write_bundle(result, inventory, tmp_path / "bundle", keys=SigningKeys.generate()).directory
    loaded = DeploymentFacts.model_validate(load_bundle(bundle).facts)  # the facts still parse (they did not)
    for got, judged in zip(loaded.hosts, result.facts.hosts, strict=True):
        assert got.baseline is not None and judged.baseline is not None
        for part in ("accounts", "password_policy", "sshd", "lockout", "login_defs", "remote_logs", "retention"):
            assert getattr(got.baseline, part) == getattr(judged.baseline, part), part
    # Known limit: the redaction masks the permission letters of audit watches (`-w /etc/passwd -p [REDACTED]`),
    # a false positive of its command-line password pattern; the findings judged before sealing are unaffected.


def test_the_summary_line_counts_the_passes_that_rest_on_a_document(tmp_path: Path) -> None:
    from rich.console import Console

    from ihcheck.cli import print_summary

    result, _ = _result(tmp_path)
    shown = io.StringIO()
    print_summary(result, Console(file=shown, width=200))
    assert "attested" not in shown.getvalue()  # app1's passes were all observed
    facts = result.facts.model_copy(update={"hosts": (host(attested(defaults(), "L3-CES1-04"), name="app1"),)})
    findings = evaluate(facts, [r for r in MLPS_RULES if r.id.endswith("-04")])
    with_doc = CheckResult.build(rules=CATALOGUE, facts=facts, findings=findings, observations=[],
                                 started_at=WHEN, finished_at=WHEN)
    shown = io.StringIO()
    print_summary(with_doc, Console(file=shown, width=200))
    assert shown.getvalue().strip() == "1 findings: 1 pass (1 attested, not observed); exit code 0"


def test_each_mlps_item_names_its_playbook_builder_and_every_builder_is_named() -> None:
    """The item record (checker.catalogue.mlps.Check) names how it is fixed; the builders live in reports."""
    from checker.catalogue.mlps import CHECKS
    from reports.remediate import PLAYBOOKS

    named = {c.playbook for c in CHECKS if c.playbook}
    assert named == set(PLAYBOOKS)
    assert all(c.remediation for c in CHECKS), "a manual step needs words"
    assert {c.unit for c in CHECKS if c.playbook == "audit"} == {"L3-CES1-12", "L3-CES1-15"}
