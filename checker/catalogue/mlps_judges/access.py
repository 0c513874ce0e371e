"""§8.1.4.2 访问控制 access control."""

from __future__ import annotations

from checker.catalogue.mlps_judges.common import (
    ACCOUNTS_UNREAD,
    DISTRIBUTION_ACCOUNTS,
    NONE,
    Outcome,
    _combine,
    _duplicate,
    _ev,
    _settings,
    at_zh,
    listed,
    where,
)
from checker.model import Evidence, Said, Verdict
from probes.facts import HostFacts
from probes.facts.baseline import BaselineFacts, Problem

# --- 访问控制 --------------------------------------------------------------------------------------


def default_accounts(host: HostFacts, b: BaselineFacts) -> Outcome:
    if b.accounts is None or not b.accounts.shadow_read:
        return Outcome(Verdict.INCONCLUSIVE, ACCOUNTS_UNREAD)
    usable = [a.name for a in b.accounts.accounts if a.name in DISTRIBUTION_ACCOUNTS and a.usable]
    root = b.sshd.get("permitrootlogin") if b.sshd else None
    root_value = root.value if root else "unknown"
    able = listed(usable)
    parts = [
        (
            "system",
            not usable,
            Said(
                f"可用口令登录的发行版默认账户——{able.zh}",
                f"distribution accounts able to log in with a password — {able.en}",
            ),
        ),
        (
            "root",
            root_value in ("no", "prohibit-password", "without-password", "forced-commands-only"),
            Said(f"sshd PermitRootLogin {root.value if root else '未知'}", f"sshd PermitRootLogin {root_value}"),
        ),
    ]
    ev = [
        _ev(
            host,
            b,
            "distribution accounts ("
            + ", ".join(sorted(a.name for a in b.accounts.accounts if a.name in DISTRIBUTION_ACCOUNTS))
            + f") usable: {', '.join(usable) or 'none'}",
            "files",
        ),
        *_settings(host, b, "sshd", [root]),
    ]
    return _combine(host, b, parts, ev, b.accounts.problems + (b.sshd.problems if b.sshd else ()))


def superfluous_accounts(host: HostFacts, b: BaselineFacts) -> Outcome:
    if b.accounts is None or not b.accounts.shadow_read:
        return Outcome(Verdict.INCONCLUSIVE, ACCOUNTS_UNREAD)
    accounts = b.accounts.accounts
    shared = {k: v for k, v in b.accounts.duplicates().items() if k != "UID 0"}
    today = int(b.collected_at.timestamp() // 86400)
    expired = [
        a.name
        for a in accounts
        if a.usable
        and a.shadow == "set"
        and a.last_change_days
        and a.max_days
        and a.max_days < 99999
        and a.last_change_days + a.max_days < today
    ]
    login = [a.name for a in accounts if a.login_shell and a.shadow != "locked"]
    ev = [_ev(host, b, f"accounts that can log in: {', '.join(login) or 'none'}", "files")]
    if shared or expired:
        bits = ([Said("共享身份", "shared identities ") + _shared(shared)] if shared else []) + (
            [
                Said(
                    f"口令已过期但账户仍可用：{'、'.join(expired)}",
                    f"passwords expired but accounts still usable: {', '.join(expired)}",
                )
            ]
            if expired
            else []
        )
        return Outcome(Verdict.FAIL, Said.join(bits), tuple(ev), problems=b.accounts.problems)
    who = listed(login, Said("这些账户", "the accounts"))
    return Outcome(
        Verdict.INCONCLUSIVE,
        Said(
            f"无共享 UID，也无口令已过期仍可用的账户；{who.zh}{' ' if login else ''}"
            "是否均为必需且为个人专用，由测评机构确认"
            "（需由测评机构判定／请附账户登记表）",
            f"no shared UID and no expired account still usable; whether each of "
            f"{who.en} is needed and personal is for the assessor to confirm "
            "(needs the assessor / attach the account register)",
        ),
        tuple(ev),
        problems=b.accounts.problems,
    )


def _shared(shared: dict[str, list[str]]) -> Said:
    """Shared identities: the English keeps the dict as it always printed, the Chinese lists each UID's names."""
    return Said("（" + "；".join(_duplicate(k, v).zh for k, v in shared.items()) + "）", f"{shared}")


def least_privilege(host: HostFacts, b: BaselineFacts) -> Outcome:
    ev: list[Evidence] = []
    parts: list[tuple[str, bool, Said]] = []
    problems: list[Problem] = list(b.su_problems)
    if b.sudoers is None:
        parts.append(("sudo", True, Said("未安装 sudo（无 /etc/sudoers）", "sudo not installed (no /etc/sudoers)")))
    else:
        problems += b.sudoers.problems
        wide = [r for r in b.sudoers.rules if r.nopasswd_all and r.who != "root"]
        parts.append(
            (
                "sudo",
                not wide,
                Said("无需口令即授予 ALL 的 sudo 规则——", "sudo rules granting ALL without a password — ")
                + (
                    Said.join(
                        (Said(f"{r.who}（{where(r.file, r.line).zh}）", f"{r.who} ({r.where})") for r in wide),
                        "、",
                        ", ",
                    )
                    if wide
                    else NONE
                ),
            )
        )
        ev += [_ev(host, b, f"sudoers {r.where}: {r.spec}", "files") for r in b.sudoers.rules]
    parts.append(
        (
            "su",
            b.su_wheel is not None,
            Said(
                f"su 仅限 wheel 组：{at_zh(b.su_wheel) if b.su_wheel else '否'}",
                f"su limited to the wheel group: {b.su_wheel or 'no'}",
            ),
        )
    )
    return _combine(host, b, parts, ev, problems)


def file_permissions(host: HostFacts, b: BaselineFacts) -> Outcome:
    limits = {
        "/etc/passwd": 0o644,
        "/etc/group": 0o644,
        "/etc/shadow": 0o640,
        "/etc/gshadow": 0o640,
        "/etc/sudoers": 0o440,
        "/etc/ssh/sshd_config": 0o644,
    }
    seen = {m.path: m for m in b.modes}
    if "/etc/passwd" not in seen:
        return Outcome(Verdict.INCONCLUSIVE, Said("无法读取文件权限（stat）", "file modes could not be read (stat)"))
    bad = [m.describe() for p, limit in limits.items() if (m := seen.get(p)) and (m.mode & ~limit or m.owner != "root")]
    ev = [_ev(host, b, m.describe(), "files") for p in limits if (m := seen.get(p))]
    wider = listed(bad)
    actual = Said(
        f"权限宽于允许值或属主不是 root 的身份与策略文件：{wider.zh}",
        f"identity and policy files wider than allowed or not owned by root: {wider.en}",
    )
    return Outcome(Verdict.FAIL if bad else Verdict.PASS, actual, tuple(ev))


def security_labels(host: HostFacts, b: BaselineFacts) -> Outcome:
    mac = b.mac
    apparmor = {True: "enabled", False: "not enabled", None: "not present"}[mac.apparmor_enabled]
    apparmor_zh = {True: "已启用", False: "未启用", None: "不存在"}[mac.apparmor_enabled]
    enforced = mac.apparmor_enforced
    state = Said(
        f"SELinux {mac.selinux or '不存在'}，AppArmor {apparmor_zh}"
        + (f"，{enforced} 个配置文件处于 enforce 模式" if enforced is not None else ""),
        f"SELinux {mac.selinux or 'not present'}, AppArmor {apparmor}"
        + (f" with {enforced} profile(s) enforced" if enforced is not None else ""),
    )
    ev = [_ev(host, b, state.en, "state")]
    if mac.selinux == "enforcing" or (mac.apparmor_enabled and (mac.apparmor_enforced or 0) > 0):
        return Outcome(
            Verdict.PASS,
            Said("强制访问控制处于强制执行状态：", "mandatory access control enforcing: ") + state,
            tuple(ev),
        )
    if b.container:
        return Outcome(
            Verdict.INCONCLUSIVE,
            Said(
                "该主机是容器：强制访问控制属于运行它的机器（请在该机器上检查 SELinux/AppArmor）",
                "the host is a container: mandatory access control belongs to the "
                "machine that runs it (check SELinux/AppArmor there)",
            ),
            tuple(ev),
        )
    if (
        mac.selinux == "permissive"
        or mac.apparmor_enabled is False
        or (mac.apparmor_enabled and mac.apparmor_enforced == 0)
    ):
        return Outcome(
            Verdict.FAIL,
            Said("强制访问控制未处于强制执行状态：", "mandatory access control not enforcing: ") + state,
            tuple(ev),
        )
    # what the baseline probe leaves unread (its `unavailable`): neither MAC file, or AppArmor's profiles
    unread = (
        "AppArmor 已启用，但无法读取其配置文件（/sys/kernel/security/apparmor）"
        if mac.apparmor_enabled
        else "无法读取 /sys/fs/selinux/enforce 和 /sys/module/apparmor/parameters/enabled"
    )
    return Outcome(
        Verdict.INCONCLUSIVE,
        Said(unread if mac.unavailable else "强制访问控制状态未知", mac.unavailable or "MAC state unknown"),
        tuple(ev),
    )
