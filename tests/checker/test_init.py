"""`ihcheck init` writes an inventory `ihcheck check` accepts: from an answers file, one meaning what
inventories/example.yml means; interactively (driven through a pseudo-terminal) for two hosts, each answer checked
as it is given against a real sshd, a wrong one refused at once with a one-line reason (issue 25)."""

from __future__ import annotations

import sys
from pathlib import Path

import pexpect
import pytest

from ihcheck.cli import main
from probes.inventory import load_inventory
from tests.daemons import free_port, sshd

ROOT = Path(__file__).resolve().parents[2]
ANSWERS = ROOT / "inventories" / "example-answers.yml"  # shipped beside the inventory it means


def _meaning(path: Path) -> dict[str, dict[str, object]]:
    return {h.name: h.model_dump(mode="json") for h in load_inventory(path).hosts}


def test_answers_file_writes_an_inventory_meaning_the_example(tmp_path: Path) -> None:
    out = tmp_path / "hospital.yml"
    assert main(["init", "--answers", str(ANSWERS), "--out", str(out)]) == 0
    assert _meaning(out) == _meaning(ROOT / "inventories" / "example.yml")
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Written by `ihcheck init`") and "# a read-only BMC account" in text


def test_an_existing_inventory_is_not_replaced_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "hospital.yml"
    out.write_text("keep me\n")
    assert main(["init", "--answers", str(ANSWERS), "--out", str(out)]) == 65
    assert out.read_text() == "keep me\n" and "--force" in capsys.readouterr().err


@pytest.mark.parametrize(("change", "field"), [
    ("  - {name: db1, address: 192.0.2.20, port: 70000, role: database}", "hosts[0].port"),
    ("  - {name: db1, address: 192.0.2.20, role: web}", "hosts[0].role"),
    ("  - {name: '-oProxyCommand=x', address: 192.0.2.20, role: database}", "hosts[0].name"),
])
def test_a_wrong_answer_in_the_file_is_one_line_naming_file_and_field(
        change: str, field: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text("hosts:\n" + change + "\n")
    assert main(["init", "--answers", str(answers), "--out", str(tmp_path / "out.yml")]) == 65
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(answers) in err and field in err, err
    assert not (tmp_path / "out.yml").exists()


def test_a_wrong_exchange_is_refused_by_the_checkers_own_parser(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text("hosts:\n  - name: app1\n    address: 192.0.2.10\n    role: application\n"
                       "    exchange: [{name: his, system: his, protocol: hl7v2, address: 10.0.0.1}]\n")
    assert main(["init", "--answers", str(answers), "--out", str(tmp_path / "out.yml")]) == 65
    err = capsys.readouterr().err.strip()
    assert "receiving_application" in err and str(tmp_path / "out.yml") in err and len(err.splitlines()) == 1


def test_interactively_for_two_hosts_each_wrong_answer_is_caught_at_once(tmp_path: Path) -> None:
    out = tmp_path / "hospital.yml"
    closed = free_port()
    with sshd(tmp_path / "sshd") as server:
        child = pexpect.spawn(sys.executable, ["-m", "ihcheck", "init", "--out", str(out)], cwd=str(ROOT),
                              encoding="utf-8", timeout=90, dimensions=(24, 80))
        child.logfile_read = open(tmp_path / "transcript.txt", "w")  # noqa: SIM115
        def answer(prompt: str, text: str) -> None:
            child.expect_exact(prompt)
            child.sendline(text)

        answer("SSH 用户 user", "")
        answer("SSH 私钥 private key file", str(server.client_key))
        answer("主机名 name", "app1")
        answer("地址 address", "no-such-host.invalid")
        child.expect_exact("does not resolve")
        answer("地址 address", "127.0.0.1")
        answer("SSH 端口 port", str(closed))
        child.expect_exact("no SSH server answered")
        answer("SSH 端口 port", "99999")
        child.expect_exact("a port is a number from 1 to 65535")
        answer("SSH 端口 port", str(server.port))
        answer("角色 role", "web")
        child.expect_exact("one of application, database, av")
        answer("角色 role", "application")
        answer("机房 machine room", "广州机房A")
        answer("BMC 地址 address", "")
        answer("UPS 名称", "")
        answer("交换系统 exchange system name", "pacs")
        answer("系统类型 system", "")
        answer("协议 protocol", "dicom")
        answer("address", "10.1.0.20")
        answer("port", "")
        answer("called_ae_title", "AN-AE-TITLE-TOO-LONG")
        child.expect_exact("called_ae_title")  # refused by the parser `check` uses: an AE title is 16 characters
        answer("交换系统 exchange system name", "his")
        answer("系统类型 system", "his")
        answer("协议 protocol", "hl7v2")
        answer("address", "10.1.0.10")
        answer("port", "")
        answer("receiving_application", "HIS")
        answer("交换系统 exchange system name", "")
        answer("主机名 name", "app1")
        child.expect_exact("already used")
        answer("主机名 name", "db1")
        answer("地址 address", "127.0.0.1")
        answer("SSH 端口 port", str(server.port))
        answer("角色 role", "database")
        answer("机房 machine room", "")
        answer("BMC 地址 address", "127.0.0.1")  # nothing speaks IPMI there: said at once, asked again
        answer("BMC 端口 port", str(closed))
        answer("BMC 只读用户 read-only user", "ro")
        answer("BMC 密码 password", "s3cret-pw")
        child.expect_exact(f"✗ BMC 127.0.0.1:{closed}")
        answer("BMC 地址 address (Enter: none)", " ")
        answer("UPS 名称", "ups@127.0.0.1")
        answer("主机名 name", "")
        answer("回显服务 echo URL", "")
        answer("iperf3 测速端点", "iperf.example.org")
        child.expect_exact("expected HOST:PORT")
        answer("iperf3 测速端点", "iperf.example.org:5201")
        answer("供电证明文件", "")
        answer("材料目录 documents folder", str(tmp_path / "missing"))
        child.expect_exact("not a folder")
        answer("材料目录 documents folder", "")
        child.expect(pexpect.EOF)
        child.close()
    assert child.exitstatus == 0, child.before
    assert "s3cret-pw" not in (tmp_path / "transcript.txt").read_text(encoding="utf-8")  # the password not echoed
    hosts = load_inventory(out).hosts
    assert [(h.name, h.address, h.port, h.declared.role) for h in hosts] == [
        ("app1", "127.0.0.1", server.port, ("application",)), ("db1", "127.0.0.1", server.port, ("database",))]
    app1 = hosts[0]
    assert [e.name for e in app1.declared.exchange] == ["his"] and hosts[1].declared.ups == ("ups@127.0.0.1",)
    assert main(["preflight", "-i", str(out), "--accept-unknown-host-keys"]) in (0, 2)  # check's parser reads it
