"""GB/T 22239-2019 §8.1.3.2 访问控制 and §8.1.2.1 d) as far as a host shows them: its own packet filter denies by
default, and its management ports (SSH, database, BMC) answer only the declared management networks.

Both items are the network's (boundary firewalls, isolated zones), which no host shows; what a host does show is
its own input filter and which of its management listeners the outside can reach. A pass here is the host's part
of the item, never the item, and never an MLPS level 3 assessment (the findings say so). The management networks
are declared (`ihcheck_management_networks`): the rule reports them as declared; what it observes is where each
listener is bound and what the packet filter lets in.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from checker.catalogue.clauses import cite
from checker.catalogue.mlps import SCOPE_DETAILS
from checker.model import Basis, Evidence, Finding, Rule, Said, Severity, Status, Verdict
from probes.facts import HostFacts
from probes.facts.firewall import FilterRule, FirewallFacts, InputChain
from probes.facts.services import ListeningSocket

FIREWALL_ID = "GD2020-1.2.1-boundary-host-firewall"
MANAGEMENT_ID = "GD2020-1.2.1-boundary-mgmt-ports"
WILDCARDS = frozenset({"0.0.0.0", "::", "*", ""})
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

FIREWALL_READING = Said(
    "本条只判定主机能显示的部分：主机自身的包过滤（nftables，无 nft 时 iptables）对进入流量是否默认拒绝。IPv4 的"
    "输入链策略为 drop，或链末有无条件的 drop/reject，即符合，并列出放行的规则（协议、端口、来源）；没有输入链、"
    "或策略为 accept 且无兜底拒绝（全部放行），即不符合。读不到规则集（非 root、工具缺失）则无法判定并说明原因。"
    "IPv6 的过滤（nft 或 ip6tables-save 可读时）写入说明而不作判定。边界防火墙本身属于网络设备，主机无法显示："
    "本条的符合不等于 8.1.3.2 a)、c) 的符合，更不等于等保三级测评通过。",
    "This rule judges only the part a host can show: whether its own packet filter (nftables, or iptables where nft "
    "is absent) refuses incoming traffic by default. An IPv4 input chain with policy drop, or ending in an "
    "unconditional drop/reject, passes, and the rules it lets traffic in by (protocol, ports, sources) are listed; "
    "no input chain, or policy accept with no final deny (everything let in), fails. A ruleset that cannot be read "
    "(not root, tool missing) is inconclusive with the reason. IPv6 filtering (where nft or ip6tables-save can be "
    "read) is reported, not judged. The boundary firewall itself is network equipment no host shows: a pass here is "
    "not a pass of 8.1.3.2 a) and c), still less an MLPS level 3 assessment.",
)

MANAGEMENT_READING = Said(
    "本条只判定主机能显示的部分：管理端口——SSH（sshd 或 22/tcp）、数据库引擎（角色表中的 database）和 BMC（IPMI "
    "623/udp）——的监听套接字，是否只能从声明的管理网络（ihcheck_management_networks，声明而非观测）到达。只在回环"
    "地址、或在管理网络内的地址上监听，即受限；在通配地址或其他地址上监听的，看主机包过滤：默认拒绝且只对管理网络内"
    "的来源放行该端口，即受限。任一管理端口对管理网络以外的来源开放（无过滤、全部放行、或放行规则的来源超出管理网络），"
    "即不符合。未声明管理网络、或需要包过滤而读不到，则无法判定。属于 8.1.2.1 d) 的技术隔离和 8.1.3.2 c) 按源地址、"
    "目的端口放行中主机能显示的部分，不等于这两项的符合。",
    "This rule judges only the part a host can show: whether its management ports — SSH (sshd, or 22/tcp), database "
    "engines (role database in the role table) and the BMC (IPMI 623/udp) — can be reached only from the declared "
    "management networks (ihcheck_management_networks: declared, not observed). A listener on loopback, or on an "
    "address inside a management network, is contained; one on a wildcard or another address is contained when the "
    "host's packet filter denies by default and lets that port in only from sources inside the management networks. "
    "Any management port open to a source outside them (no filter, everything let in, or an accept rule whose "
    "sources reach beyond them) fails. No management network declared, or a packet filter needed and not readable, "
    "is inconclusive. It is the part a host shows of 8.1.2.1 d) (technical isolation) and 8.1.3.2 c) (allowing by "
    "source address and destination port), not a pass of either.",
)


def _ipv4(facts: FirewallFacts) -> list[InputChain]:
    return [c for c in facts.chains if c.covers_ipv4]


def _allowed(chains: Iterable[InputChain]) -> list[str]:
    """The accept rules of the chains that deny by default, as a person reads them."""
    return list(dict.fromkeys(r.describe() for c in chains if c.denies_by_default for r in c.rules
                              if r.verdict == "accept"))


def judge_host_firewall(host: HostFacts) -> Finding:
    facts = host.firewall
    assert facts is not None
    evidence = [Evidence(host=host.name, statement=f"{host.name}: {c.describe()}", observations=facts.observations)
                for c in facts.chains]
    ipv4 = _ipv4(facts)
    deny = [c for c in ipv4 if c.denies_by_default]
    allowed = _allowed(deny)
    v6 = [c for c in facts.chains if c.family in ("ip6", "inet")]
    details = {"tool": facts.tool, "allowed": allowed, "ipv6_seen": facts.ipv6_seen,
               "ipv6_denies_by_default": any(c.denies_by_default for c in v6) if facts.ipv6_seen else None}

    def finding(verdict: Verdict, said: Said) -> Finding:
        return Finding(rule_id=FIREWALL_ID, verdict=verdict, hosts=(host.name,), **said.reason(),
                       evidence=tuple(evidence), details=details)

    if not facts.readable:
        return finding(Verdict.INCONCLUSIVE, Said(f"{host.name}：读不到包过滤规则（{facts.reason}）",
                                                  f"{host.name}: the packet filter could not be read ({facts.reason})"))
    if not ipv4:
        return finding(Verdict.FAIL, Said(f"{host.name}：没有 IPv4 输入过滤链，任何来源都可到达所有端口",
                                          f"{host.name}: no IPv4 input filter chain: every port is open to every "
                                          "source"))
    if not deny:
        names = ", ".join(f"{c.table}/{c.name}" for c in ipv4)
        return finding(Verdict.FAIL, Said(f"{host.name}：输入链 {names} 策略为 accept 且无兜底拒绝，"
                                          "未放行的流量也被接受",
                                          f"{host.name}: input chain {names} has policy accept and no final deny: "
                                          "traffic no rule allows is let in too"))
    if not facts.ipv6_seen:
        v6_said = Said("（只看到 IPv4）", " (IPv4 only seen)")
    elif details["ipv6_denies_by_default"]:
        v6_said = Said("；IPv6 同样默认拒绝", "; IPv6 is denied by default too")
    else:
        v6_said = Said("；IPv6 未见默认拒绝的输入链（未判定）",
                       "; no IPv6 input chain denying by default seen (not judged)")
    chain = deny[0]
    how = f"policy {chain.policy}" if chain.policy == "drop" else "a final drop/reject"
    let_in = "; ".join(allowed) or "nothing"
    return finding(Verdict.PASS, Said(f"{host.name}：输入链 {chain.table}/{chain.name} 默认拒绝（{how}），"
                                      f"放行：{let_in}",
                                      f"{host.name}: input chain {chain.table}/{chain.name} denies by default ({how}); "
                                      f"let in: {let_in}") + v6_said)


@dataclass(frozen=True)
class _Port:
    kind: str  # ssh, database, bmc
    label: str
    sock: ListeningSocket

    @property
    def where(self) -> str:
        return f"{self.sock.address}:{self.sock.port}/{self.sock.protocol}"


def _management(host: HostFacts) -> list[_Port]:
    assert host.services is not None
    found: dict[tuple[str, str, int], _Port] = {}
    for engine in host.services.of_role("database"):
        for sock in engine.sockets:
            found.setdefault((sock.protocol, sock.address, sock.port), _Port("database", engine.label, sock))
    for sock in host.services.sockets:
        if sock.process == "sshd" or (sock.protocol == "tcp" and sock.port == 22):
            found.setdefault((sock.protocol, sock.address, sock.port), _Port("ssh", sock.process or "ssh", sock))
        elif sock.protocol == "udp" and sock.port == 623:
            found.setdefault((sock.protocol, sock.address, sock.port), _Port("bmc", sock.process or "ipmi", sock))
    return list(found.values())


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def _inside(source: str, networks: tuple[Network, ...]) -> bool:
    """A source (address, prefix or a-b range) lies wholly inside one of the management networks."""
    ends = source.split("-", 1) if "-" in source and "/" not in source else [source]
    for end in ends:
        try:
            net = ipaddress.ip_network(end, strict=False)
        except ValueError:
            return False
        if not any(net.version == m.version and net.subnet_of(m) for m in networks):  # type: ignore[arg-type]
            return False
    return True


def _admits(rule: FilterRule, port: _Port) -> bool:
    """The rule can let a new connection to this port in (interface lo and reply-only rules cannot)."""
    if rule.interface == "lo" or (rule.states and not set(rule.states) - {"established", "related", "invalid"}):
        return False
    if rule.protocol not in (None, port.sock.protocol, "all"):
        return False
    return rule.covers(port.sock.port)


def _open_from(chain: InputChain, port: _Port) -> list[str]:
    """The sources one chain lets a new connection to `port` in from ('any' for every source)."""
    sources: list[str] = []
    for rule in chain.rules:
        if rule.verdict == "accept" and _admits(rule, port):
            sources += list(rule.sources) or ["any"]
        elif rule.verdict != "accept" and not rule.sources and not rule.interface and not rule.states \
                and not rule.unread and rule.protocol in (None, port.sock.protocol) and rule.covers(port.sock.port):
            return sources  # every later rule is out of reach for this port
    return sources if chain.policy == "drop" else [*sources, "any"]


def _families(port: _Port) -> tuple[str, ...]:
    """The address families a listener answers: an IPv6 wildcard takes IPv4 too (dual stack, the default)."""
    address = port.sock.address.strip("[]")
    if address in ("::", "*", ""):
        return ("ipv4", "ipv6")
    return ("ipv6",) if ":" in address else ("ipv4",)


def _outside_sources(facts: FirewallFacts, port: _Port, networks: tuple[Network, ...]) -> list[str] | None:
    """The sources outside the management networks that every input chain of the listener's families lets reach
    `port`; None when its IPv6 side cannot be judged (the IPv6 filter was not seen)."""
    outside: list[str] = []
    for family in _families(port):
        if family == "ipv6" and not facts.ipv6_seen:
            return None
        chains = _ipv4(facts) if family == "ipv4" else [c for c in facts.chains if c.family in ("ip6", "inet")]
        if not chains:
            outside.append("any")
            continue
        per_chain = [[s for s in _open_from(c, port) if s == "any" or not _inside(s, networks)] for c in chains]
        if all(per_chain):
            outside += per_chain[0]
    return list(dict.fromkeys(outside))


def judge_management_ports(host: HostFacts) -> Finding:
    assert host.services is not None and host.firewall is not None
    networks = host.declared.management_networks
    ports = _management(host)
    evidence = [Evidence(host=host.name, statement=f"{host.name}: {p.kind} {p.label} listens on {p.where}",
                         observations=host.services.observations) for p in ports]
    evidence += [Evidence(host=host.name, basis=Basis.DECLARED,
                          statement=f"{host.name}: management network {n} (ihcheck_management_networks)")
                 for n in networks]
    evidence += [Evidence(host=host.name, statement=f"{host.name}: {c.describe()}",
                          observations=host.firewall.observations) for c in host.firewall.chains]
    contained: list[Said] = []
    exposed: list[Said] = []
    unknown: list[Said] = []
    for port in ports:
        address = _address(port.sock.address)
        bound_any = port.sock.address.strip("[]") in WILDCARDS or address is None or address.is_unspecified
        if address is not None and address.is_loopback:
            contained.append(Said(f"{port.label} {port.where} 只在回环地址", f"{port.label} {port.where} on loopback"))
            continue
        if not networks:
            unknown.append(Said(f"{port.label} {port.where}", f"{port.label} {port.where}"))
            continue
        if not bound_any and _inside(str(address), networks):
            contained.append(Said(f"{port.label} {port.where} 在管理网络内的地址上",
                                  f"{port.label} {port.where} bound inside a management network"))
            continue
        if not host.firewall.readable:
            unknown.append(Said(f"{port.label} {port.where}（包过滤不可读）",
                                f"{port.label} {port.where} (packet filter not readable)"))
            continue
        outside = _outside_sources(host.firewall, port, networks)
        if outside is None:
            unknown.append(Said(f"{port.label} {port.where}（IPv6 包过滤不可见）",
                                f"{port.label} {port.where} (the IPv6 packet filter was not seen)"))
        elif outside:
            shown = ", ".join(dict.fromkeys(outside))
            shown_zh = "、".join("任意来源" if s == "any" else s for s in dict.fromkeys(outside))
            exposed.append(Said(f"{port.label} {port.where} 对管理网络以外的来源开放（{shown_zh}）",
                                f"{port.label} {port.where} is open to sources outside the management networks "
                                f"({shown})"))
        else:
            contained.append(Said(f"{port.label} {port.where} 由包过滤限于管理网络",
                                  f"{port.label} {port.where} let in by the packet filter from the management "
                                  "networks only"))
    details = {"management_networks": [str(n) for n in networks],
               "listeners": [f"{p.kind} {p.label} {p.where}" for p in ports]}

    def finding(verdict: Verdict, said: Said) -> Finding:
        return Finding(rule_id=MANAGEMENT_ID, verdict=verdict, hosts=(host.name,), **said.reason(),
                       evidence=tuple(evidence), details=details)

    if exposed:
        return finding(Verdict.FAIL, Said(f"{host.name}：", f"{host.name}: ") + Said.join(exposed))
    if unknown and not networks:
        return finding(Verdict.INCONCLUSIVE, Said(
            f"{host.name}：未声明管理网络（ihcheck_management_networks），无法判断管理端口是否对外开放：",
            f"{host.name}: no management network declared (ihcheck_management_networks), so whether these "
            "management ports are open to the outside cannot be told: ") + Said.join(unknown, "、", ", "))
    if unknown:
        return finding(Verdict.INCONCLUSIVE, Said(f"{host.name}：", f"{host.name}: ") + Said.join(unknown))
    if not ports:
        return finding(Verdict.INCONCLUSIVE, Said(f"{host.name}：套接字表中没有看到 SSH、数据库或 BMC 的监听",
                                                  f"{host.name}: no SSH, database or BMC listener seen in the "
                                                  "socket table"))
    return finding(Verdict.PASS, Said(f"{host.name}：管理端口只对管理网络开放：", f"{host.name}: management ports "
                                      "reachable from the management networks only: ") + Said.join(contained))


HOST_FIREWALL = Rule(
    id=FIREWALL_ID,
    title="8.1.3.2 a)、8.1.3.2 c) Access control: the host's own packet filter denies incoming traffic by default "
          "(the host's part)",
    title_zh="8.1.3.2 a)、8.1.3.2 c) 访问控制：主机自身包过滤默认拒绝进入流量（主机可显示的部分）",
    clause=cite("GD2020:1.2.1", interpretation=FIREWALL_READING),
    standard=cite("GB/T 22239-2019:8.1.3.2a", "GB/T 22239-2019:8.1.3.2c", interpretation=FIREWALL_READING),
    severity=Severity.HIGH,
    tags=("mlps", "boundary"),
    finding_details=SCOPE_DETAILS,
    needs=("firewall",),
    judge_host=judge_host_firewall,
    since="2026.12",
    status=Status.PREVIEW,
)

MANAGEMENT_PORTS = Rule(
    id=MANAGEMENT_ID,
    title="8.1.2.1 d)、8.1.3.2 c) Management ports (SSH, database, BMC) reachable only from the management "
          "networks (the host's part)",
    title_zh="8.1.2.1 d)、8.1.3.2 c) 管理端口（SSH、数据库、BMC）只对管理网络开放（主机可显示的部分）",
    clause=cite("GD2020:1.2.1", interpretation=MANAGEMENT_READING),
    standard=cite("GB/T 22239-2019:8.1.2.1d", "GB/T 22239-2019:8.1.3.2c", interpretation=MANAGEMENT_READING),
    severity=Severity.HIGH,
    tags=("mlps", "boundary"),
    finding_details=SCOPE_DETAILS,
    needs=("services", "firewall"),
    judge_host=judge_management_ports,
    blind_hint=Said("声明 ihcheck_management_networks，并以 root 登录以读取包过滤规则",
                    "declare ihcheck_management_networks, and log in as root so the packet filter can be read"),
    since="2026.12",
    status=Status.PREVIEW,
)

RULES: tuple[Rule, ...] = (HOST_FIREWALL, MANAGEMENT_PORTS)
