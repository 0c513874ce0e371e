"""The MLPS level 3 host baseline's facts: what one host's configuration files and daemons showed.

Each part keeps the parser's own record (values with file and line, and the problems that stop an
item from passing); `sources` says which observation each part was read from, so a finding cites the
exact command and its output's SHA-256.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from probes.facts.base import Fact
from probes.parse.baseline.accounts import Accounts
from probes.parse.baseline.audit import AuditRules
from probes.parse.baseline.common import Problem, Record, Setting
from probes.parse.baseline.logging import RemoteTarget, Retention
from probes.parse.baseline.logindefs import LoginDefs
from probes.parse.baseline.packages import Pending
from probes.parse.baseline.pam import Lockout, PasswordQuality
from probes.parse.baseline.sshd import SshdConfig
from probes.parse.baseline.sudoers import Sudoers


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
    written: AuditRules | None = None  # /etc/audit/rules.d, /etc/audit/audit.rules
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


class BackupState(Record):
    jobs: tuple[Setting, ...] = ()  # cron lines / timers running a backup tool


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
    password_quality: PasswordQuality = PasswordQuality()
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
    installed: tuple[str, ...] = Field(default=(), description="packages of interest that are installed")
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
