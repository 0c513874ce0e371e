"""The MLPS level 3 host baseline probe: reads configuration files and asks daemons, changes nothing.

Four commands per host, whatever the number of files, so the baseline costs a few round trips:
the files (each behind a nonce marker, binary files reported not printed, /etc/shadow summarised so no
hash leaves the host), the state of daemons and the kernel, `sshd -T`, and the pending updates from
the package manager's cache (no network, no lock). Judging is left to the rules
(checker/catalogue/mlps_*.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Literal

from checker.errors import ProbeError
from probes import backups as backup_evidence
from probes.facts.baseline import (
    PACKAGES_ASKED_ABOUT,
    Attestation,
    AuditState,
    BackupState,
    BaselineFacts,
    FileMode,
    FileRead,
    IntegrityState,
    MacState,
    MalwareState,
    Problem,
    Setting,
    TimeState,
    UpdateState,
    as_int,
)
from probes.parse.baseline import audit, logging, packages, pam, sshd
from probes.parse.baseline.accounts import parse_accounts
from probes.parse.baseline.common import logical_lines
from probes.parse.baseline.logindefs import parse_login_defs
from probes.parse.baseline.sections import Section, split_sections
from probes.parse.baseline.sudoers import parse_sudoers
from probes.parse.timesync import parse_ntp_servers
from probes.power import _attestation
from probes.transport import Planned, Session

FILES = [
    "/etc/os-release",
    "/etc/ssh/sshd_config",
    "/etc/ssh/sshd_config.d/*.conf",
    "/etc/pam.d/common-auth",
    "/etc/pam.d/common-password",
    "/etc/pam.d/common-account",
    "/etc/pam.d/common-session",
    "/etc/pam.d/sshd",
    "/etc/pam.d/login",
    "/etc/pam.d/su",
    "/etc/pam.d/passwd",
    "/etc/pam.d/system-auth",
    "/etc/pam.d/password-auth",
    "/etc/pam.d/postlogin",
    "/etc/authselect/authselect.conf",
    "/etc/security/pwquality.conf",
    "/etc/security/pwquality.conf.d/*.conf",
    "/etc/security/faillock.conf",
    "/etc/login.defs",
    "/etc/passwd",
    "/etc/group",
    "/etc/sudoers",
    "/etc/sudoers.d/*",
    "/etc/profile",
    "/etc/profile.d/*.sh",
    "/etc/bash.bashrc",
    "/etc/bashrc",
    "/root/.bash_profile",  # a login shell's own files (the first found of the three), and what it sources
    "/root/.bash_login",
    "/root/.profile",
    "/root/.bashrc",
    "/etc/audit/auditd.conf",
    "/etc/audit/audit.rules",
    "/etc/audit/rules.d/*.rules",
    *audit.AUDIT_UNITS,  # how the service loads its rules: augenrules (rules.d) or auditctl -R FILE
    "/etc/systemd/system/auditd.service.d/*.conf",
    "/etc/systemd/system/audit-rules.service.d/*.conf",
    audit.AUDIT_SYSCONFIG,
    "/etc/rsyslog.conf",
    "/etc/rsyslog.d/*.conf",
    "/etc/syslog-ng/syslog-ng.conf",
    "/etc/syslog-ng/conf.d/*.conf",
    "/etc/logrotate.conf",
    "/etc/logrotate.d/rsyslog",
    "/etc/logrotate.d/syslog",
    "/etc/logrotate.d/syslog-ng",
    "/etc/chrony/chrony.conf",
    "/etc/chrony/conf.d/*.conf",
    "/etc/chrony/sources.d/*.sources",
    "/etc/chrony.conf",
    "/etc/systemd/timesyncd.conf",
    "/etc/systemd/timesyncd.conf.d/*.conf",
    "/etc/ntp.conf",
    "/etc/crontab",
    "/etc/cron.d/*",
    "/var/spool/cron/crontabs/*",
    "/var/spool/cron/root",
]

MODES = [
    "/etc/passwd",
    "/etc/shadow",
    "/etc/group",
    "/etc/gshadow",
    "/etc/sudoers",
    "/etc/ssh/sshd_config",
    "/var/log/audit",
    "/var/log/audit/audit.log",
    "/var/log/syslog",
    "/var/log/messages",
    "/var/log/auth.log",
    "/var/log/secure",
]



SHADOW_SUMMARY = (
    'awk -F: \'{s=$2; t=(s=="")?"empty":((s ~ /^[!*]/)?"locked":"set"); print $1":"t":"$3":"$5}\' /etc/shadow'
)


def files_command(marker: str, paths: Iterable[str] = FILES) -> str:
    """Print each file behind `marker STATUS PATH`; binary files (a NUL byte, or not valid UTF-8 as a whole, which
    iconv checks) are named, not printed, so no byte can break the decoding of the output."""
    return (
        f"M='{marker}'; for f in {' '.join(paths)}; do "
        "case \"$f\" in *'*'*) continue;; esac; "
        'if [ ! -e "$f" ]; then echo "$M missing $f"; '
        'elif [ ! -r "$f" ] || [ -d "$f" ]; then echo "$M unreadable $f"; '
        'elif [ ! -s "$f" ]; then echo "$M empty $f"; '
        "elif iconv -f UTF-8 -t UTF-8 \"$f\" >/dev/null 2>&1 && "
        "[ \"$(LC_ALL=C tr -d '\\000' < \"$f\" | wc -c)\" -eq \"$(wc -c < \"$f\")\" ]; then "
        "echo \"$M text $f\"; cat \"$f\"; echo; "
        'else echo "$M binary $f"; fi; done; '
        f'echo "$M output shadow"; {SHADOW_SUMMARY} 2>&1; '
        f"echo \"$M output modes\"; stat -c '%n %a %U %G' {' '.join(MODES)} 2>/dev/null; true"
    )


def state_command(marker: str) -> str:
    sections = {
        "now": "date +%s",
        "container": "systemd-detect-virt -c 2>/dev/null || { [ -f /run/.containerenv ] && echo podman; } "
        "|| { [ -f /.dockerenv ] && echo docker; } || echo none",
        # Every process but the checker's own: the login shell, `sh`, `timeout` and `ps` of the direct engine,
        # Ansible's python3 module, are all in the session sshd made for this command (or, run locally, in
        # the checker's session). That session is left out by its id, whatever the helpers are called; never
        # when it is the session of PID 1 or none (a container's exec may share its init's session).
        "ps": "s=$(ps -o sess= -p $$); i=$(ps -o sess= -p 1); ps -eo sess=,comm= | awk -v s=\"$s\" -v i=\"$i\" "
        "'{x = $1; sub(/^ *[0-9]+ /, \"\")} s + 0 <= 1 || s + 0 == i + 0 || x + 0 != s + 0'",
        "auditctl-s": "auditctl -s",
        "auditctl-l": "auditctl -l",
        "selinux": "cat /sys/fs/selinux/enforce",
        "apparmor": "cat /sys/module/apparmor/parameters/enabled && "
        "grep -c '(enforce)' /sys/kernel/security/apparmor/profiles",
        "tpm": "ls /sys/class/tpm",
        "timedatectl": "timedatectl show",
        "clamav": "for f in /var/lib/clamav/*; do case \"$f\" in "
        "*.cvd|*.cld) echo \"$f cvd $(head -c 256 \"$f\" | tr -cd '[:print:]')\";; "
        "*.hdb|*.hsb|*.mdb|*.msb|*.ndb|*.ldb|*.cdb|*.yar|*.yara) echo \"$f local $(stat -c %Y \"$f\")\";; "
        "esac; done; true",
        "aide": "stat -c '%n %Y' /var/lib/aide/aide.db /var/lib/aide/aide.db.gz /var/lib/aide/aide.db.new.gz",
        "cron-dirs": "ls -1 /etc/cron.daily /etc/cron.weekly /etc/cron.hourly",
        "timers": "systemctl list-timers --all --no-legend --no-pager",
        # every installed package's name, neutrally: which of them a server should not carry is the rules' call
        "packages": "dpkg-query -W -f '${db:Status-Abbrev} ${Package}\\n' 2>/dev/null | awk '$1 ~ /^ii/ {print $2}'; "
        "rpm -qa --qf '%{NAME}\\n' 2>/dev/null; true",
    }
    return f"M='{marker}'; " + " ".join(f'echo "$M output {k}"; {v} 2>&1;' for k, v in sections.items()) + " true"


UPDATES_COMMAND = (
    "if command -v apt-get >/dev/null; then echo apt; "
    "find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -printf '%T@\\n' 2>/dev/null | sort -n | tail -1; "
    "echo --; apt list --upgradable 2>/dev/null; "
    "elif command -v dnf >/dev/null; then echo dnf; "
    "find /var/cache/dnf -maxdepth 2 -name '*.solv' -printf '%T@\\n' 2>/dev/null | sort -n | tail -1; "
    "echo --; dnf -q --cacheonly check-update 2>&1; echo --security; dnf -q --cacheonly --security check-update 2>&1; "
    "else echo none; fi; true"
)


def _texts(sections: dict[str, Section], prefix: str) -> dict[str, str | None]:
    """Files under `prefix` that exist: path → text (None when unreadable or binary)."""
    return {k: s.text for k, s in sections.items() if k.startswith(prefix) and s.status != "missing"}


def _pick(sections: dict[str, Section], *paths: str) -> dict[str, str | None]:
    return {p: sections[p].text for p in paths if p in sections and sections[p].status != "missing"}


def _os_family(os_release: str | None) -> Literal["debian", "rhel", "other"]:
    text = (os_release or "").lower()
    ids = " ".join(
        line.split("=", 1)[1].strip('"') for line in text.splitlines() if line.startswith(("id=", "id_like="))
    )
    if any(w in ids for w in ("debian", "ubuntu", "uos", "deepin")):
        return "debian"
    if any(w in ids for w in ("rhel", "fedora", "centos", "rocky", "almalinux", "openeuler", "kylin", "anolis")):
        return "rhel"
    return "other"


def _pam_layout(sections: dict[str, Section]) -> str:
    if sections.get("/etc/authselect/authselect.conf", Section(name="", status="missing")).status == "text":
        return "authselect"
    if "/etc/pam.d/common-auth" in _texts(sections, "/etc/pam.d/common-auth"):
        return "debian"
    if "/etc/pam.d/system-auth" in _texts(sections, "/etc/pam.d/system-auth"):
        return "rhel"
    return "unknown"


def build_facts(
    files_out: str,
    state_out: str,
    sshd_t: tuple[int | None, str, str],
    updates_out: str,
    marker: str,
    sources: dict[str, tuple[str, ...]],
    collected_at: datetime,
) -> BaselineFacts:
    """Facts from the four outputs: pure, so recorded outputs of real hosts can be replayed in tests."""
    files = split_sections(files_out, marker)
    state = split_sections(state_out, marker)
    if "/etc/passwd" not in files:
        raise ProbeError(f"baseline file listing incomplete (no /etc/passwd section): {files_out[:200]!r}")
    out = {k: (s.text or "") for k, s in state.items()}
    host_now = as_int(out.get("now", "").strip()) or int(collected_at.timestamp())
    file_reads = tuple(
        FileRead(
            path=k,
            status=s.status,
            sha256=hashlib.sha256(s.body.encode()).hexdigest()
            if s.status == "text"
            else None,
        )
        for k, s in files.items()
        if k.startswith("/")
    )
    pam_files = _texts(files, "/etc/pam.d/")
    layout = _pam_layout(files)

    # sshd: `sshd -T` when it ran; the files otherwise (and always for unknown directives / include loops)
    from_files = sshd.parse_sshd_files(_texts(files, "/etc/ssh/"))
    rc, t_out, t_err = sshd_t
    if rc == 0 and t_out.strip():
        effective = sshd.parse_sshd_t(t_out)
        config = effective.model_copy(
            update={
                "problems": effective.problems
                + tuple(p for p in from_files.problems if "unknown directive" in p.message or "loop" in p.message)
            }
        )
    elif rc not in (None, 127) and "line" in (t_out + t_err):
        config = sshd.parse_sshd_t(t_out + "\n" + t_err)
        config = config.model_copy(update={"settings": from_files.settings, "source": from_files.source})
    else:
        config = from_files

    login_service = "sshd" if "/etc/pam.d/sshd" in pam_files else "login"
    auth_stack = pam.resolve_stack(login_service, pam_files)
    password_service = "passwd" if "/etc/pam.d/passwd" in pam_files else login_service
    quality = pam.password_quality(
        pam.resolve_stack(password_service, pam_files), _texts(files, "/etc/security/pwquality.conf")
    )
    lock = pam.lockout(auth_stack, _pick(files, "/etc/security/faillock.conf"))
    su_stack = pam.resolve_stack("su", pam_files) if "/etc/pam.d/su" in pam_files else None
    wheel = pam.su_wheel(su_stack) if su_stack else None

    login_defs_text = files.get("/etc/login.defs")
    login_defs = None
    if login_defs_text is not None and login_defs_text.status != "missing":
        login_defs = (
            parse_login_defs(login_defs_text.text)
            if login_defs_text.text is not None
            else parse_login_defs("").model_copy(update={"problems": (Problem.unreadable("/etc/login.defs"),)})
        )
    passwd = files["/etc/passwd"].text
    shadow = files.get("shadow")
    shadow_text = shadow.text if shadow and "Permission denied" not in shadow.body and shadow.body.strip() else None
    accounts = parse_accounts(passwd, shadow_text) if passwd is not None else None

    modes = []
    modes_section = files.get("modes")
    for line in (modes_section.text or "").splitlines() if modes_section else []:
        parts = line.split()
        if len(parts) == 4 and parts[1].isdigit():
            modes.append(FileMode(path=parts[0], mode=int(parts[1], 8), owner=parts[2], group=parts[3]))

    profile_files = {
        **_pick(files, "/etc/profile", "/etc/bash.bashrc", "/etc/bashrc", "/root/.bash_profile", "/root/.bash_login",
                "/root/.profile", "/root/.bashrc"),
        **_texts(files, "/etc/profile.d/"),
    }
    tmout, readonly, profile_problems = logging.shell_timeout(profile_files)

    processes = tuple(dict.fromkeys(p.strip() for p in out.get("ps", "").splitlines() if p.strip()))
    container = out.get("container", "none").strip().splitlines()[-1:] != ["none"] if out.get("container") else False

    # the rules the service gives the kernel, as its unit says (augenrules' rules.d, or auditctl -R of a file)
    audit_loader, audit_written_text, audit_source = audit.rules_auditd_loads(
        {**_texts(files, "/etc/audit/"), **_texts(files, "/lib/systemd/system/"),
         **_texts(files, "/usr/lib/systemd/system/"), **_texts(files, "/etc/systemd/system/"),
         **_texts(files, audit.AUDIT_SYSCONFIG)})
    auditctl_s = out.get("auditctl-s", "")
    enabled = None
    kernel_error = None
    for line in auditctl_s.splitlines():
        if line.startswith("enabled "):
            enabled = as_int(line.split()[1])
    if enabled is None:
        kernel_error = (auditctl_s.strip().splitlines() or ["auditctl printed nothing"])[-1][:200]
    loaded = audit.parse_audit_rules(out.get("auditctl-l", ""), "auditctl -l") if enabled is not None else None
    auditd_conf: dict[str, Setting] = {}
    if conf := _pick(files, "/etc/audit/auditd.conf").get("/etc/audit/auditd.conf"):
        auditd_conf, _ = audit.parse_auditd_conf(conf)
    audit_state = AuditState(
        daemon_running="auditd" in processes,
        kernel_enabled=enabled,
        kernel_error=kernel_error,
        loaded=loaded,
        written=audit.parse_audit_rules(audit_written_text, audit_source) if audit_written_text else None,
        loader=audit_loader,
        auditd_conf=auditd_conf,
    )

    selinux_raw = out.get("selinux", "").strip()
    apparmor_raw = out.get("apparmor", "").split()
    mac = MacState(
        selinux={"1": "enforcing", "0": "permissive"}.get(selinux_raw),
        apparmor_enabled=(apparmor_raw[0] == "Y") if apparmor_raw and apparmor_raw[0] in ("Y", "N") else None,
        apparmor_enforced=as_int(apparmor_raw[1]) if len(apparmor_raw) > 1 else None,
    )
    if mac.selinux is None and mac.apparmor_enabled is None:
        mac = mac.model_copy(
            update={
                "unavailable": "neither /sys/fs/selinux/enforce nor "
                "/sys/module/apparmor/parameters/enabled could be read"
            }
        )
    elif mac.apparmor_enabled and mac.apparmor_enforced is None:
        mac = mac.model_copy(
            update={
                "unavailable": "AppArmor is enabled but its profiles (/sys/kernel/security/apparmor) could not be read"
            }
        )

    log_files = {
        **_pick(files, "/etc/rsyslog.conf", "/etc/syslog-ng/syslog-ng.conf"),
        **_texts(files, "/etc/rsyslog.d/"),
        **_texts(files, "/etc/syslog-ng/conf.d/"),
    }
    targets, log_problems = logging.remote_targets(log_files)
    retention, rot_problems = logging.log_retention(
        {**_pick(files, "/etc/logrotate.conf"), **_texts(files, "/etc/logrotate.d/")}
    )
    log_daemon = next((d for d in ("rsyslogd", "syslog-ng", "systemd-journal") if d in processes), None)

    time_files = {
        **_pick(files, "/etc/chrony/chrony.conf", "/etc/chrony.conf", "/etc/systemd/timesyncd.conf", "/etc/ntp.conf"),
        **_texts(files, "/etc/chrony/"),
        **_texts(files, "/etc/systemd/timesyncd.conf.d/"),
    }
    servers: list[Setting] = []
    for path in sorted(time_files):
        for number, line in logical_lines(time_files[path] or ""):
            for name in parse_ntp_servers(line):
                servers.append(Setting(key=line.split()[0].split("=")[0], value=name, file=path, line=number))
    synced = None
    for line in out.get("timedatectl", "").splitlines():
        if line.startswith("NTPSynchronized="):
            synced = line.split("=", 1)[1].strip() == "yes"
    time_daemon = next((d for d in ("chronyd", "systemd-timesyn", "ntpd") if d in processes), None)

    names = {p.strip() for p in out.get("packages", "").splitlines() if p.strip()}
    installed = tuple(sorted(names.intersection(PACKAGES_ASKED_ABOUT)))  # what a rule reads; the output has all

    updates = _updates(updates_out, host_now)

    malware = MalwareState(daemon_running=tuple(p for p in ("clamd", "freshclam") if p in processes))
    databases: list[tuple[int, datetime, str, str]] = []  # (preference, built, path, engine)
    for line in out.get("clamav", "").splitlines():
        path, _, rest = line.partition(" ")
        kind, _, value = rest.partition(" ")
        if kind == "cvd" and (built := packages.parse_cvd_header(value)):
            databases.append((0 if "daily" in path else 1, built, path, "ClamAV"))
        elif kind == "local" and value.strip().isdigit():  # an offline network's own signatures: their age is mtime
            databases.append((2, datetime.fromtimestamp(int(value), UTC), path, "ClamAV (local signature database)"))
    if databases:
        best = min(databases, key=lambda d: (d[0], -d[1].timestamp()))
        malware = malware.model_copy(update={"engine": best[3], "signatures_built": best[1], "signature_file": best[2]})

    cron_texts = {**_pick(files, "/etc/crontab"), **_texts(files, "/etc/cron.d/"), **_texts(files, "/var/spool/cron/")}
    cron_lines = [
        Setting(key="cron", value=line, file=path, line=number)
        for path, text in sorted(cron_texts.items())
        for number, line in logical_lines(text or "")
    ]
    cron_lines += [
        Setting(key="cron script", value=name, file="/etc/cron.*/")
        for name in out.get("cron-dirs", "").split()
        if not name.endswith(":") and "/" not in name
    ]
    cron_lines += [
        Setting(key="timer", value=line.strip(), file="systemctl list-timers")
        for line in out.get("timers", "").splitlines()
        if ".timer" in line
    ]
    aide_db = None
    for line in out.get("aide", "").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit() and not parts[0].endswith(".new.gz"):
            aide_db = (parts[0], datetime.fromtimestamp(int(parts[1]), UTC))
            break
    integrity = IntegrityState(
        database=aide_db[0] if aide_db else None,
        database_mtime=aide_db[1] if aide_db else None,
        scheduled=tuple(s.describe() for s in cron_lines if "aide" in s.value.lower()),
    )
    backup_words = (
        "backup",
        "pg_dump",
        "pg_basebackup",
        "mysqldump",
        "mariabackup",
        "xtrabackup",
        "borg",
        "restic",
        "duplicity",
        "rsnapshot",
        "bacula",
        "barman",
        "pgbackrest",
    )
    jobs = tuple(s for s in cron_lines if any(w in s.value.lower() for w in backup_words))
    backups = BackupState(jobs=jobs, looked_in=tuple(f"{d}/{g}" for d, g, _ in backup_evidence.job_targets(jobs)))

    tpm_out = out.get("tpm", "")
    tpm = bool(tpm_out.split()) and "No such file" not in tpm_out and "cannot access" not in tpm_out

    return BaselineFacts(
        collected_at=datetime.fromtimestamp(host_now, UTC),
        os_family=_os_family(release.text if (release := files.get("/etc/os-release")) else None),
        pam_layout=layout,
        files=file_reads,
        sshd=config,
        password_policy=quality,
        lockout=lock,
        su_wheel=wheel.where if wheel else None,
        su_problems=su_stack.problems if su_stack else (),
        login_defs=login_defs,
        accounts=accounts,
        sudoers=parse_sudoers(_texts(files, "/etc/sudoers")) if _pick(files, "/etc/sudoers") else None,
        modes=tuple(modes),
        tmout=tmout,
        tmout_readonly=readonly,
        profile_problems=tuple(profile_problems),
        audit=audit_state,
        mac=mac,
        remote_logs=tuple(targets),
        log_daemon=log_daemon,
        retention=tuple(retention),
        logging_problems=tuple(log_problems + rot_problems),
        time=TimeState(servers=tuple(servers), daemon=time_daemon, synchronized=synced),
        processes=processes,
        installed=installed,
        packages_listed=len(names),
        updates=updates,
        malware=malware,
        integrity=integrity,
        backups=backups,
        tpm=tpm,
        container=container,
        sources=sources,
        observations=tuple(dict.fromkeys(i for ids in sources.values() for i in ids)),
    )


def _updates(output: str, host_now: int) -> UpdateState:
    head, _, rest = output.partition("\n")
    manager = head.strip()
    if manager not in ("apt", "dnf"):
        return UpdateState(error="no apt-get or dnf on the host")
    stamp, _, body = rest.partition("--")
    age = None
    try:
        age = (host_now - float(stamp.strip())) / 86400 if stamp.strip() else None
    except ValueError:
        age = None
    if manager == "apt":
        if "Listing..." not in body:
            return UpdateState(manager=manager, index_age_days=age, error=body.strip()[-200:] or "no output")
        return UpdateState(manager=manager, pending=tuple(packages.parse_apt_upgradable(body)), index_age_days=age)
    plain, _, security = body.partition("--security")
    return UpdateState(
        manager=manager, index_age_days=age, pending=tuple(packages.parse_dnf_check_update(plain, security))
    )


def _attestations(session: Session) -> tuple[tuple[Attestation, ...], list[str]]:
    notes: list[str] = []
    found: list[Attestation] = []
    for unit, path in sorted(session.host.declared.mlps_evidence.items()):
        doc = _attestation(session, path, notes, variable=f"ihcheck_mlps_evidence.{unit}")
        if doc is not None:
            found.append(
                Attestation(unit=unit, path=doc.path, sha256=doc.sha256, size=doc.size, observation=doc.observations[0])
            )
    return tuple(found), notes


SSHD_T = 'PATH="$PATH:/usr/sbin:/sbin" sshd -T 2>&1'
UPDATES_TIMEOUT = 60.0  # the package manager's listing of pending updates, about a second on a large host


def _commands(session: Session) -> tuple[str, str, str, str]:
    marker = session.marker("baseline")
    return files_command(marker), state_command(marker), SSHD_T, UPDATES_COMMAND


def plan(session: Session) -> tuple[Planned, ...]:
    """The four commands, sent ahead in the host's batch: they run in this order, one after another, so
    each gets the same observation id in every run and either engine."""
    files, state, sshd_t, updates = _commands(session)
    return (files, state, sshd_t, (updates, UPDATES_TIMEOUT))


def collect(session: Session) -> BaselineFacts:
    """The four outputs, asked for in the order `plan` gives (when no batch ran them, they run one by one in
    that order); their marker is this run's and this host's (`Session.marker`), known to no host."""
    files, state, sshd_t, updates = _commands(session)
    marker = session.marker("baseline")
    files_obs = session.run(files)
    state_obs = session.run(state)
    sshd_obs = session.run(sshd_t)
    updates_obs = session.run(updates, UPDATES_TIMEOUT)
    if files_obs.exit_status is None:
        raise ProbeError(f"could not read the baseline files: {files_obs.stderr[:200]}")
    sources = {
        "files": (files_obs.id,),
        "state": (state_obs.id,),
        "sshd": (sshd_obs.id, files_obs.id),
        "updates": (updates_obs.id,),
    }
    facts = build_facts(
        files_obs.stdout,
        state_obs.stdout,
        (sshd_obs.exit_status, sshd_obs.stdout, sshd_obs.stderr),
        updates_obs.stdout,
        marker,
        sources,
        files_obs.started_at,
    )
    attestations, notes = _attestations(session)
    facts = _backup_evidence(session, facts, marker)
    return facts.model_copy(update={"attestations": attestations, "notes": facts.notes + tuple(notes)})


def _backup_evidence(session: Session, facts: BaselineFacts, marker: str) -> BaselineFacts:
    """A fifth command, only when there is a job or a declared directory: the newest file each job wrote."""
    declared = session.host.declared.backup_dirs
    targets = backup_evidence.job_targets(facts.backups.jobs)
    if not targets and not declared:
        return facts
    obs = session.run(backup_evidence.command(marker, targets, declared))
    looked = facts.backups.looked_in + tuple(f"{d} (declared)" for d in declared)
    state = facts.backups.model_copy(update={"looked_in": looked,
                                             "artefacts": backup_evidence.parse(obs.stdout, marker, declared)})
    return facts.model_copy(update={"backups": state, "sources": {**facts.sources, "backups": (obs.id,)},
                                    "observations": (*facts.observations, obs.id)})
