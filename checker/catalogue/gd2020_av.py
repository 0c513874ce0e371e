"""Guangdong 2020 一(二)4: at least two audio/video communication systems for internet services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from checker.catalogue.clauses import cite
from checker.catalogue.common import all_hosts
from checker.engine import blindness
from checker.model import Basis, Evidence, Finding, Rule, Said, Severity, Verdict
from probes.facts import DeploymentFacts, HostFacts
from probes.facts.av import AvSystem

AV_ID = "GD2020-1.2.4-av-systems"
AV_INTERPRETATION = (
    "An A/V system is an A/V service of the role table found running on an inventory host (STUN/TURN, "
    "SIP server, WebRTC gateway, media server) or an endpoint declared in ihcheck_av_endpoints. It counts "
    "only when proven alive by a protocol exchange from the checker: a STUN Binding success with our "
    "transaction id and an XOR-MAPPED-ADDRESS, a SIP response to OPTIONS with our Call-ID and CSeq, or a "
    "Janus server_info answer. Two systems count as two only on distinct machines (told apart by "
    "/etc/machine-id; a declared endpoint by its address, unless it is an inventory host's address). A "
    "service that listens but does not answer is not proven alive: the check is then inconclusive, since "
    "a firewall between checker and host looks the same as a dead server; an endpoint that refuses the "
    "connection or answers in another protocol is not an A/V system. Fail: fewer than two distinct "
    "machines proven, and nothing unproven or unobserved could make up the difference."
)

Status = Literal["alive", "unknown", "dead"]
REACH_HINT_ZH = "请允许检查端访问这些端口，或在能够访问的机器上运行 ihcheck；厂商系统请在 ihcheck_av_endpoints 中声明"
REACH_HINT = ("allow the checker to reach these ports, or run ihcheck from a machine that can; declare vendor "
              "systems in ihcheck_av_endpoints")


_OUTCOME_ZH = {"alive": "应答正常", "silent": "无应答", "refused": "拒绝", "malformed": "应答不符合协议",
               "unreachable": "不可达"}


@dataclass(frozen=True)
class _Entry:
    host: HostFacts
    system: AvSystem
    machine: str | None  # None: cannot tell which machine it is

    @property
    def status(self) -> Status:
        if self.system.alive:
            return "alive"
        shakes = self.system.handshakes
        if shakes and all(h.outcome in ("refused", "malformed") for h in shakes):
            return "dead"
        return "unknown"

    @property
    def label(self) -> Said:
        if self.system.source == "declared":
            return Said(f"清单声明的 {self.system.name}", f"declared {self.system.name}")
        return Said(f"{self.host.name} 上的 {self.system.name}", f"{self.system.name} on {self.host.name}")

    def outcome(self) -> Said:
        """The handshake that decided, its detail (the endpoint's own answer, or the error) quoted as it came."""
        if self.system.not_attempted:
            return Said(f"未尝试握手：{self.system.not_attempted}", f"no handshake: {self.system.not_attempted}")
        shake = next((h for h in self.system.handshakes if h.outcome == "alive"), None) or self.system.handshakes[-1]
        where = f"{shake.protocol.upper()} {shake.target}/{shake.transport}"
        return Said(f"{where} {_OUTCOME_ZH[shake.outcome]}：{shake.detail}", f"{where} {shake.outcome}: {shake.detail}")

    def evidence(self) -> Evidence:
        s = self.system
        observations = tuple(o for h in s.handshakes for o in h.observations)
        if not observations and s.source == "discovered" and self.host.av is not None:
            observations = self.host.av.observations  # the socket and process listing it was found in
        basis = Basis.OBSERVED if s.source == "discovered" or s.alive else Basis.DECLARED
        where = f" [machine {self.machine}]" if self.machine else " [machine unknown]"
        prefix = "" if s.source == "declared" else f"{self.host.name}: "
        return Evidence(host=self.host.name, basis=basis, statement=f"{prefix}{s.describe()}{where}",
                        observations=observations)


def _entries(seen: list[HostFacts]) -> list[_Entry]:
    """Each system with the machine it runs on; a declared endpoint at an inventory host's address is that host."""
    by_address = {h.av.host_address: h.identity.key for h in seen
                  if h.av is not None and h.av.host_address and h.identity is not None}
    entries: dict[str, _Entry] = {}
    for host in seen:
        assert host.av is not None
        for index, system in enumerate(host.av.systems):
            if system.source == "discovered":
                machine = host.identity.key if host.identity else None
                key = f"{host.name}#{index}"
            else:
                machine = by_address.get(system.address or "") or (f"address:{system.address}" if system.address
                                                                    else None)
                key = f"declared:{system.name}"  # one endpoint declared for several hosts is one system
            entry = _Entry(host, system, machine)
            if key not in entries or (entry.status == "alive" and entries[key].status != "alive"):
                entries[key] = entry
    return list(entries.values())


def judge_av(facts: DeploymentFacts) -> list[Finding]:
    seen = [h for h in facts.hosts if h.av is not None]
    blind = [h for h in facts.hosts if h.av is None]
    entries = _entries(seen)
    alive = [e for e in entries if e.status == "alive"]
    unknown = [e for e in entries if e.status == "unknown"]
    dead = [e for e in entries if e.status == "dead"]
    proven: dict[str, list[_Entry]] = {}
    for entry in alive:
        if entry.machine is not None:
            proven.setdefault(entry.machine, []).append(entry)
    anonymous = [e for e in alive if e.machine is None]

    evidence = [e.evidence() for e in entries]
    for host in seen:
        assert host.av is not None
        evidence += [Evidence(host=host.name, statement=f"{host.name}: {n}", observations=host.av.observations)
                     for n in host.av.notes]
    evidence += [Evidence(host=h.name, statement=h.why_missing("av")) for h in blind]
    details = {
        "proven_machines": len(proven),
        "systems": [{"host": e.host.name, "system": e.system.name, "source": e.system.source, "status": e.status,
                     "machine": e.machine} for e in entries],
    }

    def finding(verdict: Verdict, reason: Said) -> list[Finding]:
        return [Finding(rule_id=AV_ID, verdict=verdict, hosts=all_hosts(facts), **reason.reason(),
                        evidence=tuple(evidence), details=details)]

    def listing(groups: dict[str, list[_Entry]]) -> Said:
        parts = []
        for group in groups.values():
            first, rest = group[0], group[1:]
            others = Said.join((e.label for e in rest), zh="、", en=", ")
            same = Said(f"（同一台机器：{others.zh}）", f" (same machine: {others.en})") if rest else Said("", "")
            parts.append(first.label + " — " + first.outcome() + same)
        return Said.join(parts) if parts else Said("无", "none")

    count = len(proven)
    if count >= 2:
        listed = listing(proven)
        return finding(Verdict.PASS, Said(f"经验证存活、位于不同机器上的音视频通信系统有 {count} 套：{listed.zh}",
                                          f"{count} A/V systems on distinct machines proven alive: {listed.en}"))
    shared = [g for g in proven.values() if len(g) > 1]
    listed = listing(proven)
    head = Said(f"经验证存活、位于不同机器上的音视频通信系统仅 {count} 套（{listed.zh}）；要求至少 2 套",
                f"only {count} A/V system(s) on distinct machines proven alive ({listed.en}); at least 2 required")
    if shared:
        head += Said("；同一台机器上的多套系统只计一次", "; systems on one machine count once")
    could = set(proven) | {e.machine or f"?{id(e)}" for e in unknown + anonymous} | {f"host:{h.name}" for h in blind}
    if len(could) >= 2:
        decided = blindness(blind, "av")
        if decided is not None and decided.verdict is Verdict.ERROR:
            failed = Said.join(decided.broke)
            return finding(decided.verdict, head + Said(f"；A/V 探针在以下主机出错：{failed.zh}",
                                                      f"; the A/V probe failed on {failed.en}"))
        open_items = [e.label + Said(" 未经验证存活（", " not proven alive (") + e.outcome() + Said("）", ")")
                      for e in unknown]
        open_items += [e.label + Said(" 有应答，但无法确定其所在机器（无身份信息）",
                                      " answered but its machine is unknown (no identity)") for e in anonymous]
        open_items += decided.why if decided is not None else ()
        undecided = Said.join(open_items)
        return finding(Verdict.INCONCLUSIVE, head + Said(f"；尚待判定：{undecided.zh}；{REACH_HINT_ZH}",
                                                         f"; undecided: {undecided.en}; {REACH_HINT}"))
    tail = Said("", "")
    for e in dead:
        tail += Said("；", "; ") + e.label + Said(" 未在提供服务（", " is not serving (") + e.outcome()
        tail += Said("）", ")")
    silent_hosts = [h.name for h in seen if h.av is not None and not h.av.systems]
    if silent_hosts:
        tail += Said(f"；在 {'、'.join(silent_hosts)} 上未发现音视频服务",
                     f"; no A/V service found on {', '.join(silent_hosts)}")
    return finding(Verdict.FAIL, head + tail)


AV_SYSTEMS = Rule(
    id=AV_ID,
    title="At least two independent audio/video communication systems are alive",
    title_zh="至少2套相互独立的音视频通讯系统运行正常（开展互联网业务）",
    clause=cite("GD2020:1.2.4", interpretation=AV_INTERPRETATION),
    severity=Severity.HIGH,
    tags=("hardware", "audio-video"),
    needs=("identity", "av"),
    judge=judge_av,
)

RULES: tuple[Rule, ...] = (AV_SYSTEMS,)  # the catalogue lists them in this order
