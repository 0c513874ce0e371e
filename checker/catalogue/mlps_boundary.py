"""GB/T 22239-2019 §8.1.3 安全区域边界 as far as a host can show it: a database engine listens only on the
internal network, never on the host's outside-facing interfaces.

The MLPS host baseline (checker/catalogue/mlps.py) is §8.1.4 安全计算环境 only; the boundary itself is the
network's (firewalls, gateways), which no host shows. What a host does show is where its own services
listen: a database reachable on an interface that leads out of the hospital's network does not rely on the
boundary's controlled interface (受控接口) at all. This rule reads that one fact, and says it is a part of
8.1.3.1 a), not the item.
"""

from __future__ import annotations

import ipaddress

from checker.catalogue.clauses import cite
from checker.catalogue.mlps import SCOPE_DETAILS
from checker.model import Evidence, Finding, Rule, Said, Severity, Status, Verdict
from probes.facts import HostFacts
from probes.facts.services import ListeningSocket

RULE_ID = "GD2020-1.2.1-boundary-db-listen"
WILDCARDS = frozenset({"0.0.0.0", "::", "*", "[::]"})

READING = Said(
    "本条只判定主机能显示的部分：数据库引擎（角色表中角色为 database 的服务）的监听地址。主机的对外接口是带默认路由的"
    "接口（上行链路，uplinks 探针）；数据库在其中任一接口的地址上监听，或在通配地址（0.0.0.0、::）上监听而主机有对外"
    "接口，即不符合：访问它的数据流不必经过边界设备的受控接口。只在回环地址和内网地址上监听即符合；没有对外接口的主机"
    "上的数据库也符合。看不到监听套接字、或对外接口的地址未知，则无法判定。边界防火墙本身属于网络设备，主机无法显示，"
    "本条的符合不等于 8.1.3.1 a) 的符合，更不等于等保三级测评通过。",
    "This rule judges only the part a host can show: where its database engines (services the role table gives "
    "the role database) listen. A host's outside-facing interfaces are those with a default route (its uplinks, "
    "from the uplinks probe). A database listening on an address of any of them, or on a wildcard address "
    "(0.0.0.0, ::) on a host that has one, fails: the data flows reaching it need not pass the boundary's "
    "controlled interface. Listening only on loopback and internal addresses passes; so does a database on a "
    "host without an outside-facing interface. No listening socket seen, or an outside-facing interface whose "
    "addresses are unknown, is inconclusive. The boundary firewall itself is network equipment no host shows: "
    "a pass here is not a pass of 8.1.3.1 a), still less an MLPS level 3 assessment.",
)


def _bare(address: str) -> str:
    return address.strip("[]").split("%", 1)[0]


def _outside(host: HostFacts) -> tuple[dict[str, str], list[str]]:
    """The host's outside-facing addresses (address → interface), and the uplinks whose addresses are unknown."""
    assert host.uplinks is not None
    found: dict[str, str] = {}
    unknown: list[str] = []
    for uplink in host.uplinks.uplinks:
        if not uplink.addresses:
            unknown.append(uplink.interface)
        for address in uplink.addresses:
            found[_bare(address.split("/", 1)[0])] = uplink.interface
    return found, unknown


def _scope(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unparsed"
    return "public" if ip.is_global else "private"


def _exposed(sock: ListeningSocket, outside: dict[str, str]) -> list[str]:
    """The outside-facing addresses a socket answers on, as `address (interface, scope)`."""
    address = _bare(sock.address)
    if address in WILDCARDS:
        family_v6 = sock.address in ("::", "[::]")
        hits = [a for a in outside if family_v6 or ":" not in a]
    else:
        hits = [address] if address in outside else []
    return [f"{a} ({outside[a]}, {_scope(a)})" for a in hits]


def judge_db_listen(host: HostFacts) -> Finding:
    assert host.services is not None and host.uplinks is not None
    engines = host.services.of_role("database")
    outside, unknown = _outside(host)
    evidence = [Evidence(host=host.name, statement=f"{host.name}: {s.describe()}",
                         observations=host.services.observations) for s in engines]
    evidence += [Evidence(host=host.name, statement=f"{host.name}: outside-facing {iface} has {a}",
                          observations=host.uplinks.observations) for a, iface in outside.items()]
    if not outside and not unknown:
        evidence.append(Evidence(host=host.name, statement=f"{host.name}: no interface with a default route",
                                 observations=host.uplinks.observations))

    def finding(verdict: Verdict, said: Said) -> Finding:
        return Finding(rule_id=RULE_ID, verdict=verdict, hosts=(host.name,), **said.reason(), evidence=tuple(evidence),
                       details={"outside_addresses": sorted(outside), "uplinks_without_address": unknown})

    if not engines:
        return finding(Verdict.INCONCLUSIVE, Said(f"{host.name} 声明为数据库服务器，但未观测到数据库引擎",
                                                  f"{host.name} is declared a database server but no database "
                                                  "engine was observed"))
    silent = [s.label for s in engines if not s.sockets]
    exposed: list[Said] = []
    for engine in engines:
        for sock in engine.sockets:
            hits = _exposed(sock, outside)
            if hits:
                where = f"{sock.address}:{sock.port}/{sock.protocol}"
                exposed.append(Said(f"{engine.label} 在 {where} 监听，对外接口 {', '.join(hits)} 可达",
                                    f"{engine.label} listens on {where}, answering on outside-facing "
                                    f"{', '.join(hits)}"))
    if exposed:
        return finding(Verdict.FAIL, Said(f"{host.name}：", f"{host.name}: ") + Said.join(exposed))
    wild = [s for e in engines for s in e.sockets if _bare(s.address) in WILDCARDS]
    if unknown and wild:
        return finding(Verdict.INCONCLUSIVE, Said(
            f"{host.name}：数据库在通配地址上监听，而对外接口 {', '.join(unknown)} 的地址未知",
            f"{host.name}: a database listens on a wildcard address and the addresses of outside-facing "
            f"{', '.join(unknown)} are unknown"))
    if silent:
        return finding(Verdict.INCONCLUSIVE, Said(f"{host.name}：未看到 {', '.join(silent)} 的监听套接字",
                                                  f"{host.name}: no listening socket seen for {', '.join(silent)}"))
    where = ", ".join(sorted({f"{s.address}:{s.port}" for e in engines for s in e.sockets}))
    return finding(Verdict.PASS, Said(f"{host.name}：数据库只在 {where} 监听，不在对外接口上"
                                      "（主机只能显示边界防护的这一部分）",
                                      f"{host.name}: databases listen only on {where}, not on an outside-facing "
                                      "interface (the part of boundary protection a host can show)"))


def _database_host(host: HostFacts) -> bool:
    """A host the services probe could not see is in scope (inconclusive, never silently left out)."""
    if "database" in (host.declared.role or ()) or host.services is None:
        return True
    return bool(host.services.of_role("database"))


DB_LISTEN = Rule(
    id=RULE_ID,
    title="8.1.3.1 a) Boundary protection: database engines do not listen on outside-facing interfaces (the "
          "host's part)",
    title_zh="8.1.3.1 a) 边界防护：数据库不在对外接口上监听（主机可显示的部分）",
    clause=cite("GD2020:1.2.1", interpretation=READING),
    standard=cite("GB/T 22239-2019:8.1.3.1a", interpretation=READING),
    severity=Severity.HIGH,
    tags=("mlps", "boundary"),
    finding_details=SCOPE_DETAILS,
    needs=("services", "uplinks"),
    judge_host=judge_db_listen,
    applies_to=_database_host,
    nobody=Said("未观测到数据库服务器：没有可判定的数据库监听地址",
                "no database server observed: no database listening address to judge"),
    since="2026.12",
    status=Status.PREVIEW,
)

RULES: tuple[Rule, ...] = (DB_LISTEN,)
