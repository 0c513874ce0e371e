"""Guangdong 2020 一(二)5: at least 10 Mbps of business bandwidth, from at least two broadband providers."""

from __future__ import annotations

from typing import Any, Literal

from checker.catalogue.clauses import cite
from checker.catalogue.common import all_hosts
from checker.engine import blindness
from checker.model import Basis, Evidence, Finding, Rule, Said, Severity, Verdict
from probes.facts import DeploymentFacts, HostFacts
from probes.facts.geo import GeoIdentity
from probes.facts.uplinks import METHOD_UNCERTAINTY, Throughput, Uplink

ISPS_ID = "GD2020-1.2.5-isps"
BANDWIDTH_ID = "GD2020-1.2.5-bandwidth"
REQUIRED_MBPS = 10.0

# Carriers that announce under several AS numbers and organisation names; one carrier is one provider.
_CARRIER_GROUPS = (
    ("China Telecom", ("chinanet", "china telecom", "ctgnet", "cn2")),
    ("China Unicom", ("china unicom", "china169", "cnc group", "cncgroup", "unicom")),
    ("China Mobile", ("china mobile", "cmnet", "cmcc", "chinamobile")),
    ("China Broadnet", ("china broadnet", "china cable", "cbnet")),
    ("CERNET", ("cernet", "china education and research")),
)

ISPS_INTERPRETATION = (
    "Providers are the organisations behind the uplinks' egress addresses: each uplink (an interface with a "
    "default route) is left through with an echo request to ihcheck_echo_url and the address it saw is looked "
    "up offline (GeoLite2 ASN data via geoip2fast, or the simulator's identity table, then marked simulated). "
    "Two uplinks are one provider when they share an AS number, an ISP or organisation name, or a carrier group "
    "(China Telecom's AS4134 and AS4812 are one carrier). Pass: at least two providers observed across the "
    "deployment. Fail: every uplink identified and only one provider. Inconclusive: fewer than two providers "
    "while some uplink or host could not be identified."
)
BANDWIDTH_INTERPRETATION = (
    "Read per uplink: every uplink a measured host relies on (every interface with a default route) must carry "
    "at least 10 Mbps in both directions, so that losing either provider still leaves the business 10 Mbps "
    "(the reason the clause asks for two). Each uplink is measured with iperf3 against ihcheck_measure_endpoint, "
    "bound to the uplink's interface, for ihcheck_measure_seconds per direction (upload, then download with -R); "
    "with one endpoint per uplink the uplinks are measured at the same time, an endpoint that cannot carry their "
    "sum making each read low, never high. "
    "The figure is the receiver's steady-state TCP goodput (the least-squares rate of cumulative received data "
    "over time, first interval dropped); its margin is that rate's 95% confidence half-width plus a "
    f"{METHOD_UNCERTAINTY:.0%} method uncertainty (headers, framing and shaper timing between goodput and line "
    "rate, see benchmarks/bandwidth_error.py). A direction passes when figure − margin ≥ 10 Mbps, fails when "
    "figure + margin < 10 Mbps and is inconclusive in between, so a line of exactly 10 Mbps (about 9.6 Mbps of "
    "goodput) is inconclusive, not pass. The path to the endpoint is measured end to end: put the endpoint close "
    "to the hospital. Only hosts with ihcheck_measure_endpoint are measured; if none is, the rule is inconclusive."
)


def carrier_keys(identity: GeoIdentity) -> tuple[str, ...]:
    """Keys under which two identities are the same provider: equal ASN, equal ISP/organisation name, or the
    same carrier group its names fall in (the rule's reading of 两家宽带网络供应商, not a fact of the address).

    >>> carrier_keys(GeoIdentity(address="1.1.1.1", as_org="CHINANET-BACKBONE", asn=4134, source="t"))
    ('asn:4134', 'name:chinanet-backbone', 'group:China Telecom')
    """
    keys = [f"asn:{identity.asn}"] if identity.asn is not None else []
    keys += [f"name:{' '.join(n.casefold().split())}" for n in (identity.isp, identity.as_org) if n]
    keys = list(dict.fromkeys(keys))
    names = " ".join(n.casefold() for n in (identity.isp, identity.as_org) if n)
    keys += [f"group:{group}" for group, needles in _CARRIER_GROUPS if any(n in names for n in needles)]
    return tuple(keys)


def providers(identities: list[GeoIdentity]) -> list[list[GeoIdentity]]:
    """Group identities into providers: any shared key (ASN, name, carrier group) joins two groups."""
    groups: list[tuple[set[str], list[GeoIdentity]]] = []
    for identity in identities:
        keys = set(carrier_keys(identity))
        joined = [g for g in groups if g[0] & keys]
        merged_keys, merged = set(keys), [identity]
        for g in joined:
            merged_keys |= g[0]
            merged += g[1]
            groups.remove(g)
        groups.append((merged_keys, merged))
    return [members for _, members in groups]


def _provider_name(members: list[GeoIdentity]) -> str:
    return members[0].provider() or members[0].address


def _basis(identity: GeoIdentity | None) -> Basis:
    return Basis.SIMULATED if identity is not None and identity.simulated else Basis.OBSERVED


def _uplink_evidence(host: HostFacts, uplink: Uplink) -> Evidence:
    path = uplink.egress
    gw = f" via {', '.join(uplink.gateways)}" if uplink.gateways else ""
    head = f"{host.name} uplink {uplink.interface}{gw}"
    if path is None:
        return Evidence(host=host.name, statement=f"{head}: egress not observed (no ihcheck_echo_url)")
    if path.identity is None:
        return Evidence(host=host.name, statement=f"{head}: {path.error}", observations=path.observations)
    who = path.identity.provider() or "provider unknown"
    return Evidence(host=host.name, basis=_basis(path.identity), observations=path.observations,
                    statement=f"{head}: leaves as {path.identity.describe()}; provider {who}")


def _blind(facts: DeploymentFacts) -> tuple[list[Said], list[Said]]:
    """(why hosts' uplinks are unknown, probe errors)."""
    decided = blindness(facts.hosts, "uplinks")
    return ([], []) if decided is None else (list(decided.why), list(decided.broke))


def judge_isps(facts: DeploymentFacts) -> list[Finding]:
    evidence: list[Evidence] = []
    identified: list[GeoIdentity] = []
    unknown: list[Said] = []
    for host in facts.hosts:
        if host.uplinks is None:
            continue
        evidence += [_uplink_evidence(host, u) for u in host.uplinks.uplinks]
        evidence += [Evidence(host=host.name, statement=f"{host.name}: {n}", observations=host.uplinks.observations)
                     for n in host.uplinks.notes]
        for uplink in host.uplinks.uplinks:
            ident = uplink.egress.identity if uplink.egress else None
            if ident is not None and not ident.private and carrier_keys(ident):
                identified.append(ident)
            else:
                why = (Said(uplink.egress.error, uplink.egress.error) if uplink.egress and uplink.egress.error else
                       Said(f"私有地址 {ident.address}", f"private address {ident.address}")
                       if ident is not None and ident.private else
                       Said("无运营商名称或 AS 号", "no provider name or AS number") if ident is not None else
                       Said("未设置 ihcheck_echo_url", "no ihcheck_echo_url"))
                unknown.append(Said(f"{host.name} {uplink.interface}（{why.zh}）",
                                    f"{host.name} {uplink.interface} ({why.en})"))
    blind, errors = _blind(facts)
    evidence += [Evidence(host=None, statement=b.en) for b in blind]
    groups = providers(identified)
    simulated = any(i.simulated for i in identified)
    tag = Said("（模拟身份）", " (simulated identities)") if simulated else Said("", "")
    names = [_provider_name(g) for g in groups]
    details: dict[str, Any] = {"providers": names, "unidentified_uplinks": [u.en for u in unknown],
                               "simulated": simulated}

    def finding(verdict: Verdict, reason: Said) -> list[Finding]:
        return [Finding(rule_id=ISPS_ID, verdict=verdict, hosts=all_hosts(facts), **reason.reason(),
                        evidence=tuple(evidence), details=details)]

    listed, listed_zh = "; ".join(names), "；".join(names)  # providers' own names, as the lookup gave them
    if len(groups) >= 2:
        return finding(Verdict.PASS, Said(f"观测到 {len(groups)} 家宽带运营商{tag.zh}：{listed_zh}",
                                          f"{len(groups)} broadband providers observed{tag.en}: {listed}"))
    if errors:
        failed = Said.join(errors)
        return finding(Verdict.ERROR, Said(f"观测到 {len(groups)} 家运营商；{failed.zh}",
                                           f"{len(groups)} provider(s) observed; {failed.en}"))
    if len(groups) == 1 and not unknown and not blind:
        return finding(Verdict.FAIL, Said(f"所有上行链路均经同一家运营商出网{tag.zh}：{listed_zh}；要求至少 2 家",
                                          f"every uplink leaves through one provider{tag.en}: {listed}; "
                                          "at least 2 required"))
    missing = Said.join(unknown + blind)
    if not unknown and not blind:
        return finding(Verdict.INCONCLUSIVE, Said("所有主机上均未观测到上行链路（无默认路由）：无法统计运营商",
                                                  "no uplink observed on any host (no default route): cannot count "
                                                  "providers"))
    seen = (Said(f"仅观测到 {listed_zh}{tag.zh}", f"only {listed}{tag.en}") if groups
            else Said("未识别出任何运营商", "no provider identified"))
    return finding(Verdict.INCONCLUSIVE,
                   seen + Said(f"；无法识别：{missing.zh}", f"; could not identify: {missing.en}"))


Band = Literal["above", "below", "borderline", "unmeasured"]


def band(t: Throughput | None) -> Band:
    """Where one direction's figure lies against 10 Mbps, given its margin."""
    if t is None or t.mbps is None or t.margin_mbps is None:
        return "unmeasured"
    if t.mbps - t.margin_mbps >= REQUIRED_MBPS:
        return "above"
    if t.mbps + t.margin_mbps < REQUIRED_MBPS:
        return "below"
    return "borderline"


def _throughput_evidence(host: HostFacts, uplink: Uplink) -> Evidence:
    parts = [t.describe() if t is not None else "not measured" for t in (uplink.upload, uplink.download)]
    bands = {band(uplink.upload), band(uplink.download)}
    state = ("below 10 Mbps" if "below" in bands else "within its margin of 10 Mbps" if "borderline" in bands
             else "not fully measured" if "unmeasured" in bands else "at least 10 Mbps")
    obs = tuple(o for t in (uplink.upload, uplink.download) if t is not None for o in t.observations)
    return Evidence(host=host.name, observations=obs,
                    statement=f"{host.name} uplink {uplink.interface}: {'; '.join(parts)} → {state}")


_DIRECTION_ZH = {"upload": "上传", "download": "下载"}


def _throughput_zh(t: Throughput | None) -> str:
    """`Throughput.describe` in Chinese (None: not measured); iperf3's error as it came."""
    if t is None:
        return "未测量"
    if t.mbps is None or t.margin_mbps is None:
        return f"{_DIRECTION_ZH[t.direction]}：未测量（{t.error or '无结果'}）"
    return f"{_DIRECTION_ZH[t.direction]} {t.mbps:.2f} ± {t.margin_mbps:.2f} Mbps"


def _measured(host: HostFacts) -> bool:
    return bool(host.declared.measure_endpoint)


def judge_bandwidth_host(host: HostFacts) -> Finding:
    hosts = (host.name,)
    facts = host.uplinks
    assert facts is not None  # the engine judges hosts without uplink facts
    evidence = [_throughput_evidence(host, u) for u in facts.uplinks]
    evidence += [Evidence(host=host.name, statement=f"{host.name}: {n}", observations=facts.observations)
                 for n in facts.notes]
    details: dict[str, Any] = {"required_mbps": REQUIRED_MBPS, "measure_endpoints": list(facts.measure_endpoints),
                               "uplinks": {u.interface: {t.direction: {"mbps": t.mbps, "margin_mbps": t.margin_mbps}
                                                         for t in (u.upload, u.download) if t is not None}
                                           for u in facts.uplinks}}
    def finding(verdict: Verdict, reason: Said) -> Finding:
        return Finding(rule_id=BANDWIDTH_ID, verdict=verdict, hosts=hosts, **reason.reason(),
                       evidence=tuple(evidence), details=details)

    if not facts.uplinks:
        return finding(Verdict.INCONCLUSIVE, Said(f"{host.name} 没有可测量的上行链路（无默认路由）",
                                                  f"{host.name} has no uplink (no default route) to measure"))

    def summary(uplinks: list[Uplink]) -> Said:
        return Said.join(Said(f"{u.interface} " + "，".join(_throughput_zh(t) for t in (u.upload, u.download)),
                              f"{u.interface} " + ", ".join(t.describe() if t else "not measured"
                                                            for t in (u.upload, u.download))) for u in uplinks)

    below = [u for u in facts.uplinks if "below" in (band(u.upload), band(u.download))]
    unsure = [u for u in facts.uplinks if u not in below and {band(u.upload), band(u.download)} != {"above"}]
    if below:
        low = summary(below)
        return finding(Verdict.FAIL, Said(f"{host.name}：计入误差范围后，上行链路带宽仍低于 10 Mbps：{low.zh}",
                                          f"{host.name}: uplink below 10 Mbps even allowing for the margin: {low.en}"))
    if unsure:
        open_ = summary(unsure)
        reason = Said(f"{host.name}：无法判定每条上行链路是否达到 10 Mbps：{open_.zh}",
                      f"{host.name}: cannot tell whether every uplink carries 10 Mbps: {open_.en}")
        errors = [t.error for u in unsure for t in (u.upload, u.download) if t is not None and t.error]
        if errors:
            failed = "; ".join(dict.fromkeys(errors))  # iperf3's own words
            reason += Said(f"（测量失败：{failed}）", f" (measurement failed: {failed})")
        return finding(Verdict.INCONCLUSIVE, reason)
    every = summary(list(facts.uplinks))
    return finding(Verdict.PASS, Said(f"{host.name}：每条上行链路双向带宽均不低于 10 Mbps：{every.zh}",
                                      f"{host.name}: every uplink carries at least 10 Mbps both ways: {every.en}"))


ISPS = Rule(
    id=ISPS_ID,
    title="Uplinks from at least two broadband providers",
    title_zh="至少由两家宽带网络供应商提供服务",
    clause=cite("GD2020:1.2.5", interpretation=ISPS_INTERPRETATION),
    severity=Severity.HIGH,
    tags=("network",),
    needs=("uplinks",),
    judge=judge_isps,
)

BANDWIDTH = Rule(
    id=BANDWIDTH_ID,
    title="Every business uplink carries at least 10 Mbps (measured)",
    title_zh="业务使用的每条上行链路带宽不低于10Mbps（实测）",
    clause=cite("GD2020:1.2.5", interpretation=BANDWIDTH_INTERPRETATION),
    severity=Severity.HIGH,
    tags=("network",),
    needs=("uplinks",),
    judge_host=judge_bandwidth_host,
    applies_to=_measured,  # the hosts whose uplinks carry the business declare where to measure
    nobody=Said("没有测量任何主机：请为承载业务上行链路的主机设置 ihcheck_measure_endpoint（医院网络之外的一个 "
                 "`iperf3 -s` 主机:端口）",
                 "no host was measured: set ihcheck_measure_endpoint (an `iperf3 -s` HOST:PORT outside the hospital "
                 "network) for the hosts whose uplinks carry the business"),
)

RULES: tuple[Rule, ...] = (ISPS, BANDWIDTH)  # the catalogue lists them in this order
