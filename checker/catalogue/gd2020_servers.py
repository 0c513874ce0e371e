"""Guangdong 2020 一(二)3, first sentence: at least two servers, database servers apart from application servers."""

from __future__ import annotations

from checker.catalogue.clauses import cite
from checker.catalogue.common import (
    all_hosts,
    blind_verdict,
    machines,
    names,
    names_zh,
    shared_kernels,
    simulated_apart,
    why_blind,
)
from checker.model import Basis, Evidence, Finding, Rule, Said, Severity, Verdict
from probes.facts import DeploymentFacts, HostFacts
from probes.facts.links import host_links
from probes.facts.services import ServiceInstance

SERVERS_READING = Said(
    "服务器是清单中应答的不同机器：以 /etc/machine-id 与 SSH 主机密钥区分，且运行在同一个内核上的主机"
    "（/proc/sys/kernel/random/boot_id 相同：同一台机器上的容器或网络命名空间）只算一台，并在结论中说明；每台主机的"
    "虚拟化类型（systemd-detect-virt）列为证据。符合：至少 2 台不同的机器。不符合：所有应答主机只构成 1 台机器。"
    "无法判定：机器不足 2 台且有主机无法识别。模拟部署可在清单中声明 ihcheck_simulated_separate_servers，使同一内核上的"
    "容器按不同服务器计数：结论注明“模拟，不是观测”，证据记为 simulated。",
    "Servers are the distinct machines of the inventory that answered, told apart by /etc/machine-id and the SSH "
    "host key; hosts on one running kernel (the same /proc/sys/kernel/random/boot_id: containers or network "
    "namespaces of one box) count once, and the finding says so; each host's virtualisation "
    "(systemd-detect-virt) is listed in the evidence. Pass: at least 2 distinct machines. Fail: the hosts that "
    "answered are 1 machine. Inconclusive: fewer than 2 machines and a host could not be identified. A simulated "
    "deployment may declare ihcheck_simulated_separate_servers so that its containers on one kernel count as "
    "separate servers: the finding says \"simulated, not observed\" and the evidence is marked simulated.",
)
SPLIT_READING = Said(
    "某台机器上运行数据库引擎即为数据库服务器，运行应用服务器即为应用服务器（见角色表）；任何一台机器都不得兼任两者，"
    "且两者各至少观测到一台。机器的区分同上一条：运行在同一个内核上的主机（boot_id 相同）是同一台机器，所以同一台机器上"
    "的两个容器不能算作“划分”。模拟部署声明 ihcheck_simulated_separate_servers 时，按声明划分并注明“模拟，不是观测”。"
    "其他主机到另一台主机上数据库引擎的连接列为佐证。符合：两者各在不同机器上观测到，且没有一台机器兼任两者。不符合："
    "数据库与应用服务器运行在同一台机器上（含同一内核上的两个容器）。无法判定：未观测到数据库或应用服务器、角色只能从"
    "端口号推断，或有主机无法观测。",
    "A machine is a database server when a database engine runs on it, an application server when an "
    "application server runs on it (see the role table); no machine may be both, and at least one of each must "
    "be observed. Machines are told apart as for the servers rule: hosts on one running kernel (the same "
    "boot_id) are one machine, so two containers of one box are not a split. Where a simulated deployment "
    "declares ihcheck_simulated_separate_servers, the split follows the declaration and the finding says "
    "\"simulated, not observed\". Connections a host holds open to a database engine on another host are listed "
    "as supporting evidence. Pass: each observed on its own machine, no machine running both. Fail: a database "
    "and an application server run on one machine (two containers on one kernel included). Inconclusive: no "
    "database or no application server observed, roles inferred from port numbers only, or a host that could "
    "not be observed.",
)

SERVERS_ID = "GD2020-1.2.3-servers"
SPLIT_ID = "GD2020-1.2.3-db-app-split"


def _identity_evidence(host: HostFacts) -> Evidence:
    ident = host.identity
    assert ident is not None
    machine = ident.machine_id or "(no machine-id)"
    statement = (f"{host.name} ({host.address}) is machine {machine}, hostname {ident.hostname}, virtualisation "
                 f"{ident.virtualization or 'not reported'}, kernel boot_id {ident.boot_id or 'not reported'}")
    return Evidence(host=host.name, statement=statement, observations=ident.observations)


def _one_machine(hosts: list[HostFacts]) -> Said:
    kernels = {h.identity.boot_id for h in hosts if h.identity is not None}
    ids = {h.identity.machine_id for h in hosts if h.identity is not None}
    if len(ids) > 1 and len(kernels) == 1 and None not in kernels:
        virt = ", ".join(sorted({h.identity.virtualization or "?" for h in hosts if h.identity is not None}))
        boot = next(iter(kernels))
        return Said(f"{names_zh(hosts)} 运行在同一个内核上（boot_id {boot}，虚拟化 {virt}），是同一台机器",
                    f"{names(hosts)} run on one kernel (boot_id {boot}, virtualisation {virt}): one machine")
    return Said(f"{names_zh(hosts)} 是同一台机器", f"{names(hosts)} are one machine")


def judge_servers(facts: DeploymentFacts) -> list[Finding]:
    reachable = facts.reachable()
    grouped = machines(reachable)
    evidence = [_identity_evidence(h) for h in reachable if h.identity is not None]
    blind = [h for h in facts.hosts if not h.reachable or h.identity is None]
    evidence += [Evidence(host=h.name, statement=h.why_missing("identity")) for h in blind]
    shared = [hosts for hosts in grouped.values() if len(hosts) > 1]
    aliases = Said.join(_one_machine(hosts) for hosts in shared)
    simulated, simulated_evidence = simulated_apart(grouped)
    evidence += simulated_evidence
    count = len(grouped)
    details = {"distinct_servers": count, "machines": {k: [h.name for h in v] for k, v in grouped.items()},
               "virtualization": {h.name: h.identity.virtualization for h in reachable if h.identity is not None},
               "simulated_separate": [[h.name for h in group] for group in shared_kernels(grouped)]}
    listed = Said("；".join(names_zh(v) for v in grouped.values()) or "无",
                  ", ".join(names(v) for v in grouped.values()) or "none")
    if count >= 2 and simulated.en:
        verdict = Verdict.PASS
        reason = Said(f"计为 {count} 台不同的服务器（{listed.zh}），其中部分按模拟声明计数；要求至少 2 台",
                      f"{count} distinct servers counted ({listed.en}), some only by a simulated declaration; "
                      "at least 2 required")
    elif count >= 2:
        verdict = Verdict.PASS
        reason = Said(f"观测到 {count} 台不同的服务器（{listed.zh}）；要求至少 2 台",
                      f"{count} distinct servers observed ({listed.en}); at least 2 required")
    elif blind:
        verdict = blind_verdict(blind, "identity")
        why = why_blind(blind, "identity")
        reason = Said(f"仅观测到 {count} 台不同的服务器（{listed.zh}）；无法识别 {names_zh(blind)}：{why.zh}",
                      f"only {count} distinct server(s) observed ({listed.en}); "
                      f"could not identify {names(blind)}: {why.en}")
    else:
        verdict = Verdict.FAIL
        reason = Said(f"仅观测到 {count} 台不同的服务器（{listed.zh}）；要求至少 2 台",
                      f"only {count} distinct server observed ({listed.en}); at least 2 required")
    if shared:
        reason += Said(f"（{aliases.zh}）", f" ({aliases.en})")
    if simulated.en:
        reason += Said(f"；{simulated.zh}", f"; {simulated.en}")
    return [Finding(rule_id=SERVERS_ID, verdict=verdict, hosts=all_hosts(facts), **reason.reason(),
                    evidence=tuple(evidence), details=details)]


def _service_evidence(host: HostFacts, service: ServiceInstance) -> Evidence:
    assert host.services is not None
    return Evidence(host=host.name, statement=f"{host.name}: {service.describe()}",
                    observations=host.services.observations)


def _link_evidence(facts: DeploymentFacts, db_machines: dict[str, list[HostFacts]]) -> list[Evidence]:
    """Connections a host holds open to a database engine on another host: the application really uses a
    separate database server. Supporting evidence only; the verdict rests on where the engines run."""
    db_hosts = {h.name for group in db_machines.values() for h in group}
    found: list[Evidence] = []
    for link in host_links(facts.hosts, via_uplinks=False):
        conn, service = link.connection, link.service
        if link.server.name in db_hosts and service is not None and service.role == "database":
            who = conn.process or "an unnamed process"
            found.append(Evidence(host=link.client.name, observations=link.client.connections.observations
                                  if link.client.connections else (), statement=(
                f"{link.client.name} → {link.server.name}: {conn.count} connection(s) from {who} to {service.label} "
                f"on {conn.peer_address}:{conn.peer_port}")))
    return found


def judge_split(facts: DeploymentFacts) -> list[Finding]:
    hosts = all_hosts(facts)
    seen = [h for h in facts.hosts if h.services is not None]
    blind = [h for h in facts.hosts if h.services is None]
    evidence: list[Evidence] = []
    for host in seen:
        assert host.services is not None
        evidence += [_service_evidence(host, s) for s in host.services.services if s.role != "av"]
        evidence += [Evidence(host=host.name, statement=f"{host.name}: {note}", observations=host.services.observations)
                     for note in host.services.notes]
        if declared := host.declared.role:
            evidence.append(Evidence(host=host.name, basis=Basis.DECLARED,
                                     statement=f"{host.name}: inventory declares role(s) {', '.join(declared)}"))
    evidence += [Evidence(host=h.name, statement=h.why_missing("services")) for h in blind]

    by_machine = machines(seen)
    db_machines: dict[str, list[HostFacts]] = {}
    app_machines: dict[str, list[HostFacts]] = {}
    weak: list[Said] = []
    for key, group in by_machine.items():
        roles = {s.role: s for h in group if h.services for s in h.services.services}
        for h in group:
            assert h.services is not None
            for s in h.services.services:
                if s.role in ("database", "application") and s.matched_by == "port":
                    ports = ", ".join(str(x.port) for x in s.sockets)
                    weak.append(Said(f"{h.name}：{s.label} 在端口 {ports}", f"{h.name}: {s.label} on port {ports}"))
        if "database" in roles:
            db_machines[key] = group
        if "application" in roles:
            app_machines[key] = group
    both = [names(group) for key, group in by_machine.items() if key in db_machines and key in app_machines]
    details = {
        "database_servers": [names(g) for g in db_machines.values()],
        "application_servers": [names(g) for g in app_machines.values()],
        "combined": both,
    }

    def finding(verdict: Verdict, reason: Said) -> list[Finding]:
        return [Finding(rule_id=SPLIT_ID, verdict=verdict, hosts=hosts, **reason.reason(),
                        evidence=tuple(evidence), details=details)]

    if both and not weak:
        return finding(Verdict.FAIL, Said(f"数据库服务器与应用服务器运行在同一台机器上：{'；'.join(both)}",
                                          f"database and application servers run on the same machine: "
                                          f"{'; '.join(both)}"))
    if weak:
        said = Said.join(weak)
        return finding(Verdict.INCONCLUSIVE, Said(
            f"服务器角色只能从端口号推断（{said.zh}）；看不到进程属主，无法确认两者已划分",
            f"server roles could be inferred from port numbers only ({said.en}); process owners were not visible, "
            "so the split cannot be confirmed"))
    missing = [r for r, found in (("database", db_machines), ("application", app_machines)) if not found]
    if missing:
        zh = {"database": "数据库", "application": "应用"}
        none = Said(f"在观测到的 {len(seen)} 台主机上均未发现{'和'.join(zh[m] for m in missing)}服务器",
                    f"no {' and no '.join(missing)} server observed on any of the {len(seen)} observed host(s)")
        if blind:
            why = why_blind(blind, "services")
            return finding(blind_verdict(blind, "services"),
                           none + Said(f"；无法观测 {names_zh(blind)}：{why.zh}",
                                       f"; could not observe {names(blind)}: {why.en}"))
        return finding(Verdict.INCONCLUSIVE, none + Said("；如果它们存在，请加入清单",
                                                         "; if they exist, add them to the inventory"))
    evidence += _link_evidence(facts, db_machines)
    split = Said(f"数据库在 {'；'.join(details['database_servers'])}，"
                 f"应用在 {'；'.join(details['application_servers'])}",
                 f"database on {'; '.join(details['database_servers'])}, "
                 f"application on {'; '.join(details['application_servers'])}")
    if blind:
        why = why_blind(blind, "services")
        return finding(blind_verdict(blind, "services"),
                       split + Said(f"，但无法观测 {names_zh(blind)}（{why.zh}）",
                                    f", but could not observe {names(blind)} ({why.en})"))
    simulated, simulated_evidence = simulated_apart(by_machine)
    evidence += simulated_evidence
    note = Said(f"；{simulated.zh}", f"; {simulated.en}") if simulated.en else Said("", "")
    return finding(Verdict.PASS, split + Said("；没有一台机器同时承担两者", "; no machine runs both") + note)


SERVERS = Rule(
    id=SERVERS_ID,
    title="At least two servers run the internet hospital",
    title_zh="用于互联网医院运行的服务器不少于2套",
    clause=cite("GD2020:1.2.3.1", interpretation=SERVERS_READING),
    severity=Severity.HIGH,
    tags=("hardware", "servers"),
    needs=("identity",),
    judge=judge_servers,
)

DB_APP_SPLIT = Rule(
    id=SPLIT_ID,
    title="Database servers are separate from application servers",
    title_zh="数据库存储服务器与应用系统服务器相互划分",
    clause=cite("GD2020:1.2.3.1", interpretation=SPLIT_READING),
    severity=Severity.HIGH,
    tags=("hardware", "servers"),
    needs=("identity", "services", "connections"),
    judge=judge_split,
)

RULES: tuple[Rule, ...] = (SERVERS, DB_APP_SPLIT)  # the catalogue lists them in this order
