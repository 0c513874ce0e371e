"""Example facts for every MLPS rule: a Debian host's files and command outputs as text, run through the
probe's own pure `build_facts`, so each example exercises the parsers and the judge together.

`hardened()` is a host configured as ihcheck requires; `defaults()` one as Debian ships it. Each rule's
examples (pass / fail / inconclusive) are small edits of one of them, listed in `EXAMPLES`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from probes.baseline import build_facts
from probes.facts import HostFacts
from probes.facts.baseline import Attestation, BackupArtefact, BaselineFacts
from probes.facts.declared_exchange import declare
from probes.facts.exchange import ExchangeFacts, ExchangeResult, ObservedExchange, TlsSession
from probes.facts.services import ListeningSocket, ServiceFacts

MARK = "@@ihcheck-example"
NOW = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
MISSING = None
BINARY = b"\x00binary"

PASSWD = """root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bin:x:2:2:bin:/bin:/usr/sbin/nologin
games:x:5:60:games:/usr/games:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
dba:x:1000:1000:DBA:/home/dba:/bin/bash
"""
SHADOW = "root:locked:20400:99999\ndaemon:locked::\nbin:locked::\ngames:locked::\nnobody:locked::\ndba:set:20750:90\n"
MODES = """/etc/passwd 644 root root
/etc/shadow 640 root shadow
/etc/group 644 root root
/etc/gshadow 640 root shadow
/etc/ssh/sshd_config 644 root root
/var/log/syslog 640 root adm
"""

DEFAULT_FILES: dict[str, str | bytes | None] = {
    "/etc/os-release": 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n',
    "/etc/ssh/sshd_config": "Include /etc/ssh/sshd_config.d/*.conf\nKbdInteractiveAuthentication no\nUsePAM yes\n"
                            "Subsystem\tsftp\t/usr/lib/openssh/sftp-server\n",
    "/etc/pam.d/common-auth": "auth\t[success=1 default=ignore]\tpam_unix.so nullok\nauth\trequisite\t\t\tpam_deny.so\n"
                              "auth\trequired\t\t\tpam_permit.so\n",
    "/etc/pam.d/common-password": "password\t[success=1 default=ignore]\tpam_unix.so obscure yescrypt\n"
                                  "password\trequisite\t\t\tpam_deny.so\npassword\trequired\t\t\tpam_permit.so\n",
    "/etc/pam.d/common-account": "account\t[success=1 new_authtok_reqd=done default=ignore]\tpam_unix.so\n"
                                 "account\trequisite\t\t\tpam_deny.so\naccount\trequired\t\t\tpam_permit.so\n",
    "/etc/pam.d/sshd": "@include common-auth\naccount    required     pam_nologin.so\n@include common-account\n"
                       "@include common-password\n",
    "/etc/pam.d/passwd": "@include common-password\n",
    "/etc/pam.d/su": "auth       sufficient pam_rootok.so\n# auth       required   pam_wheel.so\n@include common-auth\n",
    "/etc/security/pwquality.conf": MISSING,
    "/etc/security/faillock.conf": "# deny = 3\n",
    "/etc/login.defs": "PASS_MAX_DAYS\t99999\nPASS_MIN_DAYS\t0\nPASS_WARN_AGE\t7\nUMASK\t\t022\n",
    "/etc/passwd": PASSWD,
    "/etc/group": "root:x:0:\n",
    "/etc/sudoers": MISSING,
    "/etc/profile": 'if [ "$(id -u)" -eq 0 ]; then PATH="/usr/sbin:/usr/bin"; fi\nexport PATH\n'
                    'if [ -d /etc/profile.d ]; then\n  for i in /etc/profile.d/*.sh; do\n    if [ -r $i ]; then\n'
                    '      . $i\n    fi\n  done\n  unset i\nfi\n',
    "/etc/audit/rules.d/audit.rules": "-D\n-b 8192\n--backlog_wait_time 60000\n-f 1\n",
    "/etc/audit/auditd.conf": "log_format = ENRICHED\nmax_log_file_action = ROTATE\n",
    "/etc/rsyslog.conf": 'module(load="imuxsock")\n*.*;auth,authpriv.none\t\t-/var/log/syslog\n'
                         '$IncludeConfig /etc/rsyslog.d/*.conf\n',
    "/etc/logrotate.conf": "weekly\nrotate 4\ncreate\ninclude /etc/logrotate.d\n",
    "/etc/logrotate.d/rsyslog": "/var/log/syslog\n/var/log/auth.log\n{\n\trotate 4\n\tweekly\n\tmissingok\n}\n",
    "/etc/chrony/chrony.conf": "pool 2.debian.pool.ntp.org iburst\nsourcedir /etc/chrony/sources.d\n",
    "/etc/crontab": "17 *\t* * *\troot\tcd / && run-parts --report /etc/cron.hourly\n",
}
DEFAULT_STATE = {
    "now": str(int(NOW.timestamp())),
    "container": "none",
    "ps": "sshd\nnginx\n",
    "auditctl-s": "sh: 1: auditctl: not found",
    "auditctl-l": "sh: 1: auditctl: not found",
    "selinux": "cat: /sys/fs/selinux/enforce: No such file or directory",
    "apparmor": "Y\n0",
    "tpm": "ls: cannot access '/sys/class/tpm': No such file or directory",
    "timedatectl": "NTP=no\nNTPSynchronized=no\n",
    "clamav": "",
    "aide": "",
    "cron-dirs": "/etc/cron.daily:\napt-compat\ndpkg\n",
    "timers": "",
    "packages": "rsyslog\nchrony\n",
}
DEFAULT_SSHD_T = ("port 22\nlistenaddress 0.0.0.0:22\npermitrootlogin without-password\npasswordauthentication yes\n"
                  "kbdinteractiveauthentication no\nmaxauthtries 6\nclientaliveinterval 0\nclientalivecountmax 3\n"
                  "ciphers chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com\n"
                  "macs umac-64-etm@openssh.com,hmac-sha2-256-etm@openssh.com,umac-64@openssh.com,hmac-sha1\n"
                  "kexalgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256,diffie-hellman-group14-sha256\n"
                  "authenticationmethods any\n")
DEFAULT_UPDATES = f"apt\n{NOW.timestamp() - 86400:.0f}\n--\nListing...\n"

HARDENING_FILES: dict[str, str | bytes | None] = {
    "/etc/pam.d/common-auth": "auth\trequired\t\t\tpam_faillock.so preauth\n"
                              "auth\t[success=2 default=ignore]\tpam_unix.so nullok\n"
                              "auth\t[default=die]\t\t\tpam_faillock.so authfail\nauth\trequisite\t\t\tpam_deny.so\n"
                              "auth\trequired\t\t\tpam_permit.so\n",
    "/etc/pam.d/common-password": "password\trequisite\t\t\tpam_pwquality.so retry=3\n"
                                  "password\t[success=1 default=ignore]\tpam_unix.so obscure use_authtok yescrypt\n"
                                  "password\trequisite\t\t\tpam_deny.so\npassword\trequired\t\t\tpam_permit.so\n",
    "/etc/security/pwquality.conf.d/ihcheck-mlps.conf": "minlen = 8\nminclass = 3\nenforce_for_root\n",
    "/etc/security/faillock.conf": "deny = 5\nunlock_time = 900\n",
    "/etc/pam.d/su": "auth       sufficient pam_rootok.so\nauth       required   pam_wheel.so use_uid\n@include common-auth\n",
    "/etc/login.defs": "PASS_MAX_DAYS\t90\nPASS_MIN_DAYS\t0\nPASS_WARN_AGE\t7\nUMASK\t\t027\n",
    "/etc/profile.d/ihcheck-tmout.sh": "TMOUT=600\nreadonly TMOUT\nexport TMOUT\n",
    "/etc/audit/rules.d/50-mlps.rules": "-w /etc/passwd -p wa -k identity\n-w /etc/shadow -p wa -k identity\n"
                                        "-w /etc/group -p wa -k identity\n-w /etc/sudoers -p wa -k identity\n"
                                        "-a always,exit -F path=/usr/bin/sudo -F perm=x -k privileged\n",
    "/etc/audit/rules.d/99-finalize.rules": "-e 2\n",
    "/etc/rsyslog.d/90-remote.conf": "*.* @@logs.hospital.lan:514\n",
    "/etc/logrotate.d/rsyslog": "/var/log/syslog\n/var/log/auth.log\n{\n\trotate 26\n\tweekly\n}\n",
    "/etc/cron.d/backup": "30 2 * * * root pg_dumpall | gzip > /var/backups/pg-$(date +\\%F).sql.gz\n",
}
HARDENING_STATE = {
    "ps": "sshd\nnginx\nauditd\nrsyslogd\nchronyd\nclamd\nfreshclam\n",
    "auditctl-s": "enabled 2\nfailure 1\npid 321\n",
    "auditctl-l": "-w /etc/passwd -p wa -k identity\n-w /etc/shadow -p wa -k identity\n-w /etc/group -p wa -k identity\n"
                  "-w /etc/sudoers -p wa -k identity\n-a always,exit -S all -F path=/usr/bin/sudo -F perm=x -F key=privileged\n",
    "apparmor": "Y\n12",
    "timedatectl": "NTP=yes\nNTPSynchronized=yes\n",
    "clamav": f"/var/lib/clamav/daily.cld cvd ClamAV-VDB:{NOW:%d %b %Y} 00-10 +0000:27470:2076950:90:X:X:raynman:1\n",
    "aide": f"/var/lib/aide/aide.db {int(NOW.timestamp()) - 86400}\n",
    "cron-dirs": "/etc/cron.daily:\napt-compat\ndailyaidecheck\ndpkg\n",
}
HARDENED_SSHD_T = (DEFAULT_SSHD_T.replace("listenaddress 0.0.0.0:22", "listenaddress 10.0.0.11:22")
                   .replace("macs umac-64-etm@openssh.com,hmac-sha2-256-etm@openssh.com,umac-64@openssh.com,hmac-sha1",
                            "macs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com")
                   .replace("authenticationmethods any", "authenticationmethods publickey,password"))


def files_output(files: dict[str, str | bytes | None]) -> str:
    """What the probe's files command prints for these files (None: missing; bytes with NUL: binary)."""
    out = []
    for path, text in files.items():
        if text is None:
            out.append(f"{MARK} missing {path}\n")
        elif isinstance(text, bytes):
            out.append(f"{MARK} binary {path}\n")
        elif not text:
            out.append(f"{MARK} empty {path}\n")
        else:
            out.append(f"{MARK} text {path}\n{text}\n")
    return "".join(out)


def build(files: dict[str, str | bytes | None], state: dict[str, str], sshd_t: tuple[int | None, str, str],
          updates: str, shadow: str = SHADOW, modes: str = MODES) -> BaselineFacts:
    text = files_output(files) + f"{MARK} output shadow\n{shadow}{MARK} output modes\n{modes}"
    state_text = "".join(f"{MARK} output {k}\n{v}\n" for k, v in state.items())
    sources = {"files": ("h#1",), "state": ("h#2",), "sshd": ("h#3", "h#1"), "updates": ("h#4",)}
    return build_facts(text, state_text, sshd_t, updates, MARK, sources, NOW)


def defaults(**edits: Any) -> BaselineFacts:
    return _variant(DEFAULT_FILES, DEFAULT_STATE, DEFAULT_SSHD_T, **edits)


def hardened(*, backup_age_days: float | None = 1.0, **edits: Any) -> BaselineFacts:
    """The hardened host; its nightly backup (HARDENING_FILES' cron job) left a file `backup_age_days` old."""
    b = _variant({**DEFAULT_FILES, **HARDENING_FILES}, {**DEFAULT_STATE, **HARDENING_STATE}, HARDENED_SSHD_T,
                 **edits)
    return with_backup(b, backup_age_days) if backup_age_days is not None else b


def with_backup(b: BaselineFacts, days: float, source: str = "job output") -> BaselineFacts:
    """`b` with the newest backup file its probe found `days` old (what the probe's fifth command reports)."""
    artefact = BackupArtefact(source=source, directory="/var/backups", pattern="pg-*",
                              path="/var/backups/pg-2026-11-29.sql.gz", mtime=NOW - timedelta(days=days))
    return b.model_copy(update={"backups": b.backups.model_copy(update={"artefacts": (artefact,)}),
                                "sources": {**b.sources, "backups": ("h#6",)}})


def _variant(files: dict[str, str | bytes | None], state: dict[str, str], sshd_t: str, *,
             files_edit: dict[str, str | bytes | None] | None = None, state_edit: dict[str, str] | None = None,
             sshd: tuple[int | None, str, str] | None = None, updates: str = DEFAULT_UPDATES,
             shadow: str = SHADOW, modes: str = MODES) -> BaselineFacts:
    return build({**files, **(files_edit or {})}, {**state, **(state_edit or {})}, sshd or (0, sshd_t, ""),
                 updates, shadow, modes)


SAFE_SOCKETS = (ListeningSocket(protocol="tcp", address="10.0.0.11", port=22, process="sshd"),
                ListeningSocket(protocol="tcp", address="0.0.0.0", port=443, process="nginx"))


def host(baseline: BaselineFacts | None, sockets: tuple[ListeningSocket, ...] | None = SAFE_SOCKETS,
         reachable: bool = True, errors: dict[str, str] | None = None, name: str = "h") -> HostFacts:
    services = ServiceFacts(sockets=sockets, process_owners_visible=True, observations=("h#5",)) if sockets else None
    if name != "h" and baseline is not None:  # cite the named host's observations
        baseline = baseline.model_copy(update={"sources": {k: tuple(o.replace("h#", f"{name}#") for o in v)
                                                           for k, v in baseline.sources.items()}})
        services = services.model_copy(update={"observations": (f"{name}#5",)}) if services else None
    return HostFacts(name=name, address="10.0.0.11", reachable=reachable, baseline=baseline,
                     services=services if reachable else None, errors=errors or {},
                     unreachable_reason=None if reachable else "connection refused")


def attested(b: BaselineFacts, unit: str) -> BaselineFacts:
    doc = Attestation(unit=unit, path=f"/docs/{unit}.pdf", sha256="0" * 64, size=1234, observation="h#9")
    return b.model_copy(update={"attestations": (doc,)})


Example = tuple[str, str, Callable[[], HostFacts]]  # unit, expected verdict, facts

CONTAINER = {"container": "podman", "auditctl-s": "Error sending status request (Operation not permitted)",
             "auditctl-l": "You must be root to run this program.", "apparmor": "Y"}

NO_AUDITCTL = {"auditctl-s": "sh: 1: auditctl: not found", "auditctl-l": "sh: 1: auditctl: not found"}
AUDITD_UNIT = "/lib/systemd/system/auditd.service"
DEBIAN_AUDITD = ("[Service]\nType=forking\nPIDFile=/run/auditd.pid\nExecStart=/sbin/auditd\n"  # auditd 1:3.0.9-1
                 "ExecStartPost=-/sbin/augenrules --load\n#ExecStartPost=-/sbin/auditctl -R /etc/audit/audit.rules\n")

EXAMPLES: list[Example] = [
    ("L3-CES1-01", "pass", lambda: host(hardened())),
    ("L3-CES1-01", "fail", lambda: host(defaults())),
    ("L3-CES1-01", "fail", lambda: host(hardened(shadow=SHADOW + "toor:empty::\n",
                                                 files_edit={"/etc/passwd": PASSWD + "toor:x:0:0::/root:/bin/sh\n"}))),
    ("L3-CES1-01", "inconclusive", lambda: host(hardened(shadow="cat: /etc/shadow: Permission denied\n"))),
    ("L3-CES1-01", "inconclusive", lambda: host(hardened(files_edit={"/etc/login.defs": "PASS_MAXDAYS 90\n"}))),
    ("L3-CES1-02", "pass", lambda: host(hardened())),
    ("L3-CES1-02", "fail", lambda: host(defaults())),
    ("L3-CES1-02", "inconclusive", lambda: host(hardened(files_edit={"/etc/pam.d/common-auth": BINARY}))),
    # audit immutability from what the service loads (issue 20); the kernel's state, when it can be read, decides
    ("L3-CES1-15", "fail", lambda: host(hardened(state_edit=NO_AUDITCTL, files_edit={
        AUDITD_UNIT: DEBIAN_AUDITD, "/etc/audit/rules.d/99-finalize.rules": "-e 2\n",
        "/etc/audit/rules.d/99-zz-local.rules": "-e 1\n"}))),  # augenrules keeps the last -e only
    ("L3-CES1-15", "pass", lambda: host(hardened(state_edit=NO_AUDITCTL, files_edit={AUDITD_UNIT: DEBIAN_AUDITD}))),
    ("L3-CES1-15", "fail", lambda: host(hardened(state_edit=NO_AUDITCTL, files_edit={
        AUDITD_UNIT: DEBIAN_AUDITD, "/etc/systemd/system/auditd.service.d/direct.conf":
        "[Service]\nExecStartPost=\nExecStartPost=-/sbin/auditctl -R /etc/audit/audit.rules\n",
        "/etc/audit/audit.rules": "-w /etc/passwd -p wa\n"}))),  # rules.d says -e 2, but is not what is loaded
    ("L3-CES1-15", "pass", lambda: host(hardened(state_edit=NO_AUDITCTL, files_edit={
        AUDITD_UNIT: DEBIAN_AUDITD.replace("ExecStartPost=-/sbin/augenrules --load\n", "")
        .replace("#ExecStartPost", "ExecStartPost"), "/etc/audit/audit.rules": "-w /etc/passwd -p wa\n-e 2\n"}))),
    ("L3-CES1-15", "fail", lambda: host(hardened(state_edit={"auditctl-s": "enabled 1\nfailure 1\npid 321\n"}))),
    # no unit read: the RHEL init script's /etc/sysconfig/auditd says whether augenrules builds what is loaded
    ("L3-CES1-15", "pass", lambda: host(hardened(state_edit=NO_AUDITCTL, files_edit={
        "/etc/sysconfig/auditd": 'USE_AUGENRULES="yes"\n', "/etc/audit/audit.rules": "-w /etc/passwd -p wa\n"}))),
    ("L3-CES1-15", "fail", lambda: host(hardened(state_edit=NO_AUDITCTL, files_edit={
        "/etc/sysconfig/auditd": 'USE_AUGENRULES="no"\n', "/etc/audit/audit.rules": "-w /etc/passwd -p wa\n"}))),
    # remote logging as rsyslog and syslog-ng read it (issue 20)
    ("L3-CES1-14", "fail", lambda: host(hardened(files_edit={"/etc/rsyslog.d/90-remote.conf":
                                                             '#*.* action(type="omfwd" target="10.0.0.9")\n'}))),
    ("L3-CES1-14", "fail", lambda: host(hardened(files_edit={"/etc/rsyslog.d/90-remote.conf": "*.* @@127.0.0.1:514\n"}))),
    ("L3-CES1-14", "fail", lambda: host(hardened(files_edit={"/etc/rsyslog.d/90-remote.conf":
                                                             'action(type="omfwd" target="::1" protocol="tcp")\n'}))),
    ("L3-CES1-14", "pass", lambda: host(hardened(files_edit={"/etc/rsyslog.d/90-remote.conf":
                                                             'action(Type="omfwd" Target="10.0.0.9" Protocol="TCP")\n'}))),
    ("L3-CES1-14", "fail", lambda: host(hardened(files_edit={"/etc/rsyslog.conf": 'module(load="imuxsock")\n'}))),
    # rsyslog's lexer skips C-style comments too (grammar/lexer.l), and omfwd's legacy options are comma-separated
    ("L3-CES1-14", "fail", lambda: host(hardened(files_edit={"/etc/rsyslog.d/90-remote.conf":
                                                             '/* disabled during the migration\n*.* @@10.0.0.9\n'
                                                             'action(type="omfwd" target="10.0.0.9") */\n'}))),
    ("L3-CES1-14", "pass", lambda: host(hardened(files_edit={"/etc/rsyslog.d/90-remote.conf":
                                                             "*.* @@(z5,o)10.0.0.9:1400\n"}))),
    # `$IncludeConfig DIR/` reads the whole directory (rsyslog's sample configuration: "must contain the final slash")
    ("L3-CES1-14", "pass", lambda: host(hardened(files_edit={"/etc/rsyslog.conf": "$IncludeConfig /etc/rsyslog.d/\n"}))),
    ("L3-CES1-14", "fail", lambda: host(hardened(files_edit={"/etc/rsyslog.d/90-remote.conf": None,
                                                             "/etc/syslog-ng/syslog-ng.conf":
                                                             'source s_net { tcp(ip("0.0.0.0")); };\n'
                                                             'destination d_net { network("10.0.0.6"); };\n'}))),
    ("L3-CES1-14", "pass", lambda: host(hardened(files_edit={"/etc/rsyslog.d/90-remote.conf": None,
                                                             "/etc/syslog-ng/syslog-ng.conf":
                                                             'destination d_net { network("10.0.0.6"); };\n'
                                                             'log { source(s_src); destination(d_net); };\n'}))),
    # TMOUT is what a login shell ends with (issue 20): the last assignment in bash's order wins, readonly holds
    ("L3-CES1-02", "fail", lambda: host(hardened(files_edit={"/etc/profile.d/zz-site.sh": "TMOUT=900\n",
                                                             "/etc/profile.d/ihcheck-tmout.sh": "TMOUT=600\n"}))),
    ("L3-CES1-02", "fail", lambda: host(hardened(files_edit={"/etc/profile.d/ihcheck-tmout.sh": "TMOUT=600\n",
                                                             "/root/.profile": "TMOUT=0\n"}))),
    ("L3-CES1-02", "pass", lambda: host(hardened(files_edit={"/root/.profile": "[ -f ~/.bashrc ] && . ~/.bashrc\n",
                                                             "/root/.bashrc": "TMOUT=0\n"}))),  # readonly holds
    ("L3-CES1-02", "fail", lambda: host(hardened(files_edit={"/etc/profile": "export PATH\n"}))),  # never sourced
    # a condition ihcheck does not evaluate decides the value: a root shell skips `-ne 0`, so the files cannot show it
    ("L3-CES1-02", "inconclusive", lambda: host(hardened(files_edit={"/etc/profile.d/ihcheck-tmout.sh":
                                                                     'if [ "$(id -u)" -ne 0 ]; then\n  TMOUT=600\n'
                                                                     '  readonly TMOUT\nfi\n'}))),
    ("L3-CES1-02", "inconclusive", lambda: host(hardened(files_edit={"/etc/profile.d/zz-site.sh":
                                                                     '[ -n "$SSH_TTY" ] || TMOUT=0\n',
                                                                     "/etc/profile.d/ihcheck-tmout.sh": "TMOUT=600\n"}))),
    ("L3-CES1-02", "pass", lambda: host(hardened(files_edit={"/etc/profile.d/zz-site.sh":  # readonly held it already
                                                             '[ -n "$SSH_TTY" ] || TMOUT=0\n'}))),
    ("L3-CES1-02", "pass", lambda: host(hardened(files_edit={"/etc/profile.d/ihcheck-tmout.sh": None,
                                                             "/root/.bash_profile": "export TMOUT=300\n",
                                                             "/root/.profile": "TMOUT=0\n"}))),  # not read
    ("L3-CES1-03", "pass", lambda: host(hardened())),
    ("L3-CES1-03", "fail", lambda: host(defaults())),
    ("L3-CES1-03", "fail", lambda: host(hardened(), sockets=(ListeningSocket(protocol="tcp", address="0.0.0.0", port=23,
                                                                              process="inetd"),))),
    ("L3-CES1-03", "inconclusive", lambda: host(hardened(files_edit={
        "/etc/ssh/sshd_config": "Include /etc/ssh/sshd_config.d/*.conf\nFrobnicate yes\n"}))),
    ("L3-CES1-04", "pass", lambda: host(hardened())),
    ("L3-CES1-04", "pass", lambda: host(attested(defaults(), "L3-CES1-04"))),
    ("L3-CES1-04", "fail", lambda: host(defaults())),
    ("L3-CES1-04", "inconclusive", lambda: host(hardened(), reachable=False)),
    ("L3-CES1-06", "pass", lambda: host(hardened())),
    ("L3-CES1-06", "fail", lambda: host(hardened(shadow=SHADOW.replace("games:locked", "games:set"),
                                                 files_edit={"/etc/passwd": PASSWD.replace(
                                                     "/usr/games:/usr/sbin/nologin", "/usr/games:/bin/sh")}))),
    ("L3-CES1-06", "fail", lambda: host(hardened(sshd=(0, HARDENED_SSHD_T.replace(
        "permitrootlogin without-password", "permitrootlogin yes"), "")))),
    ("L3-CES1-06", "inconclusive", lambda: host(hardened(shadow=""))),
    ("L3-CES1-07", "fail", lambda: host(hardened(files_edit={"/etc/passwd": PASSWD + "dba2:x:1000:1000::/:/bin/bash\n"},
                                                 shadow=SHADOW + "dba2:set:20400:90\n"))),
    ("L3-CES1-07", "inconclusive", lambda: host(hardened())),
    ("L3-CES1-07", "pass", lambda: host(attested(hardened(), "L3-CES1-07"))),
    ("L3-CES1-08", "pass", lambda: host(hardened())),
    ("L3-CES1-08", "fail", lambda: host(defaults())),
    ("L3-CES1-08", "fail", lambda: host(hardened(files_edit={
        "/etc/sudoers": "root ALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n",
        "/etc/sudoers.d/ops": "%ops ALL=(ALL) NOPASSWD: ALL\n"}))),
    ("L3-CES1-08", "inconclusive", lambda: host(hardened(files_edit={"/etc/sudoers": "#include /etc/sudoers\n"}))),
    ("L3-CES1-09", "pass", lambda: host(hardened())),
    ("L3-CES1-09", "fail", lambda: host(hardened(modes=MODES.replace("/etc/shadow 640", "/etc/shadow 644")))),
    ("L3-CES1-09", "inconclusive", lambda: host(hardened(modes=""))),
    ("L3-CES1-11", "pass", lambda: host(hardened())),
    ("L3-CES1-11", "fail", lambda: host(defaults())),
    ("L3-CES1-11", "inconclusive", lambda: host(hardened(state_edit=CONTAINER))),
    ("L3-CES1-12", "pass", lambda: host(hardened())),
    ("L3-CES1-12", "fail", lambda: host(defaults())),
    ("L3-CES1-12", "inconclusive", lambda: host(hardened(state_edit=CONTAINER))),
    ("L3-CES1-13", "pass", lambda: host(hardened())),
    ("L3-CES1-13", "fail", lambda: host(defaults())),
    ("L3-CES1-13", "inconclusive", lambda: host(None, errors={"baseline": "ProbeError: x"}, reachable=False)),
    ("L3-CES1-14", "pass", lambda: host(hardened())),
    ("L3-CES1-14", "fail", lambda: host(defaults())),
    ("L3-CES1-14", "inconclusive", lambda: host(hardened(files_edit={"/etc/rsyslog.d/90-remote.conf": BINARY}))),
    ("L3-CES1-15", "pass", lambda: host(hardened())),
    ("L3-CES1-15", "fail", lambda: host(defaults())),
    ("L3-CES1-15", "inconclusive", lambda: host(hardened(state_edit=CONTAINER))),
    ("L3-CES1-17", "pass", lambda: host(hardened())),
    ("L3-CES1-17", "fail", lambda: host(hardened(state_edit={"packages": "rsyslog\ntelnetd\n"}))),
    ("L3-CES1-17", "inconclusive", lambda: host(None)),
    ("L3-CES1-18", "pass", lambda: host(hardened())),
    ("L3-CES1-18", "pass", lambda: host(hardened(), sockets=(ListeningSocket(protocol="tcp", address="127.0.0.1",
                                                                              port=6379, process="redis-server"),))),
    ("L3-CES1-18", "fail", lambda: host(defaults(), sockets=(ListeningSocket(protocol="tcp", address="0.0.0.0",
                                                                              port=873, process="rsync"),))),
    ("L3-CES1-18", "error", lambda: host(None, errors={"baseline": "ProbeError: unexpected output"})),
    ("L3-CES1-18", "inconclusive", lambda: host(hardened(), sockets=None)),
    ("L3-CES1-19", "pass", lambda: host(hardened())),
    ("L3-CES1-19", "fail", lambda: host(defaults())),
    ("L3-CES1-19", "pass", lambda: host(attested(defaults(), "L3-CES1-19"))),
    ("L3-CES1-19", "inconclusive", lambda: host(hardened(sshd=(255, "", "sshd: not found"), files_edit={
        "/etc/ssh/sshd_config": MISSING}))),
    ("L3-CES1-21", "pass", lambda: host(hardened())),
    ("L3-CES1-21", "fail", lambda: host(hardened(updates=DEFAULT_UPDATES + "libssl3/stable-security 3.0.15-1~deb12u1 "
                                                 "amd64 [upgradable from: 3.0.11-1~deb12u1]\n"))),
    ("L3-CES1-21", "inconclusive", lambda: host(hardened(updates=f"apt\n{NOW.timestamp() - 30 * 86400:.0f}\n--\n"
                                                         "Listing...\n"))),
    ("L3-CES1-22", "pass", lambda: host(hardened())),
    ("L3-CES1-22", "fail", lambda: host(defaults())),
    ("L3-CES1-22", "inconclusive", lambda: host(hardened(), reachable=False)),
    ("L3-CES1-23", "pass", lambda: host(hardened())),
    ("L3-CES1-23", "fail", lambda: host(defaults())),
    ("L3-CES1-23", "fail", lambda: host(hardened(state_edit={
        "clamav": "/var/lib/clamav/daily.cld cvd ClamAV-VDB:01 Oct 2026 00-10 +0000:27400:1:90:X:X:raynman:1\n"}))),
    ("L3-CES1-23", "pass", lambda: host(attested(defaults(), "L3-CES1-23"))),
    ("L3-CES1-23", "inconclusive", lambda: host(None)),
    ("L3-CES1-24", "inconclusive", lambda: host(hardened())),
    ("L3-CES1-24", "inconclusive", lambda: host(hardened(state_edit={"tpm": "tpm0\n"}))),
    ("L3-CES1-24", "pass", lambda: host(attested(hardened(), "L3-CES1-24"))),
    ("L3-CES1-29", "pass", lambda: host(hardened())),
    ("L3-CES1-29", "fail", lambda: host(defaults())),
    ("L3-CES1-29", "pass", lambda: host(attested(defaults(), "L3-CES1-29"))),
    # a job is not a backup (issue 20): what it wrote, and how old, or an attestation
    ("L3-CES1-29", "fail", lambda: host(hardened(backup_age_days=None))),  # nothing where the job writes
    ("L3-CES1-29", "fail", lambda: host(hardened(backup_age_days=30))),
    ("L3-CES1-29", "pass", lambda: host(with_backup(defaults(), 0.5, "pgbackrest info"))),
    ("L3-CES1-29", "inconclusive", lambda: host(hardened(backup_age_days=None, files_edit={
        "/etc/cron.d/backup": "30 2 * * * root /usr/local/sbin/nightly-backup.sh\n"}))),  # writes where?
    ("L3-CES1-29", "pass", lambda: host(attested(hardened(backup_age_days=None, files_edit={
        "/etc/cron.d/backup": "30 2 * * * root /usr/local/sbin/nightly-backup.sh\n"}), "L3-CES1-29"))),
    ("L3-CES1-29", "inconclusive", lambda: host(hardened(), reachable=False)),
]


def exchanged(h: HostFacts, *, tls: bool) -> HostFacts:
    """The host after an HL7 query to the HIS that was answered, inside TLS or in clear."""
    endpoint = declare({"name": "his", "system": "his", "protocol": "hl7v2", "address": "10.0.1.20", "port": 2575,
                        "receiving_application": "HIS", "tls": tls})
    session = TlsSession(version="TLSv1.3", cipher="TLS_AES_256_GCM_SHA384", verified=True) if tls else None
    result = ExchangeResult(protocol="hl7v2", target="10.0.1.20:2575", origin=h.name, outcome="ok",
                            detail="ACK MSA-1 AA", tls=session, observations=("h#7",))
    return h.model_copy(update={"exchange": ExchangeFacts(exchanges=(ObservedExchange(endpoint=endpoint,
                                                                                      results=(result,)),),
                                                          observations=("h#7",))})


# L3-CES1-27: medical data seen in clear fails, whatever a document says; seen inside TLS, the rest is design
EXAMPLES += [
    ("L3-CES1-27", "fail", lambda: exchanged(host(hardened()), tls=False)),
    ("L3-CES1-27", "fail", lambda: exchanged(host(attested(hardened(), "L3-CES1-27")), tls=False)),
    ("L3-CES1-27", "inconclusive", lambda: exchanged(host(hardened()), tls=True)),
    ("L3-CES1-27", "pass", lambda: exchanged(host(attested(hardened(), "L3-CES1-27")), tls=True)),
]
# The items only the assessor or a document can settle: inconclusive from the host, pass when attested.
for _unit in ("L3-CES1-05", "L3-CES1-10", "L3-CES1-20", "L3-CES1-25", "L3-CES1-26", "L3-CES1-27", "L3-CES1-28",
              "L3-CES1-30", "L3-CES1-31", "L3-CES1-32", "L3-CES1-33", "L3-CES1-34", "L3-CES1-35"):
    EXAMPLES += [(_unit, "inconclusive", lambda: host(hardened())),
                 (_unit, "pass", lambda u=_unit: host(attested(hardened(), u)))]  # type: ignore[misc]
