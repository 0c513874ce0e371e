"""§8.1.4.4 入侵防范 intrusion prevention."""

from __future__ import annotations

from checker.catalogue.mlps_judges.common import (
    HIGH_RISK_PORTS,
    MAX_INDEX_DAYS,
    UNNECESSARY_PACKAGES,
    Outcome,
    _combine,
    _ev,
    _settings,
    _sshd_unreadable,
    listed,
    sockets_not_observed,
)
from checker.model import Evidence, Said, Verdict
from probes.facts import HostFacts
from probes.facts.baseline import BaselineFacts

# --- 入侵防范 --------------------------------------------------------------------------------------


def minimal_installation(host: HostFacts, b: BaselineFacts) -> Outcome:
    extra = [p for p in b.installed if p in UNNECESSARY_PACKAGES]
    ev = [
        _ev(
            host,
            b,
            f"packages checked for servers' unneeded components ({', '.join(UNNECESSARY_PACKAGES)}): "
            f"installed {', '.join(extra) or 'none'}",
            "state",
        )
    ]
    return Outcome(
        Verdict.FAIL if extra else Verdict.PASS,
        Said("已安装的不需要的组件：", "unneeded packages installed: ")
        + listed(extra, Said("无（所列软件包均未安装）", "none of the listed ones")),
        tuple(ev),
    )


def high_risk_ports(host: HostFacts, b: BaselineFacts) -> Outcome:
    if host.services is None:
        return Outcome(Verdict.INCONCLUSIVE, sockets_not_observed(host))
    exposed = [
        f"{HIGH_RISK_PORTS[(s.protocol, s.port)]} {s.address}:{s.port}/{s.protocol}"
        + (f" ({s.process})" if s.process else "")
        for s in host.services.sockets
        if (s.protocol, s.port) in HIGH_RISK_PORTS and not s.address.startswith(("127.", "::1"))
    ]
    ev = [
        Evidence(
            host=host.name,
            observations=host.services.observations,
            statement=f"{host.name}: {len(host.services.sockets)} listening socket(s); high-risk beyond loopback: "
            f"{', '.join(exposed) or 'none'}",
        )
    ]
    return Outcome(
        Verdict.FAIL if exposed else Verdict.PASS,
        Said("在环回地址之外开放的高危端口：", "high-risk ports exposed beyond loopback: ") + listed(exposed),
        tuple(ev),
    )


def management_restricted(host: HostFacts, b: BaselineFacts) -> Outcome:
    cfg = b.sshd
    if cfg is None or not cfg.settings:
        return _sshd_unreadable(cfg)
    listen = cfg.get("listenaddress")
    allow = [s for s in (cfg.get("allowusers"), cfg.get("allowgroups")) if s is not None]
    restricted: list[Said] = []
    if listen is not None and not any(listen.value.startswith(w) for w in ("0.0.0.0", "[::]", "::")):
        restricted.append(Said(f"sshd 仅监听 {listen.value}", f"sshd listens only on {listen.value}"))
    restricted += [Said(f"{s.key} {s.value}", f"{s.key} {s.value}") for s in allow if "@" in s.value]
    restricted += [Said(m, m) for m in cfg.match_blocks if "Address" in m]
    ev = _settings(host, b, "sshd", [listen, *allow])
    if restricted:
        return Outcome(
            Verdict.PASS,
            Said("管理访问已受限：", "management access limited: ") + Said.join(restricted),
            tuple(ev),
            problems=cfg.problems,
        )
    return Outcome(
        Verdict.FAIL,
        Said(
            "sshd 接受来自任何地址的管理员登录（无 ListenAddress、AllowUsers USER@NETWORK 或 Match Address 限制）",
            "sshd accepts administrators from any address (no ListenAddress, AllowUsers "
            "USER@NETWORK or Match Address restriction)",
        ),
        tuple(ev),
        problems=cfg.problems,
    )


def vulnerabilities_patched(host: HostFacts, b: BaselineFacts) -> Outcome:
    u = b.updates
    if u.manager is None or u.error:
        # the probe's own sentence when the host has neither manager; otherwise the host's output, quoted
        error = {None: "无软件包管理器", "no apt-get or dnf on the host": "主机上没有 apt-get 或 dnf"}.get(
            u.error, u.error
        )
        return Outcome(
            Verdict.INCONCLUSIVE,
            Said(
                f"无法列出待安装的更新：{error}",
                f"pending updates could not be listed: {u.error or 'no package manager'}",
            ),
        )
    security = [p for p in u.pending if p.security]
    age = f"{u.index_age_days:.1f}" if u.index_age_days is not None else "unknown"
    age_zh = f"{age} 天" if u.index_age_days is not None else "未知天数"
    ev = [
        _ev(
            host,
            b,
            f"{u.manager}: {len(u.pending)} update(s) pending, {len(security)} from security "
            f"repositories ({', '.join(p.name for p in security[:20])}); package index {age} day(s) old",
            "updates",
        )
    ]
    if security:
        return Outcome(
            Verdict.FAIL,
            Said(f"有 {len(security)} 个安全更新待安装：", f"{len(security)} security update(s) pending: ")
            + listed(f"{p.name} {p.version}" for p in security[:10]),
            tuple(ev),
        )
    if u.index_age_days is None or u.index_age_days > MAX_INDEX_DAYS:
        return Outcome(
            Verdict.INCONCLUSIVE,
            Said(
                f"没有待安装的安全更新，但软件包索引距上次更新已 {age_zh}（超过 {MAX_INDEX_DAYS} 天）："
                "请刷新索引（apt-get update / dnf makecache）后重新检查",
                f"no security update pending, but the package index is {age} day(s) old "
                f"(more than {MAX_INDEX_DAYS}): refresh it (apt-get update / dnf makecache) and check again",
            ),
            tuple(ev),
        )
    return Outcome(
        Verdict.PASS,
        Said(
            f"没有待安装的安全更新（软件包索引距上次更新 {age_zh}；另有 {len(u.pending)} 个其他更新）",
            f"no security update pending (index {age} day(s) old; {len(u.pending)} other update(s))",
        ),
        tuple(ev),
    )


def intrusion_detection(host: HostFacts, b: BaselineFacts) -> Outcome:
    i = b.integrity
    ev = [
        _ev(
            host,
            b,
            f"AIDE database {i.database or 'absent'}"
            + (f" (written {i.database_mtime:%Y-%m-%d})" if i.database_mtime else "")
            + f"; scheduled checks: {'; '.join(i.scheduled) or 'none'}",
            "state",
            "files",
        )
    ]
    parts = [
        (
            "db",
            i.database is not None,
            Said(
                f"文件完整性数据库 {i.database}" if i.database else "文件完整性数据库未初始化",
                f"file-integrity database {i.database or 'not initialised'}",
            ),
        ),
        (
            "schedule",
            bool(i.scheduled),
            Said(
                "已安排定期检查" if i.scheduled else "未安排定期检查",
                f"periodic check {'scheduled' if i.scheduled else 'not scheduled'}",
            ),
        ),
    ]
    return _combine(host, b, parts, ev)
