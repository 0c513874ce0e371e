"""The MLPS level 3 host baseline's facts: what one host's configuration files and daemons showed.

Each part keeps the parser's own record (values with file and line, and the problems that stop an
item from passing); `sources` says which observation each part was read from, so a finding cites the
exact command and its output's SHA-256.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from probes.facts.base import Fact, Record

NOLOGIN = frozenset({"/sbin/nologin", "/usr/sbin/nologin", "/bin/false", "/usr/bin/false", "/bin/sync",
                     "/sbin/shutdown", "/sbin/halt", "/usr/sbin/shutdown", "/usr/sbin/halt", "/bin/nologin",
                     "/usr/bin/nologin", ""})
PasswordState = Literal["empty", "locked", "set", "unknown"]
# The package names a rule asks about (L3-CES1-17's components a server should not carry: telnet, rsh, TFTP, NIS,
# talk, an X server; checker.catalogue.mlps_judges judges them). Of a host's installed packages only these are kept
# in its facts: the whole list is some 14 kB a host that no rule reads (issue 26); its output stays in the evidence.
PACKAGES_ASKED_ABOUT = (
    "telnetd",
    "inetutils-telnetd",
    "telnetd-ssl",
    "telnet-server",
    "rsh-server",
    "rsh-redone-server",
    "xinetd",
    "tftpd-hpa",
    "tftp-server",
    "nis",
    "ypserv",
    "talkd",
    "talk-server",
    "xserver-xorg-core",
    "xorg-x11-server-Xorg",
)


def as_int(value: str | None) -> int | None:
    """An integer setting, or None when absent or not a number.

    >>> as_int("90"), as_int("-1"), as_int("x"), as_int(None)
    (90, -1, None, None)
    """
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


# --- what the parsers of probes/parse/baseline return: values with their file and line, or problems ---

class Setting(Record):
    """One directive as written: `key value` at `file:line` (line None for command output)."""

    key: str
    value: str
    file: str
    line: int | None = None

    @property
    def where(self) -> str:
        # "file, line N" rather than "file:N": "common-password:1" reads as a password to the bundle's redaction
        return f"{self.file}, line {self.line}" if self.line is not None else self.file

    def describe(self) -> str:
        return f"{self.key} {self.value} ({self.where})"


class Problem(Record):
    """Input a parser could not make sense of; the items resting on it cannot pass."""

    file: str
    line: int | None = None
    message: str

    def describe(self) -> str:
        where = f"{self.file}, line {self.line}" if self.line is not None else self.file
        return f"{where}: {self.message}"

    @classmethod
    def unreadable(cls, path: str) -> Problem:
        """A file the host returned that is not text a parser can read: never taken as an empty file."""
        return cls(file=path, message="could not be read as text (unreadable or binary)")


class Account(Record):
    name: str
    uid: int
    gid: int
    shell: str
    line: int
    shadow: PasswordState = "unknown"  # the password field, summarised: empty, locked (! or *), set
    last_change_days: int | None = None  # days since 1970-01-01 of the last password change
    max_days: int | None = None

    @property
    def login_shell(self) -> bool:
        return self.shell not in NOLOGIN and not self.shell.endswith("/nologin")

    @property
    def usable(self) -> bool:
        """Can log in with a password: a login shell and a password that is not locked."""
        return self.login_shell and self.shadow in ("set", "empty")


class Accounts(Record):
    accounts: tuple[Account, ...] = ()
    shadow_read: bool = False
    problems: tuple[Problem, ...] = ()

    def uid0(self) -> list[Account]:
        return [a for a in self.accounts if a.uid == 0]

    def duplicates(self) -> dict[str, list[str]]:
        """Names and UIDs held by more than one account line."""
        seen: dict[str, list[str]] = {}
        for a in self.accounts:
            seen.setdefault(f"name {a.name}", []).append(a.name)
            seen.setdefault(f"UID {a.uid}", []).append(a.name)
        return {k: v for k, v in seen.items() if len(v) > 1}


class AuditRules(Record):
    source: str
    rules: tuple[str, ...] = ()
    watched: dict[str, str] = Field(default_factory=dict)  # identity file → the rule watching it for writes
    privileged: tuple[str, ...] = ()  # rules on privileged commands or on execve as root
    immutable: bool = False
    problems: tuple[Problem, ...] = ()


class RemoteTarget(Record):
    daemon: str  # rsyslog / syslog-ng
    target: str
    protocol: str
    file: str
    line: int
    off_host: bool = True  # False: a loopback target (127.0.0.0/8, ::1, localhost), which leaves nothing off the host


class Retention(Record):
    log: str
    days: int | None  # None: kept forever (no rotate count) or not determinable
    rotate: Setting | None = None
    period: Setting | None = None
    maxage: Setting | None = None

    def describe(self) -> str:
        if self.days is None:
            return f"{self.log}: no rotation limit found"
        parts = [s.describe() for s in (self.rotate, self.period, self.maxage) if s]
        return f"{self.log}: about {self.days} days ({'; '.join(parts)})"


class LoginDefs(Record):
    settings: dict[str, Setting] = Field(default_factory=dict)
    problems: tuple[Problem, ...] = ()

    def get(self, key: str) -> Setting | None:
        return self.settings.get(key)


class Pending(Record):
    name: str
    version: str
    security: bool


class PamLine(Record):
    type: str
    control: str
    module: str
    args: tuple[str, ...] = ()
    file: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.file}, line {self.line}"

    def arg(self, name: str) -> str | None:
        """`name=value` (last wins, as pam modules parse them), or '' for a bare flag, or None."""
        found: str | None = None
        for item in self.args:
            key, eq, value = item.partition("=")
            if key == name:
                found = value if eq else ""
        return found

    def describe(self) -> str:
        return f"{self.type} {self.control} {self.module} {' '.join(self.args)}".rstrip() + f" ({self.where})"


class PamStack(Record):
    service: str
    lines: tuple[PamLine, ...] = ()
    problems: tuple[Problem, ...] = ()

    def modules(self, name: str, type_: str | None = None) -> list[PamLine]:
        return [x for x in self.lines if x.module.rsplit("/", 1)[-1] == name and (type_ is None or x.type == type_)]


class PasswordQuality(Record):
    """The password-quality policy a service's `password` stack enforces."""

    module: str | None = None  # pam_pwquality.so / pam_cracklib.so / None: no quality module
    where: str | None = None
    minlen: Setting | None = None
    minclass: Setting | None = None
    credits: dict[str, Setting] = Field(default_factory=dict)  # dcredit/ucredit/lcredit/ocredit as configured
    problems: tuple[Problem, ...] = ()

    @property
    def required_classes(self) -> int:
        """Character classes a new password must contain: minclass, or the credits set below zero."""
        by_minclass = as_int(self.minclass.value) if self.minclass else None
        negative = sum(1 for s in self.credits.values() if (as_int(s.value) or 0) < 0)
        return max(by_minclass or 0, negative)


class Lockout(Record):
    """Login-failure lockout in a service's `auth` stack: pam_faillock or pam_tally2."""

    module: str | None = None
    where: tuple[str, ...] = ()
    deny: Setting | None = None
    unlock_time: Setting | None = None
    problems: tuple[Problem, ...] = ()


class SshdConfig(Record):
    """The settings sshd uses outside `Match` blocks, lower-cased keyword → first value."""

    source: str  # "sshd -T" or the main file read
    # a tuple, not a mapping keyed by keyword: keywords such as PermitEmptyPasswords or GSSAPIKeyExchange look
    # like secret names to the bundle's redaction, which would mask a mapping's values
    settings: tuple[Setting, ...] = ()
    match_blocks: tuple[str, ...] = ()  # `Match` conditions seen (their settings apply to some connections only)
    problems: tuple[Problem, ...] = ()

    def get(self, key: str) -> Setting | None:
        wanted = key.lower()
        return next((s for s in self.settings if s.key.lower() == wanted), None)


class SudoRule(Record):
    who: str
    spec: str
    file: str
    line: int
    nopasswd_all: bool  # NOPASSWD applies to the command ALL

    @property
    def where(self) -> str:
        return f"{self.file}, line {self.line}"


class Sudoers(Record):
    rules: tuple[SudoRule, ...] = ()
    problems: tuple[Problem, ...] = ()


# --- the baseline of one host ---


class FileRead(Record):
    path: str
    status: Literal["text", "missing", "unreadable", "binary", "empty"]
    sha256: str | None = None


class FileMode(Record):
    path: str
    mode: int  # permission bits, e.g. 0o640
    owner: str
    group: str

    def describe(self) -> str:
        return f"{self.path} {self.mode:04o} {self.owner}:{self.group}"


class AuditState(Record):
    daemon_running: bool
    kernel_enabled: int | None = Field(default=None, description="`auditctl -s` enabled: 0, 1 or 2 (immutable)")
    kernel_error: str | None = Field(default=None, description="why the kernel audit status could not be read")
    loaded: AuditRules | None = None  # `auditctl -l`
    written: AuditRules | None = None  # what the service loads: augenrules' merge of rules.d, or auditctl -R FILE
    loader: str | None = Field(default=None, description="how the service loads its rules, and the unit that says so")
    auditd_conf: dict[str, Setting] = Field(default_factory=dict)


class MacState(Record):
    selinux: str | None = None  # enforcing / permissive / disabled
    apparmor_enabled: bool | None = None
    apparmor_enforced: int | None = None  # profiles in enforce mode
    unavailable: str | None = None  # why neither could be read


class TimeState(Record):
    servers: tuple[Setting, ...] = ()
    daemon: str | None = None  # chronyd / systemd-timesyncd / ntpd running
    synchronized: bool | None = None


class UpdateState(Record):
    manager: str | None = None
    pending: tuple[Pending, ...] = ()
    index_age_days: float | None = None
    error: str | None = None


class MalwareState(Record):
    engine: str | None = None
    signatures_built: datetime | None = None
    signature_file: str | None = None
    daemon_running: tuple[str, ...] = ()


class IntegrityState(Record):
    database: str | None = None
    database_mtime: datetime | None = None
    scheduled: tuple[str, ...] = ()  # cron lines / timers that run the check


class BackupArtefact(Record):
    """The newest file a backup left (or a backup tool's own record of its newest backup): its time is observed."""

    source: Literal["job output", "declared directory", "pgbackrest info"]
    directory: str
    pattern: str
    path: str
    mtime: datetime

    def describe(self) -> str:
        return f"{self.path} ({self.source}, {self.mtime:%Y-%m-%d %H:%M} UTC)"


class BackupState(Record):
    jobs: tuple[Setting, ...] = ()  # cron lines / timers running a backup tool
    looked_in: tuple[str, ...] = ()  # where the probe looked for what the jobs wrote ("DIR/GLOB"), declared or not
    artefacts: tuple[BackupArtefact, ...] = ()


class Attestation(Record):
    """A document the inventory names for an item the host cannot show (hashed on the checker, never observed)."""

    unit: str
    path: str
    sha256: str
    size: int
    observation: str


class BaselineFacts(Fact):
    collected_at: datetime
    os_family: Literal["debian", "rhel", "other"]
    pam_layout: str = Field(description="debian (common-*), authselect, rhel (system-auth) or unknown")
    files: tuple[FileRead, ...] = ()
    sshd: SshdConfig | None = None
    password_policy: PasswordQuality = PasswordQuality()
    lockout: Lockout = Lockout()
    su_wheel: str | None = Field(default=None, description="where pam_wheel limits su, if it does")
    su_problems: tuple[Problem, ...] = ()
    login_defs: LoginDefs | None = None
    accounts: Accounts | None = None
    sudoers: Sudoers | None = None
    modes: tuple[FileMode, ...] = ()
    tmout: Setting | None = None
    tmout_readonly: bool = False
    profile_problems: tuple[Problem, ...] = ()
    audit: AuditState
    mac: MacState
    remote_logs: tuple[RemoteTarget, ...] = ()
    log_daemon: str | None = None
    retention: tuple[Retention, ...] = ()
    logging_problems: tuple[Problem, ...] = ()
    time: TimeState = TimeState()
    processes: tuple[str, ...] = ()
    installed: tuple[str, ...] = Field(
        default=(), description="the installed packages (dpkg 'ii' or rpm) among PACKAGES_ASKED_ABOUT, sorted"
    )
    packages_listed: int | None = Field(
        default=None, description="how many installed packages the host listed (None: a record from before the count)"
    )
    updates: UpdateState = UpdateState()
    malware: MalwareState = MalwareState()
    integrity: IntegrityState = IntegrityState()
    backups: BackupState = BackupState()
    tpm: bool | None = None
    container: bool = Field(
        default=False, description="the host is a container: kernel audit and MAC belong to its host"
    )
    attestations: tuple[Attestation, ...] = ()
    sources: dict[str, tuple[str, ...]] = Field(default_factory=dict, description="part → observation ids")

    def cite(self, *parts: str) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for part in parts:
            seen.update(dict.fromkeys(self.sources.get(part, ())))
        return tuple(seen)
