"""§8.1.4.3 安全审计 security audit."""

from __future__ import annotations

from checker.catalogue.mlps_judges.common import (
    MIN_LOG_DAYS,
    Outcome,
    _combine,
    _ev,
    _settings,
    listed,
    setting,
)
from checker.model import Said, Verdict
from probes.facts import HostFacts
from probes.facts.baseline import AuditRules, BaselineFacts, Retention

# --- 安全审计 --------------------------------------------------------------------------------------


def _audit_rules(b: BaselineFacts) -> AuditRules | None:
    return b.audit.loaded if b.audit.loaded is not None and b.audit.loaded.rules else b.audit.written


def audit_enabled(host: HostFacts, b: BaselineFacts) -> Outcome:
    a = b.audit
    rules = _audit_rules(b)
    ev = [
        _ev(
            host,
            b,
            f"auditd {'running' if a.daemon_running else 'not running'}; kernel audit "
            + (f"enabled={a.kernel_enabled}" if a.kernel_enabled is not None else f"unreadable ({a.kernel_error})"),
            "state",
        )
    ]
    if rules is not None:
        ev.append(
            _ev(
                host,
                b,
                f"audit rules ({rules.source}): identity files watched {sorted(rules.watched)}, "
                f"{len(rules.privileged)} privileged-command rule(s)",
                "state",
                "files",
            )
        )
    missing = [
        f for f in ("/etc/passwd", "/etc/shadow", "/etc/group", "/etc/sudoers") if not rules or f not in rules.watched
    ]
    written_ok = rules is not None and not missing and bool(rules.privileged)
    logs = b.log_daemon is not None
    if b.container and a.kernel_enabled is None and written_ok and logs:
        return Outcome(
            Verdict.INCONCLUSIVE,
            Said(
                "审计规则已写入（身份文件和特权命令），但该主机是容器：内核审计属于运行它的机器——"
                f"请在该机器上执行 `auditctl -s` 检查（{a.kernel_error}）",
                "audit rules are written (identity files and privileged commands), but "
                "the host is a container: the kernel audit belongs to the machine that runs it — "
                f"check `auditctl -s` there ({a.kernel_error})",
            ),
            tuple(ev),
            problems=rules.problems if rules else (),
        )
    parts = [
        (
            "kernel",
            a.kernel_enabled in (1, 2) and a.daemon_running,
            Said(
                f"内核审计{'已启用' if a.kernel_enabled in (1, 2) else '未启用'}，auditd "
                f"{'运行中' if a.daemon_running else '未运行'}",
                f"kernel audit {'enabled' if a.kernel_enabled in (1, 2) else 'not enabled'}, auditd "
                f"{'running' if a.daemon_running else 'not running'}",
            ),
        ),
        (
            "rules",
            written_ok,
            Said(
                f"未被监视的身份文件：{listed(missing).zh}；"
                f"特权命令审计规则：{len(rules.privileged) if rules else 0} 条",
                f"identity files not watched: {listed(missing).en}; privileged-command rules: "
                f"{len(rules.privileged) if rules else 0}",
            ),
        ),
        (
            "syslog",
            logs,
            Said(
                f"系统日志守护进程：{b.log_daemon or '未运行'}", f"system log daemon: {b.log_daemon or 'none running'}"
            ),
        ),
    ]
    return _combine(host, b, parts, ev, rules.problems if rules else ())


def audit_records(host: HostFacts, b: BaselineFacts) -> Outcome:
    t = b.time
    ev = [_ev(host, b, f"time source {s.value} ({s.where})", "files") for s in t.servers]
    ev.append(
        _ev(
            host,
            b,
            f"time daemon {t.daemon or 'none running'}; NTPSynchronized "
            f"{'unknown' if t.synchronized is None else 'yes' if t.synchronized else 'no'}",
            "state",
        )
    )
    fmt = b.audit.auditd_conf.get("log_format")
    ev += _settings(host, b, "files", [fmt])
    parts = [
        (
            "time",
            bool(t.servers) and t.daemon is not None and t.synchronized is not False,
            Said(
                f"时间同步源：{'、'.join(s.value for s in t.servers) or '未配置'}；"
                f"时间同步守护进程：{t.daemon or '未运行'}",
                f"time synchronised from {', '.join(s.value for s in t.servers) or 'no configured server'} by "
                f"{t.daemon or 'no running daemon'}",
            ),
        ),
        (
            "records",
            b.log_daemon is not None or b.audit.daemon_running,
            Said("审计记录写入方：", "records written by ")
            + listed(
                (x for x in (b.log_daemon, "auditd" if b.audit.daemon_running else None) if x), Said("无", "nothing")
            ),
        ),
    ]
    if fmt is not None and fmt.value.upper() not in ("RAW", "ENRICHED"):
        parts.append(
            ("format", False, Said(f"auditd 日志格式 log_format {fmt.value}", f"auditd log_format {fmt.value}"))
        )
    return _combine(host, b, parts, ev)


def audit_protection(host: HostFacts, b: BaselineFacts) -> Outcome:
    ev = [
        _ev(host, b, f"remote log target {t.target}/{t.protocol} ({t.file}, line {t.line})"
            + ("" if t.off_host else ": loopback, stays on the host"), "files") for t in b.remote_logs
    ]
    remote = [t for t in b.remote_logs if t.off_host]
    ev += [_ev(host, b, r.describe(), "files") for r in b.retention]
    short = [r for r in b.retention if r.days is not None and r.days < MIN_LOG_DAYS]
    kept = [r for r in b.retention if r.days is None or r.days >= MIN_LOG_DAYS]
    keep = b.audit.auditd_conf.get("max_log_file_action")
    ev += _settings(host, b, "files", [keep])
    modes = [m for m in b.modes if m.path.startswith("/var/log/") and m.mode & 0o007]
    parts = [
        (
            "remote",
            bool(remote),
            Said(
                f"日志转发至主机之外：{listed(f'{t.target}（{t.protocol.upper()}）' for t in remote).zh}",
                "logs forwarded off-host to "
                + (", ".join(f"{t.target} ({t.protocol.upper()})" for t in remote) or "nowhere"),
            ),
        ),
        (
            "retention",
            bool(kept) and not short,
            Said("系统日志保存期限：", "retention of system logs: ")
            + (
                Said.join(_retention(r) for r in b.retention)
                if b.retention
                else Said("未找到 logrotate 策略", "no logrotate policy found")
            )
            + Said(f"（要求至少 {MIN_LOG_DAYS} 天）", f" (at least {MIN_LOG_DAYS} days required)"),
        ),
        (
            "modes",
            not modes,
            Said(
                f"其他用户可读或可写的日志文件：{listed(m.describe() for m in modes).zh}",
                f"log files readable or writable by others: {listed(m.describe() for m in modes).en}",
            ),
        ),
    ]
    return _combine(host, b, parts, ev, b.logging_problems)


def _retention(r: Retention) -> Said:
    """`Retention.describe()` in both languages; the logrotate directives are quoted as written."""
    if r.days is None:
        return Said(f"{r.log}：未找到轮转上限", r.describe())
    kept = Said.join(setting(s) for s in (r.rotate, r.period, r.maxage) if s)
    return Said(f"{r.log}：约 {r.days} 天（{kept.zh}）", r.describe())


def audit_process(host: HostFacts, b: BaselineFacts) -> Outcome:
    """The kernel's own state when it can be read (`auditctl -s`: enabled 2 is immutable); otherwise the rules the
    service loads, as its unit says (augenrules' merge of rules.d, where only the last -e counts, or auditctl -R of
    a file) — never rules.d merely because it has files."""
    written = b.audit.written
    kernel = b.audit.kernel_enabled
    said_rules = written is not None and written.immutable
    immutable = kernel == 2 if kernel is not None else said_rules
    loader = b.audit.loader or "not seen"
    ev = [
        _ev(host, b, f"kernel audit enabled={kernel if kernel is not None else 'unreadable'}; rules loaded by "
            f"{loader}: {'end with -e 2' if said_rules else 'no -e 2'}"
            + (f" ({written.source})" if written is not None else ""), "state", "files")
    ]
    if b.container and kernel is None and said_rules:
        return Outcome(
            Verdict.INCONCLUSIVE,
            Said(
                "审计规则以 -e 2 结尾，但该主机是容器：内核是否将其锁定为不可更改，需在运行它的机器上确认",
                "rules end with -e 2, but the host is a container: whether the "
                "kernel holds them immutable is for the machine that runs it",
            ),
            tuple(ev),
        )
    if not b.audit.daemon_running and kernel is None and written is None:
        return Outcome(
            Verdict.FAIL, Said("没有审计守护进程，也没有审计规则", "no audit daemon and no audit rules"), tuple(ev)
        )
    if kernel is not None and kernel != 2 and said_rules:
        return Outcome(Verdict.FAIL, Said(
            f"加载方式（{loader}）的规则以 -e 2 结尾，但内核审计状态为 enabled={kernel}："
            "规则未锁定（自上次加载后被更改，或未被加载）",
            f"the rules loaded by {loader} end with -e 2, but the kernel audit is at enabled={kernel}: not locked "
            "(changed since they were loaded, or never loaded)"), tuple(ev))
    how = Said(f"（内核 enabled={kernel}）", f" (kernel enabled={kernel})") if kernel is not None else \
        Said(f"（按服务加载方式 {loader}）", f" (as the service loads them: {loader})")
    return Outcome(
        Verdict.PASS if immutable else Verdict.FAIL,
        (Said("审计规则已锁定，重启前不可更改（-e 2）", "audit rules locked against change until reboot (-e 2)")
         if immutable
         else Said(
            "任何 root 进程均可更改或停用审计规则（未设置 -e 2）",
            "audit rules can be changed or disabled by any root process (no -e 2)",
        )) + how,
        tuple(ev),
    )
