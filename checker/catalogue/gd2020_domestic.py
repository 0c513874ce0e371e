"""Guangdong 2020 一(二)3, last sentence: servers holding medical data are not abroad, nor hosted abroad."""

from __future__ import annotations

from checker.catalogue.clauses import cite
from checker.catalogue.geo_said import identity_said
from checker.model import Basis, Evidence, Finding, Rule, Said, Severity, Verdict
from probes.facts import HostFacts
from probes.facts.egress import EgressFacts, EgressPath

DOMESTIC_ID = "GD2020-1.2.3-domestic"
MAINLAND = "CN"
CHINA_TIMEZONES = frozenset({"Asia/Shanghai", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin",
                             "Asia/Urumqi", "Asia/Kashgar", "PRC"})
_NTP_HINTS = (".cn", "aliyun", "tencent", "huaweicloud", "ntsc", "cn.pool.ntp.org")

INTERPRETATION = (
    "境外 is read as outside the Chinese mainland: Hong Kong, Macao and Taiwan count as 境外 for this rule, so a "
    "server placed there fails. Every server of the inventory is judged, and the database servers (which store "
    "the medical data) are named as such. A host is placed by the strongest signal available: the cloud "
    "provider's instance-metadata region, when the user enables it with ihcheck_cloud_metadata_url, says where "
    "the machine runs; otherwise each uplink's egress address (the address an echo service at ihcheck_echo_url "
    "saw, looked up offline in GeoLite2 country/ASN data, or in the simulator's identity table, and then marked "
    "simulated) gives the country. Pass: the metadata region is on the mainland, or every egress address is. "
    "Fail: the metadata region, or any egress address, is abroad. Inconclusive: nothing placed the host (no "
    "echo URL, echo failed, a private address), an uplink could not be placed, or the metadata region is on "
    "the mainland while an egress address is abroad (a proxy or tunnel: check by hand). Timezone and NTP "
    "servers are shown as supporting signals and never decide."
)


def _stores_data(host: HostFacts) -> bool:
    return host.services is not None and "database" in host.services.roles()


def _label(host: HostFacts) -> Said:
    if _stores_data(host):
        return Said(f"{host.name}（数据库服务器：存储医疗数据）", f"{host.name} (database server: stores medical data)")
    return Said(host.name, host.name)


def _subject(label: Said) -> str:
    """The Chinese label before Chinese words: a space after a Latin host name, none after a full-width bracket."""
    return label.zh if label.zh.endswith("）") else f"{label.zh} "


def _path_evidence(host: HostFacts, path: EgressPath) -> Evidence:
    via = f"via {path.interface}" if path.interface else "via the default route"
    if path.identity is None:
        return Evidence(host=host.name, statement=f"{host.name} egress {via}: {path.error or 'no address'}",
                        observations=path.observations)
    basis = Basis.SIMULATED if path.identity.simulated else Basis.OBSERVED
    return Evidence(host=host.name, basis=basis, observations=path.observations,
                    statement=f"{host.name} egress {via}: {path.identity.describe()}")


def _supporting(host: HostFacts, egress: EgressFacts) -> tuple[Evidence, list[Said]]:
    """Timezone and NTP, stated for the record; returns the ways they disagree with a mainland location."""
    odd: list[Said] = []
    tz = egress.timezone or "unknown"
    if egress.timezone and egress.timezone not in CHINA_TIMEZONES:
        odd.append(Said(f"时区 {egress.timezone}", f"timezone {egress.timezone}"))
    servers = ", ".join(egress.ntp_servers) or "none configured"
    domestic_ntp = [s for s in egress.ntp_servers if any(h in s.casefold() for h in _NTP_HINTS)]
    statement = (f"{host.name} supporting signals (not deciding): timezone {tz}; NTP servers {servers}"
                 + (f" ({len(domestic_ntp)} look domestic)" if domestic_ntp else ""))
    return Evidence(host=host.name, statement=statement, observations=egress.supporting_observations), odd


def judge_domestic_host(host: HostFacts) -> Finding:
    hosts = (host.name,)
    label = _label(host)
    egress = host.egress
    assert egress is not None  # the engine judges hosts without egress facts
    evidence = [_path_evidence(host, p) for p in egress.paths]
    cloud = egress.cloud
    if cloud is not None:
        where = cloud.country or "an unknown territory (region not in ihcheck's table)"
        evidence.append(Evidence(host=host.name, observations=cloud.observations,
                                 statement=f"{host.name} cloud metadata at {cloud.url}: {cloud.provider} region "
                                 f"{cloud.region}, in {where}"))
    support, odd_said = _supporting(host, egress)
    odd, odd_zh = [o.en for o in odd_said], [o.zh for o in odd_said]
    evidence.append(support)
    evidence += [Evidence(host=host.name, statement=f"{host.name}: {note}") for note in egress.notes]
    located = [p for p in egress.paths if p.identity is not None and p.identity.country and not p.identity.private]
    unplaced = [p for p in egress.paths if p not in located]
    abroad = [p for p in located if p.identity is not None and p.identity.country != MAINLAND]
    simulated = any(p.identity is not None and p.identity.simulated for p in located)
    tag = Said("（模拟身份）", " (simulated identities)") if simulated else Said("", "")
    details = {
        "database_server": _stores_data(host),
        "egress": {p.interface or "default": (p.identity.country if p.identity else None) for p in egress.paths},
        "cloud_region": cloud.model_dump(mode="json", exclude={"observations"}) if cloud else None,
        "timezone": egress.timezone, "ntp_servers": list(egress.ntp_servers), "simulated": simulated,
    }

    def describe(paths: list[EgressPath]) -> Said:
        return Said.join(identity_said(p.identity) if p.identity else Said(f"{p.interface}：{p.error}",
                                                                            f"{p.interface}: {p.error}")
                         for p in paths)

    def done(verdict: Verdict, reason: Said) -> Finding:
        if odd and verdict is Verdict.PASS:
            reason += Said(f"（辅助信号不一致：{'，'.join(odd_zh)}）",
                           f" (supporting signals differ: {', '.join(odd)})")
        return Finding(rule_id=DOMESTIC_ID, verdict=verdict, hosts=hosts, **reason.reason(),
                       evidence=tuple(evidence), details=details)

    subject = _subject(label)
    if cloud is not None and cloud.country is not None:
        region = f"{cloud.provider} region {cloud.region}"
        region_zh = f"{cloud.provider} 区域 {cloud.region}"
        if cloud.country != MAINLAND:
            return done(Verdict.FAIL, Said(f"{subject}运行在 {region_zh}，该区域位于 {cloud.country}：境外",
                                           f"{label.en} runs in {region}, which is in {cloud.country}: "
                                           "outside the mainland"))
        if abroad:
            away = describe(abroad)
            return done(Verdict.INCONCLUSIVE, Said(
                f"{subject}运行在境内的 {region_zh}，但经境外地址出网{tag.zh}（{away.zh}）："
                "请人工核查是否存在代理或隧道",
                f"{label.en} runs in {region} on the mainland, but leaves through an address abroad{tag.en} "
                f"({away.en}): check for a proxy or tunnel by hand"))
        return done(Verdict.PASS, Said(f"{subject}运行在 {region_zh}，位于境内",
                                       f"{label.en} runs in {region}, on the mainland"))
    if abroad:
        away = describe(abroad)
        return done(Verdict.FAIL, Said(f"{subject}的出口地址位于境外{tag.zh}：{away.zh}",
                                       f"{label.en} egress address is outside the mainland{tag.en}: {away.en}"))
    if located and not unplaced:
        here = describe(located)
        return done(Verdict.PASS, Said(f"{label.zh}：所有出口地址均位于境内{tag.zh}（{here.zh}）",
                                       f"{label.en}: every egress address is on the mainland{tag.en} ({here.en})"))
    if located:
        via = ", ".join(p.interface or "default" for p in located)
        rest = describe(unplaced)
        return done(Verdict.INCONCLUSIVE, Said(
            f"{label.zh}：经 {via} 的出口位于境内{tag.zh}，但无法确定 {rest.zh} 的位置",
            f"{label.en}: egress on the mainland{tag.en} via {via}, but could not place {rest.en}"))
    return done(Verdict.INCONCLUSIVE, _nothing_placed(label, egress, unplaced, cloud is not None))


def _nothing_placed(label: Said, egress: EgressFacts, unplaced: list[EgressPath], cloud_unknown: bool) -> Said:
    why: list[Said] = []
    if egress.echo_url is None:
        why.append(Said("未设置 ihcheck_echo_url（请将其指向互联网上一个返回调用方地址的回显服务）",
                        "no ihcheck_echo_url is set (point it at an echo service on the internet that returns the "
                        "caller's address)"))
    for p in unplaced:
        via = p.interface or "the default route"
        via_zh = p.interface or "默认路由"
        if p.identity is not None and p.identity.private:
            why.append(Said(f"回显服务经 {via_zh} 看到的是私有地址 {p.identity.address}（该服务位于医院网络内部；"
                            "请使用互联网上的回显服务）",
                            f"the echo service saw private address {p.identity.address} via {via} (it sits inside "
                            "the hospital's network; use one on the internet)"))
        elif p.identity is not None:
            why.append(Said(f"经 {via_zh} 的 {p.identity.address} 不属于地址库已知的任何国家或地区",
                            f"{p.identity.address} via {via} is in no country the lookup knows"))
        else:
            why.append(Said(f"经 {via_zh} 的回显请求失败：{p.error}", f"echo via {via} failed: {p.error}"))
    if cloud_unknown:
        why.append(Said("云区域不在 ihcheck 的区域表中", "the cloud region is not in ihcheck's region table"))
    elif egress.cloud_metadata_url is None:
        why.append(Said("未设置 ihcheck_cloud_metadata_url（如为云服务器，请将其设为云服务商的元数据服务以读取区域）",
                        "ihcheck_cloud_metadata_url is not set (on a cloud server, set it to the provider's metadata "
                        "service to read the region)"))
    else:
        why += [Said(n, n) for n in egress.notes if "metadata" in n]  # the probe's own words, quoted as they came
    said = Said.join(why)
    return Said(f"{label.zh}：未观测到所在位置：{said.zh}", f"{label.en}: location not observed: {said.en}")


DOMESTIC = Rule(
    id=DOMESTIC_ID,
    title="Servers (database servers above all) are located on the Chinese mainland",
    title_zh="服务器（首先是存储医疗数据的数据库服务器）不存放在境外",
    clause=cite("GD2020:1.2.3.3", interpretation=INTERPRETATION),
    severity=Severity.CRITICAL,
    tags=("hardware", "location"),
    needs=("egress", "services"),
    optional=("services",),  # only to put database servers first and label them
    judge_host=judge_domestic_host,
    order=lambda host: not _stores_data(host),  # database servers first
)

RULES: tuple[Rule, ...] = (DOMESTIC,)  # the catalogue lists them in this order
