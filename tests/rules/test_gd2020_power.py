"""GD2020-1.2.3-power over constructed facts: every verdict, and a reason that names what decided it."""

from __future__ import annotations

from checker.catalogue.gd2020_power import POWER
from checker.engine import evaluate
from checker.model import Basis, Verdict
from probes.facts.identity import MachineIdentity
from probes.facts.power import PowerAttestation, PowerFacts, PowerSupplyUnit, SysfsPowerSupply, UpsReading
from tests.factories import deployment, host

BMC = "BMC 192.0.2.50:623 (lanplus)"


def psu(name: str, *states: str, source: str = "ipmi", healthy: bool | None = None) -> PowerSupplyUnit:
    present = None if states == ("ns",) else "Presence detected" in states or "Present, OK" in states
    if healthy is None and present is not None:
        healthy = present and not any("Fail" in s or "lost" in s for s in states)
    return PowerSupplyUnit(name=name, source=source, via=BMC if source == "ipmi" else "SMBIOS", present=present,
                           healthy=healthy, states=states, observations=("h#4",))


OK1, OK2 = psu("PS1 Status", "Presence detected"), psu("PS2 Status", "Presence detected")
FAILED2 = psu("PS2 Status", "Presence detected", "Failure detected")
ON_LINE = UpsReading(name="rack1@localhost", status=("OL",), battery_charge=100, observations=("h#6",))
ON_BATTERY = UpsReading(name="rack1@localhost", status=("OB", "LB"), battery_charge=8, observations=("h#6",))
ATTESTED = PowerAttestation(path="/srv/docs/power.pdf", sha256="ab" * 32, size=1234, observations=("h#9",))


def judge(power: PowerFacts | None = None, virtualization: str | None = None, **kwargs):
    built = host("h", power=power, **kwargs)
    if virtualization:
        ident = MachineIdentity(hostname="h", machine_id="m1", virtualization=virtualization)
        built = built.model_copy(update={"identity": ident})
    facts = deployment(built)
    [finding] = evaluate(facts, [POWER])
    assert finding.rule_id == POWER.id and finding.hosts == ("h",)
    return finding


def test_two_healthy_supplies_alone_are_server_side_and_do_not_pass_the_room() -> None:
    f = judge(PowerFacts(psus=(OK1, OK2)))
    assert f.verdict is Verdict.INCONCLUSIVE
    assert f.reason.startswith(f"h: 2 power supplies present and healthy (PS1 Status, PS2 Status) per {BMC}: these "
                               "are the server's own supplies, not the machine room's dual feed or generator")
    assert f.reason_zh.startswith(f"h：据 {BMC}，2 路电源在位且正常（PS1 Status, PS2 Status）：这是服务器自身的电源")
    assert "ihcheck_power_attestation" in f.reason
    assert f.details["healthy_power_supplies"] == 2 and "h#4" in f.observations


def test_two_healthy_supplies_stand_beside_the_attestation() -> None:
    f = judge(PowerFacts(psus=(OK1, OK2), ups=(ON_LINE,), attestation=ATTESTED))
    assert f.verdict is Verdict.PASS
    assert f.reason.startswith("h: dual feed or emergency generation attested (not observed) by /srv/docs/power.pdf")
    assert f"; supporting server-side observations: 2 power supplies present and healthy (PS1 Status, PS2 Status) " \
           f"per {BMC}; UPS rack1@localhost: status OL (battery 100%), on line power" in f.reason
    assert "服务器侧佐证观测：" in f.reason_zh


def test_one_failed_of_two_fails_naming_the_failed_one() -> None:
    f = judge(PowerFacts(psus=(OK1, FAILED2)))
    assert f.verdict is Verdict.FAIL
    assert f.reason.startswith(f"h: 1 of 2 power supplies healthy per {BMC}; "
                               "PS2 Status not healthy (Presence detected, Failure detected)")
    assert "ihcheck_power_attestation" in f.reason


def test_single_supply_and_ups_on_battery_fails() -> None:
    f = judge(PowerFacts(psus=(OK1,), ups=(ON_BATTERY,)))
    assert f.verdict is Verdict.FAIL
    assert "a single power supply (PS1 Status)" in f.reason
    assert "UPS rack1@localhost: status OB LB (battery 8%), not on line power" in f.reason
    assert f.reason_zh.startswith(f"h：据 {BMC}，仅 1 路电源（PS1 Status）；"
                                  "UPS rack1@localhost：状态 OB LB（电池 8%），未处于市电供电；")


def test_ups_on_line_power_is_not_the_rooms_supply() -> None:
    f = judge(PowerFacts(psus=(OK1,), ups=(ON_LINE,)))
    assert f.verdict is Verdict.INCONCLUSIVE
    assert f.reason.startswith("h: UPS rack1@localhost: status OL (battery 100%), on line power: these are the "
                               "server's own supplies")


def test_ups_with_replace_battery_is_not_backup() -> None:
    worn = UpsReading(name="u@nut", status=("OL", "RB"), observations=("h#6",))
    f = judge(PowerFacts(psus=(OK1,), ups=(worn,)))
    assert f.verdict is Verdict.FAIL and "UPS u@nut: status OL RB, not on line power" in f.reason


def test_kernel_ups_online_is_server_side() -> None:
    ups = SysfsPowerSupply(name="ups0", type="UPS", online=True, observations=("h#7",))
    f = judge(PowerFacts(sysfs=(ups,)))
    assert f.verdict is Verdict.INCONCLUSIVE and f.reason.startswith("h: kernel UPS ups0 online: these are")


def test_attestation_passes_as_attested_not_observed() -> None:
    f = judge(PowerFacts(psus=(OK1,), attestation=ATTESTED))
    assert f.verdict is Verdict.PASS
    assert f.reason.startswith("h: dual feed or emergency generation attested (not observed) by /srv/docs/power.pdf")
    assert "observed" not in f.reason.replace("not observed", "")
    assert f.reason_zh.startswith("h：双路供电或应急发电经文件 /srv/docs/power.pdf 证明（非观测）")
    attested = [e for e in f.evidence if e.basis is Basis.ATTESTED]
    assert len(attested) == 1 and ATTESTED.sha256 in attested[0].statement and attested[0].observations == ("h#9",)
    assert all(e.basis is Basis.OBSERVED for e in f.evidence if e is not attested[0])


def test_bmc_wins_over_smbios() -> None:
    dmi = (psu("PSU1", "Present, OK", source="dmi"), psu("PSU2", "Present, OK", source="dmi"))
    f = judge(PowerFacts(psus=(OK1, FAILED2, *dmi)))
    assert f.verdict is Verdict.FAIL and f"per {BMC}" in f.reason


def test_smbios_alone_is_used_when_no_bmc_answered() -> None:
    dmi = (psu("PSU1", "Present, OK", source="dmi"), psu("PSU2", "Present, OK", source="dmi"))
    f = judge(PowerFacts(psus=dmi, notes=("no BMC declared (set ihcheck_bmc to read its Power Supply sensors)",)))
    assert f.verdict is Verdict.INCONCLUSIVE and "(PSU1, PSU2) per SMBIOS: these are" in f.reason


def test_nothing_visible_is_inconclusive_with_what_to_do() -> None:
    notes = ("no BMC declared (set ihcheck_bmc to read its Power Supply sensors over IPMI)",
             "in-band IPMI: no IPMI device (/dev/ipmi0, /dev/ipmi/0, /dev/ipmidev/0) on the host",
             "NUT: no upsd on the host (Error: Connection failure: Connection refused) and no UPS named in ihcheck_ups")
    f = judge(PowerFacts(notes=notes), virtualization="kvm")
    assert f.verdict is Verdict.INCONCLUSIVE
    assert "no BMC declared" in f.reason and "no upsd on the host" in f.reason
    assert "ihcheck_power_attestation" in f.reason and "h is a kvm guest" in f.reason


def test_unknown_supply_state_is_inconclusive_not_fail() -> None:
    f = judge(PowerFacts(psus=(OK1, psu("PS2 Status", "ns"))))
    assert f.verdict is Verdict.INCONCLUSIVE and "state of PS2 Status unknown (ns)" in f.reason


def test_ups_on_battery_without_supply_readings_is_inconclusive() -> None:
    f = judge(PowerFacts(ups=(ON_BATTERY,)))
    assert f.verdict is Verdict.INCONCLUSIVE and "OB LB" in f.reason


def test_probe_error_is_error() -> None:
    f = judge(errors={"power": "ProbeError: unexpected ipmitool sdr line: 'x'"})
    assert f.verdict is Verdict.ERROR
    assert f.reason == "h: power probe failed: ProbeError: unexpected ipmitool sdr line: 'x'"


def test_unreachable_host_is_inconclusive() -> None:
    [f] = evaluate(deployment(host("h", reachable=False)), [POWER])
    assert f.verdict is Verdict.INCONCLUSIVE and "h unreachable" in f.reason and "ihcheck_bmc" in f.reason


def test_one_finding_per_host() -> None:
    facts = deployment(host("a", power=PowerFacts(psus=(OK1, OK2))), host("b", power=PowerFacts(psus=(OK1,))))
    assert [(f.hosts, f.verdict) for f in evaluate(facts, [POWER])] == [(("a",), Verdict.INCONCLUSIVE),
                                                                        (("b",), Verdict.FAIL)]
