"""An inventory handed to Ansible runs nothing on the checker unless the user trusts it (--allow-inventory-lookups).

Each case would run `touch MARK` on the checker through Ansible: an OpenSSH ProxyCommand, LocalCommand or
`-F` config in the ssh argument variables, an `ansible_ssh_executable` script, a pipe lookup in any variable.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from ihcheck.cli import main
from probes.ansible_trust import variable_problem
from probes.inventory import load_inventory


def _cases(mark: Path, script: Path) -> dict[str, str]:
    return {
        "ProxyCommand": f"ansible_ssh_common_args: \"-o ProxyCommand='touch {mark}'\"",
        "ProxyCommand in extra args": f"ansible_ssh_extra_args: \"-oProxyCommand='touch {mark}'\"",
        "LocalCommand": f"ansible_ssh_common_args: \"-o PermitLocalCommand=yes -o LocalCommand='touch {mark}'\"",
        "pipe lookup in ssh args": "ansible_ssh_common_args: \"{{ lookup('pipe', 'touch " + str(mark) + "') }}\"",
        "pipe lookup in an unrelated variable": "some_var: \"{{ lookup('pipe', 'touch " + str(mark) + "') }}\"",
        "ssh executable": f"ansible_ssh_executable: {script}",
        "scp executable": f"ansible_scp_executable: {script}",
        "paramiko proxy command": f"ansible_paramiko_proxy_command: \"touch {mark}\"",
        "ssh config file": "ansible_ssh_common_args: \"-F /tmp/evil_config\"",
        # a local connection is the checker: what Ansible runs "on the host" runs here (found auditing issue 21)
        "shell executable, local connection": f"ansible_connection: local\n      ansible_shell_executable: {script}",
        "python interpreter, local connection": "ansible_connection: local\n      ansible_python_interpreter: "
                                                f"\"touch {mark}; /usr/bin/python3\"",
        "interpreter script, local connection": f"ansible_connection: local\n      ansible_python_interpreter: {script}",
        "become exe, local connection": f"ansible_connection: local\n      ansible_become: true\n"
                                        f"      ansible_become_exe: {script}",
        "become flags, local connection": "ansible_connection: ansible.builtin.local\n      ansible_become: true\n"
                                          f"      ansible_become_flags: \"-n; touch {mark};\"",
    }


@pytest.mark.parametrize("case", list(_cases(Path("M"), Path("S"))))
@pytest.mark.parametrize("engine", ["transport", "engine"])
def test_inventory_variables_never_run_a_command_on_the_checker(case: str, engine: str, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    mark, script = tmp_path / "PWNED", tmp_path / "ssh.sh"
    script.write_text(f"#!/bin/sh\ntouch {mark}\nexec ssh \"$@\"\n")
    script.chmod(0o755)
    variable = _cases(mark, script)[case]
    transport = "\n      ihcheck_transport: ansible" if engine == "transport" else ""
    inventory = tmp_path / "hosts.yml"
    inventory.write_text("all:\n  hosts:\n    h1:\n      ansible_host: 127.0.0.1\n      ansible_port: 1\n"
                         f"      {variable}{transport}\n", encoding="utf-8")
    args = ["check", "-i", str(inventory), "--rule", "GD2020-1.2.3-servers", "--connect-timeout", "3"]
    code = main([*args, *(["--engine", "ansible"] if engine == "engine" else [])])
    said = capsys.readouterr().err.strip().splitlines()
    assert not mark.exists(), f"{case}: the inventory ran a command on the checker"
    assert code == 65 and len(said) == 1 and "h1" in said[0] and "--allow-inventory-lookups" in said[0], said


def test_safe_ssh_options_and_the_direct_engine_are_untouched(tmp_path: Path) -> None:
    inventory = tmp_path / "hosts.yml"
    inventory.write_text("all:\n  hosts:\n    h1:\n      ansible_host: 127.0.0.1\n      ansible_ssh_common_args: "
                         "\"-o StrictHostKeyChecking=yes -o ConnectTimeout=5 -o ProxyJump=bastion.example\"\n"
                         "      ansible_shell_executable: /bin/bash\n      x: \"{{ inventory_hostname }}.lan\"\n"
                         "    h2:\n      ansible_host: 127.0.0.1\n      ansible_ssh_common_args: \"-o ProxyCommand=x\"\n",
                         encoding="utf-8")
    hosts = {h.name: h for h in load_inventory(inventory).hosts}
    assert hosts["h1"].checker_side == ()
    assert hosts["h2"].checker_side and "ProxyCommand" in hosts["h2"].checker_side[0]
    assert load_inventory(inventory, allow_lookups=True).hosts[1].checker_side == ()
    assert "checker_side" not in hosts["h2"].model_dump()


@pytest.mark.parametrize(("key", "value", "refused"), [
    ("ansible_ssh_common_args", "-o ProxyCommand=\"nc %h %p\"", True),
    ("ansible_ssh_common_args", "-o 'KnownHostsCommand /bin/x'", True),
    ("ansible_ssh_common_args", "-o Match=exec", True),
    ("ansible_ssh_common_args", "-o PKCS11Provider=/tmp/x.so", True),
    ("ansible_ssh_common_args", "-o ProxyJump=$(id)", True),
    ("ansible_ssh_args", "-F cfg", True),
    ("ansible_sftp_extra_args", "-S /tmp/x", True),
    ("ansible_podman_executable", "/tmp/x", True),
    ("ansible_ssh_common_args", "-o StrictHostKeyChecking=no -C -4", False),
    ("ansible_become_exe", "sudo", False),
    ("ansible_python_interpreter", "/usr/bin/python3", False),
    ("ansible_python_interpreter", "touch /tmp/x; /usr/bin/python3", False),  # on the host, over ssh
])
def test_the_rule_variable_by_variable(key: str, value: str, refused: bool) -> None:
    assert (variable_problem(key, value) is not None) is refused


@pytest.mark.parametrize(("key", "value", "refused"), [
    ("ansible_python_interpreter", sys.executable, False),  # the checker's own interpreter
    ("ansible_python_interpreter", shutil.which("sh"), False),  # what the checker's PATH finds by that name
    ("ansible_shell_executable", "/bin/sh", False),
    ("ansible_python_interpreter", "/usr/bin/python3", False),  # a system program
    ("ansible_python_interpreter", "touch /tmp/x; /usr/bin/python3", True),
    ("ansible_python_interpreter", "python3", True),  # not a path: the shell would look it up
    ("ansible_python_interpreter", "/srv/hospital-inventory/python3", True),  # a script the inventory carries
    ("ansible_shell_executable", "/tmp/sh.sh", True),
    ("ansible_become_exe", "/tmp/sudo", True),
    ("ansible_become_flags", "-H -S -n", False),
    ("ansible_become_flags", "-n; touch /tmp/x", True),
    ("ansible_become_flags", "-n $(id)", True),
])
def test_a_local_connection_runs_only_the_checkers_own_programs(key: str, value: str, refused: bool) -> None:
    """With `ansible_connection: local` the host is the checker: the interpreter, shell and become program and
    flags Ansible would run there must be ones the checker runs anyway."""
    assert (variable_problem(key, value, local=True) is not None) is refused
