"""Inventories as Ansible users write them: Jinja templates in host vars and Ansible Vault secrets.

The ciphertext is made with Ansible's own VaultLib, as `ansible-vault encrypt_string` would; the parser
must render and decrypt exactly the variables ihcheck reads, and say in one line what it could not.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.errors import ExitCode
from ihcheck.cli import main
from probes.inventory import load_inventory

PASSWORD = "correct horse"


def vaulted(plaintext: str, password: str = PASSWORD) -> str:
    from ansible.parsing.vault import VaultLib, VaultSecret

    cipher = VaultLib([("default", VaultSecret(password.encode()))]).encrypt(plaintext).decode()
    return "!vault |\n" + "".join(f"          {line}\n" for line in cipher.splitlines())


def inventory(tmp_path: Path, bmc_password: str) -> Path:
    path = tmp_path / "inv.yml"
    path.write_text(
        "all:\n"
        "  vars:\n"
        "    domain: hospital.example\n"
        "    playbook_only: \"{{ ansible_default_ipv4.address }}\"  # a gathered fact: not ihcheck's business\n"
        "  hosts:\n"
        "    db1:\n"
        "      ansible_host: \"{{ inventory_hostname }}.{{ domain }}\"\n"
        "      ansible_port: \"{{ 2200 + 22 }}\"\n"
        "      ihcheck_role: [\"{{ 'data' ~ 'base' }}\"]\n"
        "      ihcheck_bmc:\n"
        "        address: \"{{ ansible_host }}\"\n"
        "        user: admin\n"
        f"        password: {bmc_password}"
    )
    return path


@pytest.fixture
def password_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "vault-pass"
    path.write_text(PASSWORD + "\n")
    monkeypatch.setenv("ANSIBLE_VAULT_PASSWORD_FILE", str(path))
    return path


def test_templates_are_rendered_and_vaulted_values_decrypted(tmp_path: Path, password_file: Path) -> None:
    [host] = load_inventory(inventory(tmp_path, vaulted("bmc-secret"))).hosts
    assert host.address == "db1.hospital.example" and host.port == 2222
    assert host.declared.role == ("database",)
    assert host.declared.bmc is not None and host.declared.bmc.address == "db1.hospital.example"
    assert host.declared.bmc.password.get_secret_value() == "bmc-secret"
    assert "bmc-secret" not in host.model_dump_json()  # decrypted, and still never dumped


def test_an_executable_password_file_is_run_as_ansible_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "vault-pass.sh"
    script.write_text(f"#!/bin/sh\necho '{PASSWORD}'\n")
    script.chmod(0o700)
    monkeypatch.setenv("ANSIBLE_VAULT_PASSWORD_FILE", str(script))
    [host] = load_inventory(inventory(tmp_path, vaulted("from-a-script"))).hosts
    assert host.declared.bmc is not None and host.declared.bmc.password.get_secret_value() == "from-a-script"


def one_line_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == ExitCode.INPUT
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in captured.err, captured.err
    return lines[0]


def test_without_the_password_the_error_names_host_field_and_the_flag(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("ANSIBLE_VAULT_PASSWORD_FILE", raising=False)
    path = inventory(tmp_path, vaulted("bmc-secret"))
    line = one_line_error(["check", "-i", str(path)], capsys)
    assert f"{path}: host 'db1': ihcheck_bmc: vault-encrypted" in line and "--vault-password-file" in line


def test_a_wrong_password_is_one_line(tmp_path: Path, password_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = inventory(tmp_path, vaulted("bmc-secret", password="another"))
    line = one_line_error(["check", "-i", str(path)], capsys)
    assert "host 'db1': ihcheck_bmc: vault-encrypted and the vault password file does not decrypt it" in line


def test_a_missing_password_file_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ANSIBLE_VAULT_PASSWORD_FILE", "")  # restored after the flag below overwrites it
    path = inventory(tmp_path, vaulted("bmc-secret"))
    line = one_line_error(["check", "-i", str(path), "--vault-password-file", str(tmp_path / "nope")], capsys)
    assert line.endswith(f"{tmp_path / 'nope'}: vault password file not found")


def test_an_undefined_variable_names_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "inv.yml"
    path.write_text("all:\n  hosts:\n    h: {ansible_host: '{{ nowhere_defined }}'}\n")
    line = one_line_error(["check", "-i", str(path)], capsys)
    assert f"{path}: host 'h': ansible_host:" in line and "nowhere_defined" in line


def test_the_flag_decrypts_for_a_whole_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ANSIBLE_VAULT_PASSWORD_FILE", "")
    secret = tmp_path / "pass"
    secret.write_text(PASSWORD)
    path = tmp_path / "inv.yml"
    path.write_text("all:\n  hosts:\n    me:\n      ansible_connection: local\n"
                    f"      ihcheck_datacenter: {vaulted('广州机房').replace(chr(10) + '          ', chr(10) + '        ')}")
    code = main(["check", "-i", str(path), "--vault-password-file", str(secret), "--rule", "GD2020-1.2.3-servers",
                 "--format", "json"])
    result = json.loads(capsys.readouterr().out)
    assert code in (0, 1, 2)
    [host] = result["facts"]["hosts"]
    assert host["declared"]["datacenter"] == "广州机房"
