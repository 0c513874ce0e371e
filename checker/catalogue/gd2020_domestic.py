"""Guangdong 2020 一(二)3, last sentence: servers holding medical data are not abroad, nor hosted abroad."""

from __future__ import annotations

from checker.catalogue.sources import GD2020
from checker.model import Basis, Clause, Evidence, Finding, Rule, Severity, Verdict
from probes.facts import HostFacts
from probes.facts.egress import EgressFacts, EgressPath

DOMESTIC_ID = "GD2020-1.2.3-domestic"
TEXT_ZH = "存储医疗数据的服务器不得存放在境外，信息系统不得托管在或租赁于境外的服务器。"
TEXT_EN = (
    "Servers storing medical data shall not be located outside the territory, and information systems shall "
    "not be hosted on or leased on servers outside the territory."
)
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


def _label(host: HostFacts) -> str:
    return f"{host.name} (database server: stores medical data)" if _stores_data(host) else host.name


def _path_evidence(host: HostFacts, path: EgressPath) -> Evidence:
    via = f"via {path.interface}" if path.interface else "via the default route"
    if path.identity is None:
        return Evidence(host=host.name, statement=f"{host.name} egress {via}: {path.error or 'no address'}",
                        observations=path.observations)
    basis = Basis.SIMULATED if path.identity.simulated else Basis.OBSERVED
    return Evidence(host=host.name, basis=basis, observations=path.observations,
                    statement=f"{host.name} egress {via}: {path.identity.describe()}")


def _supporting(host: HostFacts, egress: EgressFacts) -> tuple[Evidence, list[str]]:
    """Timezone and NTP, stated for the record; returns the ways they disagree with a mainland location."""
    odd: list[str] = []
    tz = egress.timezone or "unknown"
    if egress.timezone and egress.timezone not in CHINA_TIMEZONES:
        odd.append(f"timezone {egress.timezone}")
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
    support, odd = _supporting(host, egress)
    evidence.append(support)
    evidence += [Evidence(host=host.name, statement=f"{host.name}: {note}") for note in egress.notes]
    located = [p for p in egress.paths if p.identity is not None and p.identity.country and not p.identity.private]
    unplaced = [p for p in egress.paths if p not in located]
    abroad = [p for p in located if p.identity is not None and p.identity.country != MAINLAND]
    simulated = any(p.identity is not None and p.identity.simulated for p in located)
    tag = " (simulated identities)" if simulated else ""
    details = {
        "database_server": _stores_data(host),
        "egress": {p.interface or "default": (p.identity.country if p.identity else None) for p in egress.paths},
        "cloud_region": cloud.model_dump(mode="json", exclude={"observations"}) if cloud else None,
        "timezone": egress.timezone, "ntp_servers": list(egress.ntp_servers), "simulated": simulated,
    }

    def describe(paths: list[EgressPath]) -> str:
        return "; ".join(p.identity.describe() if p.identity else f"{p.interface}: {p.error}" for p in paths)

    def done(verdict: Verdict, reason: str) -> Finding:
        if odd and verdict is Verdict.PASS:
            reason += f" (supporting signals differ: {', '.join(odd)})"
        return Finding(rule_id=DOMESTIC_ID, verdict=verdict, hosts=hosts, reason=reason,
                       evidence=tuple(evidence), details=details)

    if cloud is not None and cloud.country is not None:
        region = f"{cloud.provider} region {cloud.region}"
        if cloud.country != MAINLAND:
            return done(Verdict.FAIL, f"{label} runs in {region}, which is in {cloud.country}: outside the mainland")
        if abroad:
            return done(Verdict.INCONCLUSIVE, f"{label} runs in {region} on the mainland, but leaves through an "
                        f"address abroad{tag} ({describe(abroad)}): check for a proxy or tunnel by hand")
        return done(Verdict.PASS, f"{label} runs in {region}, on the mainland")
    if abroad:
        return done(Verdict.FAIL, f"{label} egress address is outside the mainland{tag}: {describe(abroad)}")
    if located and not unplaced:
        return done(Verdict.PASS, f"{label}: every egress address is on the mainland{tag} ({describe(located)})")
    if located:
        return done(Verdict.INCONCLUSIVE, f"{label}: egress on the mainland{tag} via "
                    f"{', '.join(p.interface or 'default' for p in located)}, but could not place "
                    f"{describe(unplaced)}")
    return done(Verdict.INCONCLUSIVE, _nothing_placed(label, egress, unplaced, cloud is not None))


def _nothing_placed(label: str, egress: EgressFacts, unplaced: list[EgressPath], cloud_unknown: bool) -> str:
    why: list[str] = []
    if egress.echo_url is None:
        why.append("no ihcheck_echo_url is set (point it at an echo service on the internet that returns the "
                   "caller's address)")
    for p in unplaced:
        via = p.interface or "the default route"
        if p.identity is not None and p.identity.private:
            why.append(f"the echo service saw private address {p.identity.address} via {via} (it sits inside the "
                       "hospital's network; use one on the internet)")
        elif p.identity is not None:
            why.append(f"{p.identity.address} via {via} is in no country the lookup knows")
        else:
            why.append(f"echo via {via} failed: {p.error}")
    if cloud_unknown:
        why.append("the cloud region is not in ihcheck's region table")
    elif egress.cloud_metadata_url is None:
        why.append("ihcheck_cloud_metadata_url is not set (on a cloud server, set it to the provider's metadata "
                   "service to read the region)")
    else:
        why += [n for n in egress.notes if "metadata" in n]
    return f"{label}: location not observed: " + "; ".join(why)


DOMESTIC = Rule(
    id=DOMESTIC_ID,
    title="Servers (database servers above all) are located on the Chinese mainland",
    title_zh="服务器（首先是存储医疗数据的数据库服务器）不存放在境外",
    clause=Clause(document=GD2020, ref="一(二)3", text_zh=TEXT_ZH, text_en=TEXT_EN, interpretation=INTERPRETATION),
    severity=Severity.CRITICAL,
    needs=("egress", "services"),
    optional=("services",),  # only to put database servers first and label them
    judge_host=judge_domestic_host,
    order=lambda host: not _stores_data(host),  # database servers first
)
