"""§8.1.4.1 身份鉴别 identification and authentication."""

from __future__ import annotations

from checker.catalogue.mlps_judges.common import (
    CLEARTEXT_ADMIN,
    MAX_DENY,
    MAX_IDLE_SECONDS,
    MAX_PASSWORD_DAYS,
    MIN_CLASSES,
    MIN_PASSWORD_LENGTH,
    MIN_UNLOCK_SECONDS,
    Outcome,
    _combine,
    _duplicate,
    _ev,
    _listening,
    _settings,
    _sshd_unreadable,
    at_zh,
    listed,
    sockets_not_observed,
    weak_algorithm,
)
from checker.model import Evidence, Said, Verdict
from probes.facts import HostFacts
from probes.facts.baseline import BaselineFacts, Problem, as_int

# --- 身份鉴别 --------------------------------------------------------------------------------------


def identity_authentication(host: HostFacts, b: BaselineFacts) -> Outcome:
    ev: list[Evidence] = []
    parts: list[tuple[str, bool, Said]] = []
    problems: list[Problem] = []
    accounts = b.accounts
    if accounts is None or not accounts.shadow_read:
        return Outcome(
            Verdict.INCONCLUSIVE,
            Said(
                "无法读取 /etc/passwd 或 /etc/shadow 摘要（探针需要 root 权限才能看到哪些口令为空）",
                "/etc/passwd or the /etc/shadow summary could not be read "
                "(the probe needs root to see which passwords are empty)",
            ),
            problems=tuple(accounts.problems if accounts else ()),
        )
    problems += accounts.problems
    empty = [a.name for a in accounts.accounts if a.shadow == "empty"]
    uid0 = [a.name for a in accounts.uid0()]
    dupes = accounts.duplicates()
    nobody = listed(empty)
    parts.append(
        (
            "empty",
            not empty,
            Said(
                f"完全没有口令的账户（字段为空）——{nobody.zh}",
                f"accounts with no password at all (empty field) — {nobody.en}",
            ),
        )
    )
    held = listed(uid0)
    parts.append(
        (
            "uid0",
            len(uid0) == 1 and not dupes,
            Said(f"UID 0：{held.zh}", f"UID 0: {held.en}")
            + (
                Said("；重复：", "; duplicated ") + Said.join(_duplicate(k, v) for k, v in dupes.items())
                if dupes
                else Said("；用户名和 UID 均唯一", "; names and UIDs unique")
            ),
        )
    )
    ev.append(
        _ev(
            host,
            b,
            f"/etc/passwd: {len(accounts.accounts)} accounts; UID 0: {', '.join(uid0)}; "
            f"accounts with an empty field in /etc/shadow (its summary, no hash read) — {', '.join(empty) or 'none'}",
            "files",
        )
    )
    q = b.password_policy
    problems += q.problems
    # unset, the modules' own defaults apply: pam_pwquality 8 (pwquality.conf(5)), pam_cracklib 9 (pam_cracklib(8))
    length = as_int(q.minlen.value) if q.minlen else {"pam_pwquality.so": 8, "pam_cracklib.so": 9}.get(q.module or "")
    if q.module is None:
        parts.append(
            (
                "quality",
                False,
                Said(
                    "PAM password 栈中没有 pam_pwquality/pam_cracklib",
                    "no pam_pwquality/pam_cracklib in the password stack",
                ),
            )
        )
    else:
        ok = (length or 0) >= MIN_PASSWORD_LENGTH and q.required_classes >= MIN_CLASSES
        parts.append(
            (
                "quality",
                ok,
                Said(
                    f"{q.module}（{at_zh(q.where or '')}）：minlen {length}{'' if q.minlen else '（模块默认值）'}，"
                    f"要求 {q.required_classes} 类字符",
                    f"{q.module} at {q.where}: minlen {length}{'' if q.minlen else ' (module default)'}, "
                    f"{q.required_classes} character class(es) required",
                ),
            )
        )
        ev += _settings(host, b, "files", [q.minlen, q.minclass, *q.credits.values()])
    defs = b.login_defs
    max_days = None
    if defs is not None:
        problems += defs.problems
        setting = defs.get("PASS_MAX_DAYS")
        max_days = as_int(setting.value) if setting else None
        ev += _settings(host, b, "files", [setting])
    usable = [a for a in accounts.accounts if a.usable and a.shadow == "set"]
    stale = [a.name for a in usable if a.max_days is not None and a.max_days > MAX_PASSWORD_DAYS]
    parts.append(
        (
            "expiry",
            max_days is not None and max_days <= MAX_PASSWORD_DAYS and not stale,
            Said(
                f"login.defs PASS_MAX_DAYS {max_days if max_days is not None else '未设置'}"
                + (f"；口令最长使用期限更长的账户：{'、'.join(stale)}" if stale else ""),
                f"login.defs PASS_MAX_DAYS {max_days if max_days is not None else 'unset'}"
                + (f"; accounts with a longer maximum: {', '.join(stale)}" if stale else ""),
            ),
        )
    )
    return _combine(host, b, parts, ev, problems)


def login_failure(host: HostFacts, b: BaselineFacts) -> Outcome:
    lo = b.lockout
    ev: list[Evidence] = []
    parts: list[tuple[str, bool, Said]] = []
    if lo.module is None:
        parts.append(
            (
                "lockout",
                False,
                Said(
                    "登录认证栈中没有 pam_faillock/pam_tally2：未限制非法登录次数",
                    "no pam_faillock/pam_tally2 in the login stack: failed logins are not limited",
                ),
            )
        )
    else:
        deny = as_int(lo.deny.value) if lo.deny else None
        unlock = as_int(lo.unlock_time.value) if lo.unlock_time else None
        ok = (
            deny is not None
            and 0 < deny <= MAX_DENY
            and unlock is not None
            and (unlock == 0 or unlock >= MIN_UNLOCK_SECONDS)
        )
        at = Said("、".join(at_zh(w) for w in lo.where), ", ".join(lo.where))
        parts.append(
            (
                "lockout",
                ok,
                Said(
                    f"{lo.module}（{at.zh}）：deny {deny}，unlock_time {unlock}",
                    f"{lo.module} ({at.en}): deny {deny}, unlock_time {unlock}",
                ),
            )
        )
        ev += _settings(host, b, "files", [lo.deny, lo.unlock_time])
    t = b.tmout
    seconds = as_int(t.value) if t else None
    parts.append(
        (
            "timeout",
            seconds is not None and 0 < seconds <= MAX_IDLE_SECONDS,
            Said(
                f"shell TMOUT {seconds if seconds is not None else '未设置'}"
                + ("（0 表示不超时）" if seconds == 0 else "") + ("（只读）" if b.tmout_readonly else ""),
                f"shell TMOUT {seconds if seconds is not None else 'unset'}"
                + (" (0: no timeout)" if seconds == 0 else "") + (" (read-only)" if b.tmout_readonly else ""),
            ),
        )
    )
    ev += _settings(host, b, "files", [t])
    if b.sshd is not None:
        interval, count = b.sshd.get("clientaliveinterval"), b.sshd.get("clientalivecountmax")
        ev += _settings(host, b, "sshd", [interval, count, b.sshd.get("maxauthtries")])
    return _combine(host, b, parts, ev, [*lo.problems, *b.profile_problems])


def remote_admin_encrypted(host: HostFacts, b: BaselineFacts) -> Outcome:
    if host.services is None:
        return Outcome(Verdict.INCONCLUSIVE, sockets_not_observed(host))
    ev: list[Evidence] = []
    parts: list[tuple[str, bool, Said]] = []
    clear = _listening(host, [("tcp", p) for p in CLEARTEXT_ADMIN], beyond_loopback=False)
    found = listed(clear)
    parts.append(
        (
            "cleartext",
            not clear,
            Said(f"监听中的明文远程管理服务：{found.zh}", f"cleartext remote administration listening: {found.en}"),
        )
    )
    ev.append(
        Evidence(
            host=host.name,
            statement=f"{host.name}: listening sockets checked for telnet/rsh/rlogin/rexec/ftp: "
            f"{', '.join(clear) or 'none'}",
            observations=host.services.observations,
        )
    )
    cfg = b.sshd
    if cfg is None or not cfg.settings:
        return _sshd_unreadable(cfg)
    else:
        weak: list[str] = []
        for key in ("ciphers", "macs", "kexalgorithms"):
            setting = cfg.get(key)
            if setting is not None:
                weak += [f"{key} {alg}" for alg in setting.value.split(",") if weak_algorithm(key, alg)]
                ev.append(_ev(host, b, setting.describe(), "sshd"))
        protocol = cfg.get("protocol")
        if protocol is not None and "1" in protocol.value.split(","):
            weak.append(f"Protocol {protocol.value}")
        weak = list(dict.fromkeys(weak))
        algorithms = listed(weak)
        parts.append(
            (
                "ssh",
                not weak,
                Said(
                    f"sshd（{cfg.source}）弱算法：{algorithms.zh}",
                    f"sshd ({cfg.source}) weak algorithms: {algorithms.en}",
                ),
            )
        )
    return _combine(host, b, parts, ev, cfg.problems if cfg else ())


def two_factor(host: HostFacts, b: BaselineFacts) -> Outcome:
    cfg = b.sshd
    if cfg is None or not cfg.settings:
        return _sshd_unreadable(cfg)
    methods = cfg.get("authenticationmethods")
    value = methods.value if methods else "any"
    two = value != "any" and all("," in alternative for alternative in value.split())
    ev = _settings(host, b, "sshd", [methods, cfg.get("passwordauthentication"), cfg.get("pubkeyauthentication")])
    actual = (
        Said(
            f"sshd AuthenticationMethods {value}：每次登录都需要两种鉴别方式",
            f"sshd AuthenticationMethods {value}: every login needs two methods",
        )
        if two
        else Said(
            f"sshd AuthenticationMethods {value}：仅用一种鉴别方式即可登录",
            f"sshd AuthenticationMethods {value}: a single method suffices",
        )
    )
    return Outcome(Verdict.PASS if two else Verdict.FAIL, actual, tuple(ev), problems=cfg.problems)
