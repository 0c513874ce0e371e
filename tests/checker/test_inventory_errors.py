"""Every malformed inventory gets one line naming the file and the field: no traceback, exit 65."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.errors import ExitCode
from ihcheck.cli import main

CASES: dict[str, tuple[str, str, str]] = {
    # name: (file name, content, text the one-line error must contain)
    "bad-yaml": ("inv.yml", "all:\n  hosts:\n    a: {x: [1\n", "YAML"),
    "duplicate-host": ("inv.yml", "all:\n  hosts:\n    db1: {}\n    db1: {ansible_port: 2}\n", "duplicate"),
    "unknown-connection": ("inv.yml", "all:\n  hosts:\n    h: {ansible_connection: telnet}\n",
                           "host 'h': ansible_connection: unsupported connection 'telnet'"),
    "port-out-of-range": ("hosts.ini", "[web]\nw1 ansible_host=192.0.2.1 ansible_port=70000\n",
                          "host 'w1': ansible_port:"),
    "port-not-a-number": ("inv.yml", "all:\n  hosts:\n    w1: {ansible_port: twenty-two}\n", "ansible_port"),
    "bad-ini-section": ("hosts.ini", "[web\nw1\n", "hosts.ini"),
    "unknown-ihcheck-var": ("inv.yml", "all:\n  hosts:\n    h: {ihcheck_rol: database}\n",
                            "host 'h': ihcheck_rol: unknown field"),
    "bmc-without-password": ("inv.yml", "all:\n  hosts:\n    h:\n      ihcheck_bmc: {address: 192.0.2.9, user: a}\n",
                             "host 'h': ihcheck_bmc.password"),
    "bad-measure-endpoint": ("inv.yml", "all:\n  vars:\n    ihcheck_measure_endpoint: nowhere\n  hosts:\n    h: {}\n",
                             "ihcheck_measure_endpoint"),
    "bad-endpoint-in-list": ("inv.yml", "all:\n  hosts:\n    h: {ihcheck_measure_endpoint: [a.example:5201, nowhere]}\n",
                             "host 'h': ihcheck_measure_endpoint"),
    "endpoint-twice": ("inv.yml", "all:\n  hosts:\n    h: {ihcheck_measure_endpoint: [a.example:5201, a.example:5201]}\n",
                       "listed twice"),
    "undefined-in-template": ("inv.yml", "all:\n  hosts:\n    h: {ansible_port: '{{ p }}'}\n", "host 'h': ansible_port:"),
    "no-hosts": ("inv.yml", "all:\n  children:\n    web: {}\n", "no hosts are defined"),
    "address-with-space": ("inv.yml", "all:\n  hosts:\n    h: {ansible_host: 'a b'}\n", "host 'h': ansible_host"),
    # issue 14: what would reach a command line as an option or split in two
    "address-as-option": ("hosts.ini", "h ansible_host=-V ihcheck_transport=ssh\n", "host 'h': ansible_host"),
    "user-as-option": ("inv.yml", "all:\n  hosts:\n    h: {ansible_user: '-oProxyCommand=x'}\n",
                       "host 'h': ansible_user"),
    "user-with-newline": ("inv.yml", "all:\n  hosts:\n    h: {ansible_user: \"a\\nb\"}\n", "host 'h': ansible_user"),
    "address-with-escape": ("inv.yml", "all:\n  hosts:\n    h: {ansible_host: \"h\\e[31m\"}\n", "host 'h': ansible_host"),
    "echo-url-as-option": ("inv.yml", "all:\n  hosts:\n    h: {ihcheck_echo_url: '-o/tmp/x'}\n", "ihcheck_echo_url"),
    "bmc-address-as-option": ("inv.yml", "all:\n  hosts:\n    h:\n      ihcheck_bmc: {address: '-V', user: a, password: b}\n",
                              "ihcheck_bmc.address"),
    "ups-as-option": ("inv.yml", "all:\n  hosts:\n    h: {ihcheck_ups: '-l'}\n", "ihcheck_ups"),
    "pipe-lookup": ("inv.yml", "all:\n  hosts:\n    h: {ihcheck_datacenter: \"{{ lookup('pipe', 'id') }}\"}\n",
                    "lookup 'pipe' refused"),
    "file-query": ("inv.yml", "all:\n  hosts:\n    h: {ansible_host: \"{{ query('file', '/etc/hostname')[0] }}\"}\n",
                   "lookup 'file' refused"),
    "include": ("inv.yml", "all:\n  hosts:\n    h: {ihcheck_datacenter: \"{% include 'inv.yml' %}\"}\n", "not found"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_inventory_gets_one_line(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name, content, expected = CASES[case]
    path = tmp_path / name
    path.write_text(content)
    code = main(["check", "-i", str(path)])
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert code == ExitCode.INPUT, captured.err
    assert len(lines) == 1, captured.err
    assert str(path) in lines[0]
    assert expected in lines[0]
    assert "Traceback" not in captured.err + captured.out


def test_missing_inventory_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.yml"
    assert main(["check", "-i", str(missing)]) == ExitCode.INPUT
    assert capsys.readouterr().err.strip() == f"ihcheck: error: {missing}: inventory not found"


def test_limit_matching_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "inv.yml"
    path.write_text("all:\n  hosts:\n    a: {}\n")
    assert main(["check", "-i", str(path), "--limit", "zzz"]) == ExitCode.INPUT
    assert "no hosts match --limit 'zzz'" in capsys.readouterr().err


def test_usage_error_is_64(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--no-such-option"]) == 64
    assert "usage error" in capsys.readouterr().err


def test_unknown_rule_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "inv.yml"
    path.write_text("all:\n  hosts:\n    a: {ansible_connection: local}\n")
    assert main(["check", "-i", str(path), "--rule", "NOPE-1"]) == ExitCode.INPUT
    assert "unknown rule id 'NOPE-1'" in capsys.readouterr().err
