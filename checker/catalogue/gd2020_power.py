"""Guangdong 2020 一(二)3, second sentence: the machine room has dual power feeds or emergency generation.

What an operating system can see of this is its own supplies (through the BMC or SMBIOS) and a UPS
it talks to; a second utility feed or a generator behind the wall is invisible to it, so only an
attestation passes (reported as attested, never as observed) and the server-side facts stand beside it.
"""

from __future__ import annotations

from checker.catalogue.clauses import cite
from checker.model import Basis, Evidence, Finding, Rule, Said, Severity, Verdict
from probes.facts import HostFacts
from probes.facts.power import PowerFacts, PowerSupplyUnit, UpsReading

POWER_ID = "GD2020-1.2.3-power"
POWER_READING = Said(
    "逐台服务器判定。条款要求的是机房：双路市电或应急发电设施，二者都在墙后，操作系统看不到。只有 "
    "ihcheck_power_attestation 指明的证明文件能使本项符合，且记为“经证明”而非“观测”。服务器自身的电源（BMC 的电"
    "源传感器、SMBIOS 39 型记录）和 UPS（NUT 状态、内核 power_supply）是服务器侧的事实，只作为证明文件旁"
    "的佐证列出，不能单独使本项符合。符合：有证明文件（观测到的问题一并列出）。不符合：无证明文件，且观测"
    "到该服务器只有不足 2 路正常电源、也没有处于市电供电的 UPS（机房的第二路供电到不了这台服务器）。无法"
    "判定：无证明文件，即使观测到 2 路正常电源或处于市电供电的 UPS（那是服务器的，不是机房的）；或什么都"
    "读不到、电源状态未知。处于电池供电的 UPS 会列出，但不是第二路供电。",
    "Judged per server. The clause is about the machine room: a second utility feed or an emergency generator, "
    "both behind the wall and invisible to the operating system. Only a document named in "
    "ihcheck_power_attestation can pass it, and it is reported as attested, not observed. The server's own "
    "supplies (the BMC's Power Supply sensors, SMBIOS type 39 records) and UPS (NUT status, kernel power_supply) "
    "are server-side facts, listed as supporting observations beside the attestation; alone they never pass. "
    "Pass: an attestation (with any problem observed listed beside it). Fail: no attestation, and the server was "
    "seen with fewer than two healthy supplies and no UPS on line power (no second supply reaches it). "
    "Inconclusive: no attestation, even with two healthy supplies or a UPS on line power observed (the server's, "
    "not the room's); or nothing could be read, or a supply's state is unknown. A UPS on battery is reported, "
    "but it is not a second feed."
)
POWER_INTERPRETATION = POWER_READING.en

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

    if power.attestation is not None:
        a = power.attestation
        seen = Said.join([*observed, *problems])
        seen = Said(f"；服务器侧佐证观测：{seen.zh}", f"; supporting server-side observations: {seen.en}") \
            if observed or problems else Said("", "")
        return finding(Verdict.PASS, Said(f"双路供电或应急发电经文件 {a.path} 证明（非观测）"
                                          f"（sha256 {a.sha256[:16]}…）",
                                          f"dual feed or emergency generation attested (not observed) by {a.path} "
                                          f"(sha256 {a.sha256[:16]}…)") + seen)
    if observed:
        return finding(Verdict.INCONCLUSIVE, Said.join(observed) + Said(
            f"：这是服务器自身的电源，不是机房的双路市电或发电设施，不能证明机房供电；{HINT_ZH}",
            f": these are the server's own supplies, not the machine room's dual feed or generator, so they do not "
            f"show the room's supply; {HINT}"))
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
    clause=cite("GD2020:1.2.3.2", interpretation=POWER_READING),
    severity=Severity.HIGH,
    tags=("hardware", "power"),
    needs=("power", "identity"),
    optional=("identity",),
    judge_host=judge_power_host,
    blind_hint=Said(BLIND_HINT_ZH, BLIND_HINT),
)

RULES: tuple[Rule, ...] = (POWER,)  # the catalogue lists them in this order
