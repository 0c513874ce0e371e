"""Linux audit: the rules loaded in the kernel (`auditctl -l`) or written in rules.d, and auditd.conf.

安全审计 a asks for audit covering important user actions and security events: ihcheck looks for
watches on the identity files and for rules on privileged commands; 安全审计 d (the audit process
protected against interruption) for the immutable flag `-e 2`.
"""

from __future__ import annotations

import re

from probes.facts.baseline import AuditRules, Problem, Setting
from probes.parse.baseline.common import logical_lines

IDENTITY_FILES = ("/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow", "/etc/sudoers")
PRIVILEGED_COMMANDS = (
    "/usr/bin/sudo",
    "/usr/bin/su",
    "/bin/su",
    "/usr/bin/passwd",
    "/usr/sbin/usermod",
    "/usr/sbin/useradd",
    "/usr/bin/chage",
    "/usr/bin/newgrp",
)




def parse_audit_rules(text: str, source: str) -> AuditRules:
    """`auditctl -l` output or rules.d content.

    >>> r = parse_audit_rules("-w /etc/passwd -p wa -k identity\\n-a always,exit -F path=/etc/shadow -F perm=wa\\n"
    ...                       "-a always,exit -F path=/usr/bin/sudo -F perm=x -k priv\\n-e 2\\n", "auditctl -l")
    >>> sorted(r.watched), len(r.privileged), r.immutable
    (['/etc/passwd', '/etc/shadow'], 1, True)
    >>> parse_audit_rules("No rules\\n", "auditctl -l").rules
    ()
    >>> parse_audit_rules("-q nonsense\\n", "/etc/audit/rules.d/x.rules").problems[0].describe()
    '/etc/audit/rules.d/x.rules, line 1: not an audit rule: -q nonsense'
    """
    rules: list[str] = []
    watched: dict[str, str] = {}
    privileged: list[str] = []
    problems: list[Problem] = []
    immutable = False
    for number, line in logical_lines(text):
        if line == "No rules":
            continue
        if not re.match(r"^-(w|W|a|A|d|D|e|b|f|r|i|c|l|s|-backlog_wait_time|-loginuid-immutable|-reset-lost)\b", line):
            problems.append(
                Problem(
                    file=source,
                    line=number if source.startswith("/") else None,
                    message=f"not an audit rule: {line[:80]}",
                )
            )
            continue
        rules.append(line)
        if re.match(r"^-e\s+2\b", line):
            immutable = True
        watch = re.match(r"^-w\s+(\S+)\s+.*-p\s+(\S+)", line)
        path = re.search(r"-F\s+path=(\S+)", line)
        perm = re.search(r"-F\s+perm=(\S+)", line)
        target = watch.group(1) if watch else path.group(1) if path else None
        perms = watch.group(2) if watch else perm.group(1) if perm else ""
        if "REDACTED" in perms:  # the output redaction takes `passwd -p wa` for a password: the letters are lost
            problems.append(Problem(file=source, line=number if source.startswith("/") else None,
                                    message=f"the permissions of `{line[:60]}` were masked by ihcheck's output "
                                    "redaction; check them on the host"))
            continue
        if target in IDENTITY_FILES and ("w" in perms or "a" in perms):
            watched.setdefault(target, line)
        if (target in PRIVILEGED_COMMANDS and "x" in perms) or (
            "execve" in line and re.search(r"euid=0|auid>=1000", line)
        ):
            privileged.append(line)
    return AuditRules(
        source=source,
        rules=tuple(rules),
        watched=watched,
        privileged=tuple(privileged),
        immutable=immutable,
        problems=tuple(problems),
    )


def parse_auditd_conf(text: str, path: str = "/etc/audit/auditd.conf") -> tuple[dict[str, Setting], list[Problem]]:
    """`key = value` settings of auditd.conf.

    >>> s, p = parse_auditd_conf("max_log_file_action = keep_logs\\nnum_logs=5\\n")
    >>> s["max_log_file_action"].value, s["num_logs"].value, p
    ('keep_logs', '5', [])
    """
    settings: dict[str, Setting] = {}
    problems: list[Problem] = []
    for number, line in logical_lines(text):
        key, eq, value = line.partition("=")
        if not eq or not re.fullmatch(r"[a-z_]+", key.strip()):
            problems.append(Problem(file=path, line=number, message=f"cannot parse {line[:80]!r}"))
            continue
        settings[key.strip()] = Setting(key=key.strip(), value=value.strip(), file=path, line=number)
    return settings, problems
