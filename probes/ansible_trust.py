"""Which inventory variables would run something on the checker once Ansible reads them, and the one rule for them.

ihcheck's own transports read a handful of connection variables and build every command line themselves.
When a host is handed to Ansible (the `ansible` transport, `--engine ansible`), Ansible reads the whole
inventory: every variable is a Jinja template it renders on the checker, and some variables name programs
or options it runs on the checker before any host is reached. From a hospital's inventory, then:

- a template calling a lookup (`lookup('pipe', …)`, `query(…)`) anywhere: it runs when Ansible renders it;
- `ansible_ssh_common_args`, `ansible_ssh_extra_args`, `ansible_ssh_args`, `ansible_scp_extra_args`,
  `ansible_sftp_extra_args`: OpenSSH options such as `ProxyCommand`, `LocalCommand`, `KnownHostsCommand`,
  `Match exec`, `-F` (a config file holding those), `PKCS11Provider`; only an allow-list of options that
  run nothing passes (host-key checking, timeouts, algorithms, `ProxyJump` to a plain host…);
- `ansible_*_executable` but `ansible_shell_executable` (which runs on the host): `ansible_ssh_executable`,
  `ansible_scp_executable`, `ansible_sftp_executable`, `ansible_podman_executable`…, and any
  `*proxy_command` (paramiko's): a program of the inventory's choosing, run on the checker.

A host whose connection is `local` is the checker itself: there the variables that name what Ansible runs "on the
host" — `ansible_shell_executable`, `ansible_become_exe`, `ansible_*_interpreter` (put into a shell command line
whole) — run on the checker too, so each must name a program the checker itself runs (its own interpreter, the
program its PATH finds by that name, a program of /usr/bin and the like), never a script the inventory's folder
carries; and `ansible_become_flags`, spliced into that command line, may hold only plain flags.

Such a host is refused (one line naming host and variable) before Ansible is started, unless the user
passes `--allow-inventory-lookups` for an inventory they trust. Ansible is also told to read inventories
with its YAML and INI plugins only: its `script` plugin would run an executable inventory file.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
from collections.abc import Iterable
from typing import Any

from checker.errors import InputError

ANSIBLE_INVENTORY_PLUGINS = "yaml,ini"
SSH_ARGS = re.compile(r"ansible_(ssh|scp|sftp)_(common_|extra_)?args")
REMOTE_EXECUTABLES = {"ansible_shell_executable"}
# OpenSSH options that run nothing on the checker; any other -o option (ProxyCommand, LocalCommand,
# KnownHostsCommand, Match, PKCS11Provider, SecurityKeyProvider, Include, PermitLocalCommand…) is refused.
SAFE_SSH_OPTIONS = {o.lower() for o in (
    "StrictHostKeyChecking", "UserKnownHostsFile", "GlobalKnownHostsFile", "ConnectTimeout", "ConnectionAttempts",
    "ServerAliveInterval", "ServerAliveCountMax", "TCPKeepAlive", "ControlMaster", "ControlPersist", "ControlPath",
    "ProxyJump", "Port", "User", "IdentityFile", "IdentitiesOnly", "PubkeyAuthentication", "PasswordAuthentication",
    "KbdInteractiveAuthentication", "PreferredAuthentications", "GSSAPIAuthentication", "HostKeyAlgorithms",
    "PubkeyAcceptedKeyTypes", "PubkeyAcceptedAlgorithms", "Ciphers", "MACs", "KexAlgorithms", "Compression",
    "LogLevel", "BatchMode", "AddressFamily", "CheckHostIP", "HashKnownHosts", "HostKeyAlias", "HostName",
    "NumberOfPasswordPrompts", "RequestTTY", "ForwardAgent", "ForwardX11", "UpdateHostKeys", "VerifyHostKeyDNS",
    "IPQoS", "RekeyLimit", "EscapeChar", "ExitOnForwardFailure", "ClearAllForwardings", "SetEnv", "SendEnv")}
SAFE_SSH_FLAGS = {"-4", "-6", "-C", "-q", "-v", "-vv", "-vvv", "-T", "-t", "-tt", "-A", "-a", "-x", "-n", "-N"}


def _ssh_args_problem(value: str) -> str | None:
    try:
        words = shlex.split(value)
    except ValueError as exc:
        return f"not an argument list ({exc})"
    index = 0
    while index < len(words):
        word = words[index]
        if word in SAFE_SSH_FLAGS:
            index += 1
            continue
        if word.startswith("-o"):
            option = word[2:] if word != "-o" else (words[index + 1] if index + 1 < len(words) else "")
            index += 1 if word != "-o" else 2
            match = re.match(r"\s*([A-Za-z0-9]+)\s*[=\s]\s*(.*)$", option, re.S)
            key, setting = (match.group(1), match.group(2)) if match else (option.strip(), "")
            if key.lower() not in SAFE_SSH_OPTIONS:
                return (f"OpenSSH option {key or option!r} may run a command on the checker (ProxyCommand, "
                        "LocalCommand, KnownHostsCommand, Match exec…); only options that run nothing are passed")
            if key.lower() == "proxyjump" and re.search(r"[\s'\"`$;|&%]|^-", setting.strip()):
                return "ProxyJump must name a plain host"
            continue
        return (f"OpenSSH argument {word!r} is not one ihcheck passes to Ansible (it could run a command or "
                "read a configuration that does)")
    return None


LOCAL_CONNECTIONS = {"local", "ansible.builtin.local"}
# Run "on the host" by Ansible: on the checker when the connection is local.
LOCAL_PROGRAMS = re.compile(r"ansible_(shell_executable|become_exe|\w*_interpreter)")
_PLAIN_FLAGS = re.compile(r"[A-Za-z0-9 _=,.-]*")


SYSTEM_DIRS = ("/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/", "/usr/local/bin/", "/usr/libexec/")


def _checkers_own(program: str) -> bool:
    """Whether `program` is one the checker runs anyway: this interpreter, what its PATH finds by that name, or a
    program of the system's own directories (which an inventory's folder is not)."""
    if not os.path.isabs(program) or re.search(r"[\s'\"`$;|&<>()*?]", program):
        return False
    real = os.path.realpath(program)
    found = shutil.which(os.path.basename(program))
    return (real in (os.path.realpath(sys.executable), os.path.realpath(found) if found else None)
            or (os.path.isfile(real) and real.startswith(SYSTEM_DIRS)))


def local_problem(key: str, value: Any) -> str | None:
    """Why this variable of a host whose connection is `local` (the checker itself) would run something the
    inventory chose on the checker; None when it would not."""
    if value is None or value == "":
        return None
    if LOCAL_PROGRAMS.fullmatch(key) and not (isinstance(value, str) and _checkers_own(value)):
        return ("the connection is local: names a program Ansible runs on the checker (only the checker's own "
                "interpreter or a program of its system directories)")
    if key == "ansible_become_flags" and not (isinstance(value, str) and _PLAIN_FLAGS.fullmatch(value)):
        return "the connection is local: become flags are spliced into a command line run on the checker"
    return None


def variable_problem(key: str, value: Any, *, local: bool = False) -> str | None:
    """Why this (rendered) variable would run something on the checker once Ansible has it; None when it would not.
    `local`: the host's connection is local, so what Ansible runs on the host runs on the checker."""
    if not key.startswith("ansible_") or value is None or value == "":
        return None
    if local and (problem := local_problem(key, value)) is not None:
        return problem
    if SSH_ARGS.fullmatch(key):
        return _ssh_args_problem(value if isinstance(value, str) else " ".join(map(str, value))
                                 if isinstance(value, list) else str(value))
    if key.endswith(("_executable", "_exe")) and key not in REMOTE_EXECUTABLES and key != "ansible_become_exe":
        return "names a program Ansible runs on the checker"
    if "proxy_command" in key:
        return "a proxy command runs on the checker"
    return None


def refuse_checker_side(hosts: Iterable[Any], how: str) -> None:
    """One line for the first host handed to Ansible whose inventory would run something on the checker."""
    for host in hosts:
        for reason in getattr(host, "checker_side", ()):
            raise InputError(f"host {host.name!r}: {reason} ({how}; refused before Ansible starts: "
                             "--allow-inventory-lookups for an inventory you trust)")
