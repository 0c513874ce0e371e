"""Guangdong 2020 一(二)3, last sentence, second half: 信息系统不得托管在或租赁于境外的服务器 — for every system a host
depends on, not only the inventory's hosts (GD2020-1.2.3-domestic places those)."""

from __future__ import annotations

from checker.catalogue.clauses import cite
from checker.catalogue.gd2020_domestic import MAINLAND
from checker.catalogue.geo_said import identity_said
from checker.model import Basis, Evidence, Finding, Rule, Said, Severity, Status, Verdict
from probes.facts import HostFacts
from probes.facts.dependencies import Dependency

RULE_ID = "GD2020-1.2.3-offshore"
KIND: dict[str, Said] = {
    "av-endpoint": Said("音视频端点", "A/V endpoint"), "platform": Said("监管平台", "platform"),
    "exchange-peer": Said("数据交换对端", "exchange peer"), "dns": Said("DNS 服务器", "DNS server"),
    "ntp": Said("NTP 服务器", "NTP server"), "backup": Said("备份目标", "backup target"),
    "outbound": Said("外连", "outbound connection"),
}

READING = Said(
    "不仅清单中的主机：主机所依赖的每个系统——声明的音视频端点（含厂商云）、监管平台、HIS/PACS/LIS、FHIR/HL7 对端，"
    "主机配置中的 DNS、NTP 服务器和备份任务的远程目标（只读 /etc/resolv.conf、chrony/ntpd/timesyncd 配置与 "
    "crontab），以及套接字表中已建立的外连"
    "对端——都以离线地址库（geoip2fast，或模拟器的身份表）定位，并注明来源。境外指中国大陆以外（含港澳台）。"
    "符合：每个依赖都位于境内，或是私有/环回地址（部署内部）。不符合：任一依赖位于境外。无法判定：有依赖无法解析或"
    "地址库无法定位，或某个来源无法读取。",
    "Not only the inventory's hosts: every system a host depends on — the declared A/V endpoints (vendor clouds),"
    " the platform, the HIS/PACS/LIS and FHIR/HL7 peers, the DNS and NTP servers of the host's configuration and "
    "the backup jobs' remote targets (read-only: /etc/resolv.conf, chrony/ntpd/timesyncd configuration, crontabs)"
    " and the peers of established outbound connections in the socket table — is placed by the offline geo data "
    "(geoip2fast, or the simulator's identity table), its source named. Abroad means outside the Chinese mainland"
    " (Hong Kong, Macao and Taiwan included). Pass: every dependency is on the mainland or at a private/loopback "
    "address (inside the deployment). Fail: any dependency is abroad. Inconclusive: a dependency could not be "
    "resolved or placed by the data, or a source could not be read.",
)


def _what(dep: Dependency) -> Said:
    kind = KIND[dep.kind]
    return Said(f"{kind.zh} {dep.name}（{dep.target}，来源 {dep.source}）",
                f"{kind.en} {dep.name} ({dep.target}, from {dep.source})")


def _place(dep: Dependency) -> Said:
    if dep.identity is None:
        return Said(f"未定位：{dep.error}", f"not placed: {dep.error}")
    if dep.identity.private:
        return identity_said(dep.identity) + Said("：部署内部", ": inside the deployment")
    return identity_said(dep.identity)


def _evidence(host: HostFacts, dep: Dependency) -> Evidence:
    simulated = dep.identity is not None and dep.identity.simulated
    basis = Basis.SIMULATED if simulated else Basis.DECLARED if dep.basis == "declared" else Basis.OBSERVED
    said = _what(dep) + Said(" → ", " → ") + _place(dep)
    return Evidence(host=host.name, basis=basis, statement=f"{host.name}: {said.en}", observations=dep.observations)


def judge_offshore(host: HostFacts) -> Finding:
    facts = host.dependencies
    assert facts is not None
    deps = facts.dependencies
    abroad = [d for d in deps if d.identity is not None and not d.identity.private and d.identity.country
              and d.identity.country != MAINLAND]
    unplaced = [d for d in deps if d.identity is None or (not d.identity.private and not d.identity.country)]
    inside = [d for d in deps if d.identity is not None and d.identity.private]
    evidence = tuple([_evidence(host, d) for d in deps]
                     + [Evidence(host=host.name, statement=f"{host.name}: {n}") for n in facts.notes])
    details = {"dependencies": [{"kind": d.kind, "name": d.name, "target": d.target, "source": d.source,
                                 "address": d.address, "country": d.identity.country if d.identity else None,
                                 "private": bool(d.identity and d.identity.private),
                                 "simulated": bool(d.identity and d.identity.simulated)} for d in deps]}

    def done(verdict: Verdict, said: Said) -> Finding:
        return Finding(rule_id=RULE_ID, verdict=verdict, hosts=(host.name,), **said.reason(), evidence=evidence,
                       details=details)

    if abroad:
        return done(Verdict.FAIL, Said(f"{host.name} 依赖境外系统：", f"{host.name} depends on systems abroad: ")
                    + Said.join(_what(d) + Said(" → ", " → ") + _place(d) for d in abroad))
    blind = [Said(n, n) for n in facts.notes]
    if unplaced or blind:
        return done(Verdict.INCONCLUSIVE, Said(f"{host.name}：", f"{host.name}: ") + Said.join(
            [_what(d) + Said(" → ", " → ") + _place(d) for d in unplaced] + blind))
    count = Said(f"{len(deps)} 个依赖均在境内（其中 {len(inside)} 个为部署内部地址）",
                 f"all {len(deps)} dependencies are on the mainland ({len(inside)} of them inside the deployment)")
    return done(Verdict.PASS, Said(f"{host.name}：", f"{host.name}: ") + count)


OFFSHORE = Rule(
    id=RULE_ID,
    title="No system the hosts depend on (A/V clouds, platform, peers, DNS, NTP, outbound peers) is abroad",
    title_zh="信息系统不得托管在或租赁于境外的服务器：主机所依赖的系统（音视频云、平台、对端、DNS、NTP、外连）均在境内",
    clause=cite("GD2020:1.2.3.3", interpretation=READING),
    severity=Severity.CRITICAL,
    tags=("location", "network"),
    needs=("dependencies",),
    judge_host=judge_offshore,
    since="2026.12",
    status=Status.PREVIEW,
)

RULES: tuple[Rule, ...] = (OFFSHORE,)
