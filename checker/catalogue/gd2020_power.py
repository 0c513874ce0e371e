"""Guangdong 2020 一(二)3, second sentence: the machine room has dual power feeds or emergency generation.

What an operating system can see of this is its own supplies (through the BMC or SMBIOS) and a UPS
it talks to; a second utility feed or a generator behind the wall is invisible to it, so those are
taken from an attestation and reported as attested, never as observed.
"""

from __future__ import annotations

from checker.catalogue.clauses import cite
from checker.model import Basis, Evidence, Finding, Rule, Said, Severity, Verdict
from probes.facts import HostFacts
from probes.facts.power import PowerFacts, PowerSupplyUnit, UpsReading

POWER_ID = "GD2020-1.2.3-power"
POWER_INTERPRETATION = (
    "Judged per server. Pass: at least two power supplies present and healthy, read live from the BMC's "
    "Power Supply sensors (IPMI over LAN from ihcheck_bmc, or in-band), or from SMBIOS type 39 records "
    "when no BMC answered; or a UPS seen on line power with a usable battery (NUT ups.status OL without "
    "LB, RB, FSD, OFF or BYPASS; or a kernel power_supply of type UPS that is online); or a document "
    "named in ihcheck_power_attestation, which is reported as attested, not observed, since a second "
    "utility feed or a generator is invisible to the operating system. Fail: the supplies were read, "
    "fewer than two are present and healthy, and no UPS on line power and no attestation was found. "
    "Inconclusive: no supply state, UPS or attestation could be read, or a supply's state is unknown. "
    "A UPS on battery is reported, but it is not a second feed and does not pass the check."
)

HINT = ("if the machine room has a second utility feed or a generator, name a document saying so in "
        "ihcheck_power_attestation")
HINT_ZH = "如机房有第二路市电或发电机，请在 ihcheck_power_attestation 中指明证明该情况的文件"
BLIND_HINT_ZH = ("请声明 BMC（ihcheck_bmc）、UPS（ihcheck_ups）或证明机房供电的文件"
                 "（ihcheck_power_attestation）")
BLIND_HINT = ("declare the BMC (ihcheck_bmc), the UPS (ihcheck_ups) or a document attesting the machine room's "
              "supply (ihcheck_power_attestation)")


def on_line_power(ups: UpsReading) -> bool:
    """On utility power with a usable battery: standing by to carry the load if the feed fails. A UPS whose
    readings are physically impossible (NaN volts, -5000 % charge) proves nothing, whatever its flags say."""
    return ("OL" in ups.status and not {"LB", "RB", "FSD", "OFF", "BYPASS"} & set(ups.status)
            and not ups.implausible)


def _ups_zh(ups: UpsReading) -> str:
    """`UpsReading.describe` in Chinese: NUT's status flags, the model and the implausible readings as they came."""
    extra = [f"电池 {ups.battery_charge:g}%" if ups.battery_charge is not None else "",
             f"输入 {ups.input_voltage:g} V" if ups.input_voltage is not None else "", ups.model or "",
             f"读数不合理：{'; '.join(ups.implausible)}" if ups.implausible else ""]
    detail = "，".join(e for e in extra if e)
    return f"UPS {ups.name}：状态 {' '.join(ups.status) or '（无）'}" + (f"（{detail}）" if detail else "")


def _units(power: PowerFacts) -> list[PowerSupplyUnit]:
    """The BMC's live sensors when it answered; the firmware's boot-time SMBIOS records otherwise."""
    live = [u for u in power.psus if u.source == "ipmi"]
    return live or [u for u in power.psus if u.source == "dmi"]


def _evidence(host: HostFacts, power: PowerFacts) -> list[Evidence]:
    name = host.name
    items = [Evidence(host=name, statement=f"{name}: {u.describe()}", observations=u.observations)
             for u in power.psus]
    items += [Evidence(host=name, statement=f"{name}: {u.describe()}", observations=u.observations)
              for u in power.ups]
    items += [Evidence(host=name, observations=s.observations,
                      statement=f"{name}: kernel power_supply {s.name}: type {s.type}, "
                      f"online {'unknown' if s.online is None else int(s.online)}"
                      + (f", status {s.status}" if s.status else "")) for s in power.sysfs]
    if power.attestation is not None:
        a = power.attestation
        items.append(Evidence(host=name, basis=Basis.ATTESTED, observations=a.observations,
                              statement=f"{name}: machine-room power attested by {a.path} "
                              f"({a.size} bytes, sha256 {a.sha256})"))
    items += [Evidence(host=name, statement=f"{name}: {note}", observations=power.observations)
              for note in power.notes]
    return items


def judge_power_host(host: HostFacts) -> Finding:
    power = host.power
    assert power is not None  # the engine judges hosts without power facts
    units = _units(power)
    healthy = [u for u in units if u.healthy]
    unknown = [u for u in units if u.healthy is None]
    broken = [u for u in units if u.healthy is False]
    ups_ok = [u for u in power.ups if on_line_power(u)]
    ups_other = [u for u in power.ups if not on_line_power(u)]
    kernel_ups = [s for s in power.sysfs if s.type == "UPS"]
    via = units[0].via if units else None
    details = {"power_supplies": len(units), "healthy_power_supplies": len(healthy), "via": via,
               "ups_on_line_power": [u.name for u in ups_ok] + [s.name for s in kernel_ups if s.online],
               "attested": power.attestation is not None}

    observed: list[Said] = []
    if len(healthy) >= 2:
        supplies = ", ".join(u.name for u in healthy)
        observed.append(Said(f"据 {via}，{len(healthy)} 路电源在位且正常（{supplies}）",
                             f"{len(healthy)} power supplies present and healthy ({supplies}) per {via}"))
    observed += [Said(f"{_ups_zh(u)}，处于市电供电", f"{u.describe()}, on line power") for u in ups_ok]
    observed += [Said(f"内核 UPS {s.name} 在线", f"kernel UPS {s.name} online") for s in kernel_ups if s.online]

    problems: list[Said] = []
    if broken:
        problems.append(Said.join(Said(f"{u.name} {'不在位' if u.present is False else '状态异常'}"
                                       f"（{', '.join(u.states) or '未报告状态'}）",
                                       f"{u.name} {'absent' if u.present is False else 'not healthy'} "
                                       f"({', '.join(u.states) or 'no state asserted'})") for u in broken))
    problems += [Said(_ups_zh(u) + ("" if u.implausible else "，未处于市电供电"),
                      u.describe() + ("" if u.implausible else ", not on line power")) for u in ups_other]

    def finding(verdict: Verdict, reason: Said) -> Finding:
        said = Said(f"{host.name}：", f"{host.name}: ") + reason
        return Finding(rule_id=POWER_ID, verdict=verdict, hosts=(host.name,), **said.reason(),
                       evidence=tuple(_evidence(host, power)), details=details)

    if observed:
        extra = (Said(f"（另经文件 {power.attestation.path} 证明）", f" (also attested by {power.attestation.path})")
                 if power.attestation else Said("", ""))
        return finding(Verdict.PASS, Said.join(observed) + extra)
    if power.attestation is not None:
        a = power.attestation
        seen = Said.join(problems)
        seen = Said(f"；观测到：{seen.zh}", f"; observed: {seen.en}") if problems else Said("", "")
        return finding(Verdict.PASS, Said(f"双路供电或应急发电经文件 {a.path} 证明（非观测）"
                                          f"（sha256 {a.sha256[:16]}…）",
                                          f"dual feed or emergency generation attested (not observed) by {a.path} "
                                          f"(sha256 {a.sha256[:16]}…)") + seen)
    if units and len(healthy) < 2 and not unknown:
        count = (Said(f"仅 1 路电源（{units[0].name}）", f"a single power supply ({units[0].name})")
                 if len(units) == 1 else
                 Said(f"{len(units)} 路电源中仅 {len(healthy)} 路正常",
                      f"{len(healthy)} of {len(units)} power supplies healthy"))
        problem = Said.join(problems)
        problem = Said(f"；{problem.zh}", f"; {problem.en}") if problems else Said("", "")
        return finding(Verdict.FAIL, Said(f"据 {via}，", "") + count + Said("", f" per {via}") + problem
                       + Said(f"；无处于市电供电的 UPS；无证明文件（{HINT_ZH}）",
                              f"; no UPS on line power; no attestation ({HINT})"))
    blind_parts: list[Said] = []
    if unknown:
        which, states = ", ".join(u.name for u in unknown), ", ".join(unknown[0].states)
        blind_parts.append(Said(f"{which} 状态未知（{states}）", f"state of {which} unknown ({states})"))
    blind_parts += problems
    blind_parts += [Said(note, note) for note in power.notes]  # the probe's own words, quoted as they came
    blind = Said.join(blind_parts) if blind_parts else Said("未报告任何信息", "nothing reported")
    virt = host.identity.virtualization if host.identity else None
    guest = (Said(f"（{host.name} 是 {virt} 虚拟机：其电源由宿主平台提供，请证明机房供电）",
                  f" ({host.name} is a {virt} guest: its supply is the platform's, so attest the machine room)")
             if virt and virt not in ("none", "unknown") else Said("", ""))
    return finding(Verdict.INCONCLUSIVE,
                   Said(f"无法确认冗余电源、处于市电供电的 UPS 或证明文件：{blind.zh}；{BLIND_HINT_ZH}",
                        f"no redundant supply, UPS on line power or attestation could be established: {blind.en}; "
                        f"{BLIND_HINT}") + guest)


POWER = Rule(
    id=POWER_ID,
    title="The machine room has dual power feeds or emergency generation",
    title_zh="存放服务器的机房具备双路供电或紧急发电设施",
    clause=cite("GD2020:1.2.3.2", interpretation=POWER_INTERPRETATION),
    severity=Severity.HIGH,
    tags=("hardware", "power"),
    needs=("power", "identity"),
    optional=("identity",),
    judge_host=judge_power_host,
    blind_hint=Said(BLIND_HINT_ZH, BLIND_HINT),
)

RULES: tuple[Rule, ...] = (POWER,)  # the catalogue lists them in this order
