"""A way back to compliance: an Ansible playbook of the fixes for the MLPS items a check found failing.

ihcheck never changes a host; this writes a playbook for the hospital's administrators to review and
run (`ansible-playbook -i INVENTORY remediate.yml --check --diff` first). Every task is tagged with its
GB/T 28448-2019 unit (`--tags L3-CES1-02`), is idempotent (a second run changes nothing) and safe in
`--check` mode (only file, line, package, user and service modules, whose check mode changes
nothing; commands run from handlers only). It never locks out the session running it: SSH changes
are validated with `sshd -t` before sshd is reloaded (a reload keeps open sessions), the lockout
applies to password authentication only (key login bypasses PAM's auth stack), and address
restrictions and two-factor login, which could cut the administrator off, are left as reviewed
manual steps (`debug` tasks that say what to do).

Tasks are chosen per host from what the check observed (its PAM layout, the ports it saw listening),
so a playbook is written for the result it came from.

Everything that came from a host (an account name, a sudoers file, a listening process or address, a
host name) is data in the playbook, never a template: such a value is written `!unsafe` (Ansible
never templates it), task names are ihcheck's own text, and the play runs over `all` and ends at once
on every host not named in the `!unsafe` list `ihcheck_hosts` (a host name is never part of a host
pattern, where `:` separates patterns and would cut an IPv6 name in two). A task some hosts need and
others do not is limited by a `!unsafe` list of its own (`ihcheck_task_hosts`), never by a Jinja
expression holding the names. The unit named by a finding must be in the catalogue.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import yaml

from checker.catalogue.mlps import CHECKS_BY_UNIT, rule_id
from checker.catalogue.mlps_judges import DISTRIBUTION_ACCOUNTS, HIGH_RISK_PORTS, UNNECESSARY_PACKAGES
from checker.errors import InputError
from probes.facts import HostFacts
from probes.facts.baseline import BaselineFacts
from reports.result import CheckResult

Task = dict[str, Any]


MLPS_PREFIX = rule_id("L3-CES1-")


class Unsafe(str):
    """A value that came from a host: written `!unsafe`, so Ansible keeps it as data and never templates it."""

SSHD_DROP_IN = "/etc/ssh/sshd_config.d/50-ihcheck-mlps.conf"
SSHD_SETTINGS = (
    "Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,"
    "aes128-ctr",
    "MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512,hmac-sha2-256",
    "KexAlgorithms curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,diffie-hellman-group16-sha512,"
    "diffie-hellman-group14-sha256",
)
# Services behind the high-risk ports, by the process the check saw listening (Debian and RHEL service names).
PORT_SERVICES = {"rsync": "rsync", "rpcbind": "rpcbind", "smbd": "smbd", "nmbd": "nmbd", "vsftpd": "vsftpd",
                 "proftpd": "proftpd", "inetd": "inetutils-inetd", "xinetd": "xinetd", "redis-server": "redis-server",
                 "memcached": "memcached", "mongod": "mongod", "nfsd": "nfs-server", "xrdp": "xrdp",
                 "in.telnetd": "inetutils-inetd", "telnetd": "inetutils-inetd"}
DAEMONS = {"rsyslog": "rsyslogd", "chrony": "chronyd"}  # started directly where neither systemd nor an init script


def _service_command(unit: str, action: str = "restart") -> str:
    """systemd where it runs; else the SysV script; else (a start, on a host with neither) the daemon itself."""
    fallback = ""
    if unit in DAEMONS and action == "start":
        fallback = f" 2>/dev/null || {DAEMONS[unit]}"
    elif unit in DAEMONS and action == "restart":
        daemon = DAEMONS[unit]
        fallback = (f' 2>/dev/null || {{ p="$(cat /run/{daemon}.pid)"; kill "$p"; for _ in $(seq 50); do '
                    f'kill -0 "$p" 2>/dev/null || break; sleep 0.2; done; {daemon}; }}')

    return (f"if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then systemctl {action} {unit}; "
            f"else service {unit} {action}{fallback}; fi")


def _install(unit: str, packages: list[str], os_family: str, *, absent: bool = False) -> Task:
    """Install (or remove) packages with the distribution's own tools: Ansible's apt module needs python3-apt
    on the host even in --check mode, which a minimal server lacks. Reports a change only when it made one."""
    names = " ".join(packages)
    if os_family == "debian":
        have = "dpkg-query -W -f='${{Status}}' {p} 2>/dev/null | grep -q 'ok installed'"
        act = "DEBIAN_FRONTEND=noninteractive apt-get " + (
            "purge -y" if absent else "install -y --no-install-recommends")
    else:
        have, act = "rpm -q {p} >/dev/null 2>&1", "dnf " + ("remove -y" if absent else "install -y")
    test = " && ".join(have.format(p=p) for p in packages) if not absent else " || ".join(
        have.format(p=p) for p in packages)
    cmd = (f"if {test}; then {act} {names} >&2 && echo done; else echo nothing; fi" if absent else
           f"if {test}; then echo nothing; else {act} {names} >&2 && echo done; fi")
    verb = "removed" if absent else "installed"
    return {"name": f"{unit}: {names} {verb}", "ansible.builtin.shell": {"cmd": cmd},
            "register": "ihcheck_packages", "changed_when": "'done' in ihcheck_packages.stdout"}


def _tag(unit: str, task: Task) -> Task:
    return {**task, "tags": [unit, "mlps"]}


def _manual(unit: str, what: str) -> Task:
    return _tag(unit, {"name": f"{unit}: manual step (not automated: it could lock administrators out)",
                       "ansible.builtin.debug": {"msg": what}})


def _password(b: BaselineFacts) -> list[Task]:
    tasks: list[Task] = []
    if b.password_policy.module is None and b.os_family == "debian":
        tasks += [
            _install("L3-CES1-01", ["libpam-pwquality"], b.os_family),
            {"name": "L3-CES1-01: pam_pwquality in the password stack",
             "ansible.builtin.lineinfile": {"path": "/etc/pam.d/common-password",
                                            "regexp": r"^password\s+requisite\s+pam_pwquality\.so",
                                            "line": "password\trequisite\t\t\tpam_pwquality.so retry=3",
                                            "insertbefore": r"^password\s+(\[[^\]]*\]|\S+)\s+pam_unix\.so"}},
            {"name": "L3-CES1-01: pam_unix takes the checked password",
             "ansible.builtin.replace": {"path": "/etc/pam.d/common-password",
                                         "regexp": r"^(password\s+(?:\[[^\]]*\]|\S+)\s+pam_unix\.so)"
                                                   r"((?!.*use_authtok).*)$",
                                         "replace": r"\1 use_authtok\2"}},
        ]
    tasks += [
        {"name": "L3-CES1-01: at least 8 characters of 3 classes",
         "ansible.builtin.copy": {"dest": "/etc/security/pwquality.conf.d/ihcheck-mlps.conf", "mode": "0644",
                                  "content": "minlen = 8\nminclass = 3\nenforce_for_root\n"}},
        {"name": "L3-CES1-01: passwords expire within 90 days",
         "ansible.builtin.lineinfile": {"path": "/etc/login.defs", "regexp": r"^PASS_MAX_DAYS\s",
                                        "line": "PASS_MAX_DAYS\t90"}},
    ]
    tasks.insert(-2, {"name": "L3-CES1-01: pwquality.conf.d exists",
                      "ansible.builtin.file": {"path": "/etc/security/pwquality.conf.d", "state": "directory",
                                               "mode": "0755"}})
    if b.accounts is not None:
        for account in b.accounts.accounts:
            if account.shadow == "set" and account.login_shell and (account.max_days or 99999) > 90:
                tasks.append({"name": "L3-CES1-01: a login account's password expires within 90 days",
                              "ansible.builtin.user": {"name": Unsafe(account.name), "password_expire_max": 90}})
    return [_tag("L3-CES1-01", t) for t in tasks]


def _lockout(b: BaselineFacts) -> list[Task]:
    tasks: list[Task] = []
    if b.lockout.module is None:
        if b.pam_layout == "debian":
            unix = r"^auth\s+\[success=\d+ default=ignore\]\s+pam_unix\.so"
            tasks += [
                {"name": "L3-CES1-02: pam_faillock counts failures before pam_unix",
                 "ansible.builtin.lineinfile": {"path": "/etc/pam.d/common-auth",
                                                "regexp": r"^auth\s+required\s+pam_faillock\.so\s+preauth",
                                                "line": "auth\trequired\t\t\tpam_faillock.so preauth",
                                                "insertbefore": unix, "firstmatch": True}},
                {"name": "L3-CES1-02: a failed password is recorded by pam_faillock",
                 "ansible.builtin.lineinfile": {"path": "/etc/pam.d/common-auth",
                                                "regexp": r"^auth\s+\[default=die\]\s+pam_faillock\.so\s+authfail",
                                                "line": "auth\t[default=die]\t\t\tpam_faillock.so authfail",
                                                "insertafter": unix, "firstmatch": True}},
                {"name": "L3-CES1-02: a good password skips over the failure record",
                 "ansible.builtin.replace": {"path": "/etc/pam.d/common-auth",
                                             "regexp": r"^(auth\s+)\[success=1 default=ignore\](\s+pam_unix\.so.*)$",
                                             "replace": r"\1[success=2 default=ignore]\2"}},
                {"name": "L3-CES1-02: the account stack consults pam_faillock",
                 "ansible.builtin.lineinfile": {"path": "/etc/pam.d/common-account",
                                                "regexp": r"^account\s+required\s+pam_faillock\.so",
                                                "line": "account\trequired\t\t\tpam_faillock.so"}},
            ]
        elif b.pam_layout == "authselect":
            tasks.append({"name": "L3-CES1-02: authselect's faillock feature",
                          "ansible.builtin.shell": {"cmd": "authselect current | grep -qx '\\s*- with-faillock' && "
                                                           "echo present || { authselect enable-feature with-faillock; "
                                                           "echo enabled; }"},
                          "register": "ihcheck_authselect", "changed_when": "'enabled' in ihcheck_authselect.stdout"})
        else:
            tasks.append(_manual("L3-CES1-02", "add pam_faillock (preauth / authfail) to the system-auth and "
                                               "password-auth stacks"))
    for key, value in (("deny", "5"), ("unlock_time", "900")):
        tasks.append({"name": f"L3-CES1-02: faillock {key} = {value}",
                      "ansible.builtin.lineinfile": {"path": "/etc/security/faillock.conf",
                                                     "regexp": rf"^#?\s*{key}\s*=", "line": f"{key} = {value}",
                                                     "create": True, "mode": "0644"}})
    tasks.append({"name": "L3-CES1-02: idle shells end after 10 minutes",
                  "ansible.builtin.copy": {"dest": "/etc/profile.d/ihcheck-tmout.sh", "mode": "0644",
                                           "content": "TMOUT=600\nreadonly TMOUT\nexport TMOUT\n"}})
    return [_tag("L3-CES1-02", t) for t in tasks]


def _sshd(unit: str, lines: tuple[str, ...]) -> list[Task]:
    return [_tag(unit, {
        "name": f"{unit}: sshd settings (checked with sshd -t before sshd reloads; open sessions stay)",
        "ansible.builtin.blockinfile": {"path": SSHD_DROP_IN, "create": True, "mode": "0644",
                                        "marker": f"# {{mark}} ihcheck {unit}", "block": "\n".join(lines),
                                        "validate": "/usr/sbin/sshd -t -f %s"},
        "notify": "reload sshd"})]


def _accounts(b: BaselineFacts) -> list[Task]:
    tasks: list[Task] = []
    for account in b.accounts.accounts if b.accounts else ():
        if account.name in DISTRIBUTION_ACCOUNTS and account.usable:
            tasks.append({"name": "L3-CES1-06: a distribution account cannot log in",
                          "ansible.builtin.user": {"name": Unsafe(account.name), "shell": "/usr/sbin/nologin",
                                                   "password_lock": True}})
    root = b.sshd.get("permitrootlogin") if b.sshd else None
    tagged = [_tag("L3-CES1-06", t) for t in tasks]
    if root is not None and root.value == "yes":
        tagged += _sshd("L3-CES1-06", ("PermitRootLogin prohibit-password",))
    return tagged


def _privilege(b: BaselineFacts) -> list[Task]:
    tasks: list[Task] = []
    if b.su_wheel is None:
        tasks.append({"name": "L3-CES1-08: su for the wheel group only",
                      "ansible.builtin.lineinfile": {"path": "/etc/pam.d/su",
                                                     "regexp": r"^#?\s*auth\s+required\s+pam_wheel\.so"
                                                               r"\s*(use_uid)?\s*$",
                                                     "line": "auth       required   pam_wheel.so use_uid"}})
    wide = [r for r in b.sudoers.rules if r.nopasswd_all and r.who != "root"] if b.sudoers else []
    tagged = [_tag("L3-CES1-08", t) for t in tasks]
    if wide:
        tagged.append(_manual("L3-CES1-08", Unsafe("replace NOPASSWD: ALL with the commands each role needs: "
                                                   + "; ".join(f"{r.who} at {r.where}" for r in wide))))
    return tagged


def _modes(b: BaselineFacts) -> list[Task]:
    wanted = {"/etc/passwd": "0644", "/etc/group": "0644", "/etc/shadow": "0640", "/etc/gshadow": "0640",
              "/etc/sudoers": "0440"}
    wrong = {m.path for m in b.modes if m.path in wanted and (m.mode & ~int(wanted[m.path], 8) or m.owner != "root")}
    return [_tag("L3-CES1-09", {"name": f"L3-CES1-09: {path} mode {mode}, owned by root",
                                "ansible.builtin.file": {"path": path, "mode": mode, "owner": "root"}})
            for path, mode in wanted.items() if path in wrong]  # the paths are ihcheck's own, never the host's


AUDIT_RULES = ("-w /etc/passwd -p wa -k identity\n-w /etc/shadow -p wa -k identity\n-w /etc/group -p wa -k identity\n"
               "-w /etc/gshadow -p wa -k identity\n-w /etc/sudoers -p wa -k identity\n"
               "-a always,exit -F path=/usr/bin/sudo -F perm=x -F auid>=1000 -F auid!=unset -k privileged\n"
               "-a always,exit -F path=/usr/bin/su -F perm=x -F auid>=1000 -F auid!=unset -k privileged\n"
               "-a always,exit -F path=/usr/bin/passwd -F perm=x -F auid>=1000 -F auid!=unset -k privileged\n")


def _audit(b: BaselineFacts, unit: str) -> list[Task]:
    package = "auditd" if b.os_family == "debian" else "audit"
    tasks: list[Task] = [_install(unit, [package], b.os_family)]
    if unit == "L3-CES1-12":
        tasks.append({"name": "L3-CES1-12: audit identity files and privileged commands",
                      "ansible.builtin.copy": {"dest": "/etc/audit/rules.d/50-ihcheck-mlps.rules", "mode": "0640",
                                               "content": AUDIT_RULES}, "notify": "load audit rules"})
        tasks.append(_install("L3-CES1-12", ["rsyslog"], b.os_family))
        tasks.append(_ensure_running("L3-CES1-12", "rsyslogd", "rsyslog"))
    else:
        tasks.append({"name": "L3-CES1-15: audit rules locked until reboot (-e 2)",
                      "ansible.builtin.copy": {"dest": "/etc/audit/rules.d/99-finalize.rules", "mode": "0640",
                                               "content": "-e 2\n"}, "notify": "load audit rules"})
    return [_tag(unit, t) for t in tasks]


def _time(b: BaselineFacts) -> list[Task]:
    tasks: list[Task] = [_install("L3-CES1-13", ["chrony"], b.os_family)]
    if not b.time.servers:
        tasks.append(_manual("L3-CES1-13", "name the hospital's NTP servers in /etc/chrony/sources.d/"))
    if b.time.daemon is None:
        tasks.append(_ensure_running("L3-CES1-13", "chronyd", "chrony"))
    return [_tag("L3-CES1-13", t) for t in tasks]


def _ensure_running(unit: str, process: str, service: str) -> Task:
    """Start a daemon that is not running; reports a change only when it had to start it (idempotent)."""
    return {"name": f"{unit}: {process} running",
            "ansible.builtin.shell": {"cmd": f"if pgrep -x {process} >/dev/null; then echo running; else "
                                             + _service_command(service, "start") + "; echo started; fi"},
            "register": f"ihcheck_{process}", "changed_when": f"'started' in ihcheck_{process}.stdout"}


def _logs(b: BaselineFacts) -> list[Task]:
    tasks: list[Task] = [{"name": "L3-CES1-14: the log server to forward to is given",
                          "ansible.builtin.assert": {"that": "ihcheck_remote_log_server is defined",
                                                     "fail_msg": "pass -e ihcheck_remote_log_server=HOST (the "
                                                                 "hospital's log server)"}},
                         _install("L3-CES1-14", ["rsyslog"], b.os_family)]
    if not b.remote_logs:
        tasks.append({"name": "L3-CES1-14: forward every log to the log server",
                      "ansible.builtin.copy": {"dest": "/etc/rsyslog.d/90-ihcheck-remote.conf", "mode": "0644",
                                               "content": "*.* @@{{ ihcheck_remote_log_server }}:514\n"},
                      "notify": "restart rsyslog"})
    if not b.retention or any(r.days is not None and r.days < 180 for r in b.retention):
        tasks.append({"name": "L3-CES1-14: keep system logs 26 weeks",
                      "ansible.builtin.replace": {"path": "/etc/logrotate.d/rsyslog" if b.os_family == "debian"
                                                  else "/etc/logrotate.d/syslog",
                                                  "regexp": r"^(\s*)rotate\s+\d+\s*$", "replace": r"\1rotate 26"}})
        tasks.append({"name": "L3-CES1-14: rotate system logs weekly",
                      "ansible.builtin.replace": {"path": "/etc/logrotate.d/rsyslog" if b.os_family == "debian"
                                                  else "/etc/logrotate.d/syslog",
                                                  "regexp": r"^(\s*)daily\s*$", "replace": r"\1weekly"}})
    tasks.append(_ensure_running("L3-CES1-14", "rsyslogd", "rsyslog"))
    return [_tag("L3-CES1-14", t) for t in tasks]


def _ports(host: HostFacts) -> list[Task]:
    tasks: list[Task] = []
    seen: set[str] = set()
    for s in host.services.sockets if host.services else ():
        if (s.protocol, s.port) not in HIGH_RISK_PORTS or s.address.startswith(("127.", "::1")):
            continue
        service = PORT_SERVICES.get(s.process or "")
        if service is None:
            tasks.append(_manual("L3-CES1-18", Unsafe(f"stop or bind to 127.0.0.1 what listens on {s.address}:"
                                                      f"{s.port}/{s.protocol} ({s.process or 'unknown process'})")))
        elif service not in seen:
            seen.add(service)
            tasks.append(_tag("L3-CES1-18", {"name": f"L3-CES1-18: {service} stopped and disabled "
                                                     f"({HIGH_RISK_PORTS[(s.protocol, s.port)]} port {s.port})",
                                             "ansible.builtin.service": {"name": service, "state": "stopped",
                                                                         "enabled": False}}))
    return tasks


def _unneeded(b: BaselineFacts) -> list[Task]:
    installed = set(b.installed)
    extra = [p for p in UNNECESSARY_PACKAGES if p in installed]  # ihcheck's own names, never the host's
    return [_tag("L3-CES1-17", _install("L3-CES1-17", extra, b.os_family, absent=True))] if extra else []


def _aide(b: BaselineFacts) -> list[Task]:
    tasks: list[Task] = [_install("L3-CES1-22", ["aide"], b.os_family)]
    if b.integrity.database is None:
        init = ("aide --config /etc/aide/aide.conf --init && mv /var/lib/aide/aide.db.new /var/lib/aide/aide.db"
                if b.os_family == "debian" else
                "aide --init && mv /var/lib/aide/aide.db.new.gz /var/lib/aide/aide.db.gz")
        tasks.append({"name": "L3-CES1-22: initialise the AIDE database (takes minutes on a full system)",
                      "ansible.builtin.shell": {"cmd": init, "creates": "/var/lib/aide/aide.db*"}})
    return [_tag("L3-CES1-22", t) for t in tasks]


def _malware(b: BaselineFacts) -> list[Task]:
    names = ["clamav-daemon", "clamav-freshclam"] if b.os_family == "debian" else ["clamav", "clamd", "clamav-update"]
    return [_tag("L3-CES1-23", _install("L3-CES1-23", names, b.os_family))]


Builder = Callable[[str, HostFacts, BaselineFacts], list[Task]]
# The builders an MLPS item names by its `playbook` (checker.catalogue.mlps.Check): unit, host, the host's baseline.
PLAYBOOKS: dict[str, Builder] = {
    "password": lambda unit, host, b: _password(b),
    "lockout": lambda unit, host, b: _lockout(b),
    "ssh-algorithms": lambda unit, host, b: _sshd(unit, SSHD_SETTINGS),
    "default-accounts": lambda unit, host, b: _accounts(b),
    "privilege": lambda unit, host, b: _privilege(b),
    "file-modes": lambda unit, host, b: _modes(b),
    "audit": lambda unit, host, b: _audit(b, unit),
    "time": lambda unit, host, b: _time(b),
    "logs": lambda unit, host, b: _logs(b),
    "unneeded-packages": lambda unit, host, b: _unneeded(b),
    "high-risk-ports": lambda unit, host, b: _ports(host),
    "aide": lambda unit, host, b: _aide(b),
    "malware": lambda unit, host, b: _malware(b),
}


def tasks_for(unit: str, host: HostFacts) -> list[Task]:
    """The tasks fixing one failing item on one host (a manual step where automating could lock someone out)."""
    check = CHECKS_BY_UNIT.get(unit)
    if check is None:
        raise InputError(f"details.unit: {unit!r} is not an MLPS item of ihcheck's catalogue")
    b = host.baseline
    if b is None:
        return []
    if check.playbook:
        return PLAYBOOKS[check.playbook](unit, host, b)
    return [_manual(unit, check.remediation)]


HANDLERS: list[Task] = [
    {"name": "reload sshd", "ansible.builtin.shell": {
        "cmd": "/usr/sbin/sshd -t && if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then "
               "systemctl reload ssh 2>/dev/null || systemctl reload sshd; "
               "else kill -HUP \"$(cat /run/sshd.pid)\"; fi"}},
    {"name": "restart rsyslog", "ansible.builtin.shell": {
        "cmd": "if pgrep -x rsyslogd >/dev/null; then " + _service_command("rsyslog") + "; fi"}},
    {"name": "load audit rules", "ansible.builtin.command": {"cmd": "augenrules --load"},
     # a container cannot load kernel audit rules; the rules stay written for the machine that runs it
     "failed_when": False},
]


def playbook(result: CheckResult) -> list[dict[str, Any]]:
    """One play over the hosts with failing MLPS items (one host's failure does not stop the others), tasks in item
    order. The play names `all` and ends at once on a host not in `ihcheck_hosts`; a task some hosts need and others
    do not runs only where `inventory_hostname in ihcheck_task_hosts` (both lists `!unsafe` data)."""
    failing: dict[str, set[str]] = {}
    for finding in result.findings:
        unit = finding.details.get("unit") if isinstance(finding.details, dict) else None
        if not unit or finding.verdict.value != "fail":
            continue
        named = isinstance(unit, str) and finding.rule_id == rule_id(unit)
        if named or finding.rule_id.startswith(MLPS_PREFIX):
            if not named or unit not in CHECKS_BY_UNIT:
                raise InputError(f"findings: {finding.rule_id}: details.unit {str(unit)[:60]!r} is not an MLPS item "
                                 "of ihcheck's catalogue")
            assert isinstance(unit, str)
            for name in finding.hosts:
                failing.setdefault(name, set()).add(unit)
    hosts = [h for h in result.facts.hosts if failing.get(h.name)]
    merged: dict[str, tuple[Task, list[str]]] = {}
    for unit in sorted({u for units in failing.values() for u in units}):
        for host in hosts:
            if unit not in failing[host.name]:
                continue
            for task in tasks_for(unit, host):
                key = json.dumps(task, sort_keys=True)
                merged.setdefault(key, (task, []))[1].append(host.name)
    names = [h.name for h in hosts]
    tasks = [task if owners == names else
             {**task, "vars": {"ihcheck_task_hosts": [Unsafe(o) for o in owners]},
              "when": "inventory_hostname in ihcheck_task_hosts"}
             for task, owners in merged.values()]
    if not tasks:
        return []
    units = sorted({u for units in failing.values() for u in units})
    only = {"name": "hosts without a failing MLPS item end here (ihcheck_hosts lists those with one)",
            "ansible.builtin.meta": "end_host", "when": "inventory_hostname not in ihcheck_hosts",
            "tags": ["always"]}
    return [{"name": f"MLPS level 3 remediation (failing: {', '.join(units)})", "hosts": "all",
             "become": True, "gather_facts": False, "vars": {"ihcheck_hosts": [Unsafe(n) for n in names]},
             "tasks": [only, *tasks], "handlers": HANDLERS}]


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (file contents) as literal blocks, so the playbook reads like the file it writes."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


def _unsafe(dumper: yaml.SafeDumper, value: Unsafe) -> yaml.Node:
    return dumper.represent_scalar("!unsafe", str(value), style="|" if "\n" in value else None)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(Unsafe, _unsafe)


def render_ansible(result: CheckResult) -> str:
    header = ("# MLPS level 3 (等保三级) remediation written by ihcheck from a check result. Review before running:\n"
              "#   ansible-playbook -i INVENTORY remediate.yml --check --diff   # what would change\n"
              "#   ansible-playbook -i INVENTORY remediate.yml [--tags L3-CES1-02] -e ihcheck_remote_log_server=HOST\n"
              "# It runs on the hosts in ihcheck_hosts only (every other host ends at once); --limit narrows it.\n"
              "# Values read from the hosts are written !unsafe: Ansible keeps them as data, never as templates.\n"
              "# Tasks are tagged by GB/T 28448-2019 unit; they are idempotent and change nothing in --check mode.\n")
    return header + yaml.dump(playbook(result), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
