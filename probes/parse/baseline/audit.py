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


# Where systemd finds auditd's unit (the vendor's, then an administrator's copy that replaces it) and its drop-ins;
# auditd 4 loads the rules from a unit of their own (audit-rules.service). /etc/sysconfig/auditd: the RHEL init
# script's USE_AUGENRULES.
AUDIT_UNITS = ("/lib/systemd/system/auditd.service", "/usr/lib/systemd/system/auditd.service",
               "/etc/systemd/system/auditd.service", "/lib/systemd/system/audit-rules.service",
               "/usr/lib/systemd/system/audit-rules.service", "/etc/systemd/system/audit-rules.service")
AUDIT_DROPINS = ("/etc/systemd/system/auditd.service.d/", "/etc/systemd/system/audit-rules.service.d/")
AUDIT_SYSCONFIG = "/etc/sysconfig/auditd"
AUDIT_RULES = "/etc/audit/audit.rules"
RULES_D = "/etc/audit/rules.d/"


def _natural(path: str) -> list[object]:
    """`ls -v` order, as augenrules concatenates: digits compared as numbers."""
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", path)]


def augenrules(files: dict[str, str | None]) -> str:
    """The file augenrules builds from rules.d: the `.rules` files in natural sort order without blank and comment
    lines, and — as augenrules(8) says — "The last processed -e directive, if present, is always emitted as the
    last line in the resultant file" (the earlier ones are dropped)."""
    lines: list[str] = []
    last_e: str | None = None
    for path in sorted((p for p in files if p.startswith(RULES_D) and p.endswith(".rules")), key=_natural):
        for _, line in logical_lines(files[path] or ""):
            if re.match(r"^-e\s", line):
                last_e = line
            else:
                lines.append(line)
    return "\n".join([*lines, *([last_e] if last_e else [])]) + "\n"


def rules_auditd_loads(files: dict[str, str | None]) -> tuple[str, str | None, str]:
    """(how the service loads its rules, the rules text the kernel is given, the source to cite).

    The service's own configuration decides: `augenrules --load` (Debian's and RHEL's auditd.service) merges
    rules.d; `auditctl -R FILE` loads FILE as it is, whatever rules.d holds. When no unit or sysconfig was read,
    audit.rules (which augenrules writes and auditctl -R is given) is taken, rules.d only when it is absent.

    >>> how, text, _ = rules_auditd_loads({"/lib/systemd/system/auditd.service": "[Service]\\n"
    ...     "ExecStartPost=-/sbin/augenrules --load\\n#ExecStartPost=-/sbin/auditctl -R /etc/audit/audit.rules\\n",
    ...     "/etc/audit/rules.d/10.rules": "-e 2\\n", "/etc/audit/rules.d/99.rules": "-w /etc/passwd -p wa\\n-e 1\\n",
    ...     "/etc/audit/audit.rules": "-e 2\\n"})
    >>> how, text
    ('augenrules --load (/lib/systemd/system/auditd.service)', '-w /etc/passwd -p wa\\n-e 1\\n')
    """
    execs: list[tuple[str, str]] = []  # (unit file, command)
    units = [u for u in AUDIT_UNITS if files.get(u) is not None]
    vendor = [u for u in units if not u.startswith("/etc/")]
    admin = [u for u in units if u.startswith("/etc/")]
    chosen = {u.rsplit("/", 1)[-1]: u for u in [*vendor, *admin]}  # an administrator's copy replaces the vendor's
    dropins = sorted(p for p in files if p.startswith(AUDIT_DROPINS) and p.endswith(".conf"))
    for path in [*chosen.values(), *dropins]:
        for _, line in logical_lines(files[path] or "", continuation=True):
            key, eq, value = line.partition("=")
            if eq and key.strip() in ("ExecStartPost", "ExecStart"):
                if not value.strip():  # an empty assignment resets the list (systemd.service(5))
                    execs = [e for e in execs if not e[1].startswith(key.strip())]
                    continue
                execs.append((path, f"{key.strip()}={value.strip()}"))
    loader: tuple[str, str] | None = None
    for path, command in execs:
        if re.search(r"augenrules\s+--load", command):
            loader = ("augenrules", path)
        elif (direct := re.search(r"auditctl\s+-R\s+(\S+)", command)) is not None:
            loader = (direct.group(1), path)
    if loader is None and re.search(r'^\s*USE_AUGENRULES\s*=\s*"?yes', files.get(AUDIT_SYSCONFIG) or "", re.M | re.I):
        loader = ("augenrules", AUDIT_SYSCONFIG)
    if loader is not None and loader[0] == "augenrules":
        return f"augenrules --load ({loader[1]})", augenrules(files), "augenrules: " + RULES_D + "*.rules"
    if loader is not None:
        return f"auditctl -R {loader[0]} ({loader[1]})", files.get(loader[0]), loader[0]
    if AUDIT_RULES in files:
        return "not seen (no auditd unit read): the rules auditctl is given", files[AUDIT_RULES], AUDIT_RULES
    if any(p.startswith(RULES_D) for p in files):
        return "not seen (no auditd unit read): rules.d as augenrules merges it", augenrules(files), \
            "augenrules: " + RULES_D + "*.rules"
    return "not seen", None, AUDIT_RULES
