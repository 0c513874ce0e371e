"""The power probe against a real BMC (OpenIPMI's ipmi_sim) and a real UPS server (NUT upsd + dummy-ups)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from checker.catalogue.gd2020_power import on_line_power
from probes import power
from probes.facts.declared import BmcAccess, Declarations
from probes.facts.power import PowerFacts
from probes.transport.wrap import unwrap
from tests.probes.conftest import AC_LOST, FAILED, PRESENT, ipmi_sim, local_session, nut_ups


def _ipmi(facts: PowerFacts) -> list[tuple[str, bool | None, bool | None]]:
    return [(p.name, p.present, p.healthy) for p in facts.psus if p.source == "ipmi"]


def test_bmc_with_two_healthy_supplies(tmp_path: Path) -> None:
    with ipmi_sim(tmp_path / "bmc", [("PS1 Status", {PRESENT}), ("PS2 Status", {PRESENT})]) as bmc:
        session = local_session(Declarations(bmc=bmc))
        facts = power.collect(session)
    assert _ipmi(facts) == [("PS1 Status", True, True), ("PS2 Status", True, True)]
    psu = facts.psus[0]
    assert psu.via == f"BMC 127.0.0.1:{bmc.port} (lanplus)" and psu.states == ("Presence detected",)
    obs = next(o for o in session.log.all() if o.id in psu.observations)
    assert obs.command.startswith(f"ipmitool -I lanplus -H 127.0.0.1 -p {bmc.port} -U admin -E ")
    assert "PS2 Status" in obs.stdout and set(psu.observations) <= set(facts.observations)


def test_failed_and_absent_supplies_are_read_as_such(tmp_path: Path) -> None:
    psus = [("PS1 Status", {PRESENT}), ("PS2 Status", {PRESENT, FAILED}), ("PS3 Status", set()),
            ("PS4 Status", {PRESENT, AC_LOST})]
    with ipmi_sim(tmp_path / "bmc", psus) as bmc:
        facts = power.collect(local_session(Declarations(bmc=bmc)))
    assert _ipmi(facts) == [("PS1 Status", True, True), ("PS2 Status", True, False), ("PS3 Status", False, False),
                            ("PS4 Status", True, False)]
    assert facts.psus[1].states == ("Presence detected", "Failure detected")
    assert facts.psus[3].states == ("Presence detected", "Power Supply AC lost")


def test_no_secret_in_any_observation(tmp_path: Path) -> None:
    with ipmi_sim(tmp_path / "bmc", [("PS1 Status", {PRESENT})], password="Zq9-very-secret") as bmc:
        good = local_session(Declarations(bmc=bmc))
        power.collect(good)
        wrong = BmcAccess(address=bmc.address, port=bmc.port, user="admin", password="Zq9-wrong-secret")
        bad = local_session(Declarations(bmc=wrong))
        facts = power.collect(bad)
    for obs in [*good.log.all(), *bad.log.all()]:
        text = json.dumps(obs.model_dump(mode="json"))
        assert "Zq9-" not in text, obs.command
    assert not facts.psus or all(p.source == "dmi" for p in facts.psus)
    assert any(n.startswith(f"BMC 127.0.0.1:{bmc.port} (lanplus) did not answer ipmitool") for n in facts.notes)


def test_unreachable_bmc_is_a_note(tmp_path: Path) -> None:
    from tests.probes.conftest import free_port_pair

    nobody = BmcAccess(address="127.0.0.1", port=free_port_pair(), user="admin", password="x")
    facts = power.collect(local_session(Declarations(bmc=nobody)))
    assert not [p for p in facts.psus if p.source == "ipmi"]
    assert any("did not answer ipmitool" in n for n in facts.notes), facts.notes


@pytest.mark.parametrize(("status", "flags", "on_line"), [("OL", ("OL",), True), ("OB LB", ("OB", "LB"), False)])
def test_ups_through_upsd(tmp_path: Path, status: str, flags: tuple[str, ...], on_line: bool) -> None:
    variables = {"ups.status": status, "battery.charge": "100" if on_line else "8", "input.voltage": "230.0",
                 "ups.mfr": "Test", "ups.model": "Dummy 1000"}
    with nut_ups(tmp_path / "nut", variables) as name:
        session = local_session(Declarations(ups=(name,)))
        facts = power.collect(session)
    [ups] = [u for u in facts.ups if u.name == name]
    assert ups.status == flags and on_line_power(ups) is on_line
    assert ups.battery_charge == (100.0 if on_line else 8.0) and ups.input_voltage == 230.0
    assert ups.model == "Test Dummy 1000"
    obs = next(o for o in session.log.all() if o.id in ups.observations)
    assert f"sh -c 'upsc {name}' " in obs.command and f"ups.status: {status}" in obs.stdout


def test_unknown_ups_name_is_a_note(tmp_path: Path) -> None:
    with nut_ups(tmp_path / "nut", {"ups.status": "OL"}) as name:
        wrong = "nosuch@" + name.split("@", 1)[1]
        facts = power.collect(local_session(Declarations(ups=(wrong,))))
    assert not [u for u in facts.ups if u.name == wrong]
    assert any(n.startswith(f"NUT: upsc {wrong} failed: Error: Unknown UPS") for n in facts.notes), facts.notes


@pytest.mark.skipif(Path("/sys/firmware/dmi/tables/DMI").exists() or Path("/dev/ipmi0").exists(),
                    reason="this machine has SMBIOS tables or an IPMI device")
def test_no_dmi_no_ipmi_no_ups_is_said_not_judged(tmp_path: Path) -> None:
    facts = power.collect(local_session(), sysfs_root=str(tmp_path / "nothing"))
    assert facts.psus == () and facts.attestation is None
    notes = " | ".join(facts.notes)
    assert "no BMC declared (set ihcheck_bmc" in notes
    assert "in-band IPMI: no IPMI device" in notes
    assert "SMBIOS tables not readable" in notes
    assert f"{tmp_path / 'nothing'}: no power_supply devices" in notes


def test_sysfs_tree_is_read_through_the_transport(tmp_path: Path) -> None:
    root = tmp_path / "power_supply"
    for name, files in {"AC": {"type": "Mains", "online": "1"},
                        "ups0": {"type": "UPS", "online": "1", "status": "Full"},
                        "BAT0": {"type": "Battery", "status": "Discharging"}}.items():
        (root / name).mkdir(parents=True)
        for key, value in files.items():
            (root / name / key).write_text(value + "\n")
    facts = power.collect(local_session(), sysfs_root=str(root))
    assert [(s.name, s.type, s.online, s.status) for s in facts.sysfs] == [
        ("AC", "Mains", True, None), ("BAT0", "Battery", None, "Discharging"), ("ups0", "UPS", True, "Full")]


def test_attestation_is_hashed_on_the_checker(tmp_path: Path) -> None:
    doc = tmp_path / "power.txt"
    doc.write_text("机房双路市电供电，配备柴油发电机组。\n", encoding="utf-8")
    session = local_session(Declarations(power_attestation=doc))
    facts = power.collect(session)
    assert facts.attestation is not None
    assert facts.attestation.sha256 == hashlib.sha256(doc.read_bytes()).hexdigest()
    assert facts.attestation.size == doc.stat().st_size
    obs = next(o for o in session.log.all() if o.id in facts.attestation.observations)
    assert json.loads(obs.stdout)["text"].startswith("机房双路市电")


@pytest.mark.parametrize("content", [None, b"  \n"])
def test_missing_or_empty_attestation_is_a_note(tmp_path: Path, content: bytes | None) -> None:
    doc = tmp_path / "power.pdf"
    if content is not None:
        doc.write_bytes(content)
    facts = power.collect(local_session(Declarations(power_attestation=doc)))
    assert facts.attestation is None
    assert any(n.startswith(f"ihcheck_power_attestation {doc}:") for n in facts.notes), facts.notes


def test_over_ssh_host_commands_run_on_the_host_and_the_bmc_from_the_checker(tmp_path: Path) -> None:
    from probes.inventory import InventoryHost
    from probes.observation import ObservationLog
    from probes.transport import Session, open_transport
    from tests.daemons import sshd

    with ipmi_sim(tmp_path / "bmc", [("PS1 Status", {PRESENT}), ("PS2 Status", {PRESENT})]) as bmc, \
            nut_ups(tmp_path / "nut", {"ups.status": "OL CHRG", "battery.charge": "97"}) as ups, \
            sshd(tmp_path / "sshd") as s:
        declared = Declarations(known_hosts=s.known_hosts, bmc=bmc, ups=(ups,))
        host = InventoryHost(name="h", address="127.0.0.1", port=s.port, user=s.user, private_key_file=s.client_key,
                             declared=declared)
        transport = open_transport(host)
        log = ObservationLog()
        try:
            facts = power.collect(Session(host=host, transport=transport, log=log))
        finally:
            transport.close()
    assert [(p.name, p.healthy) for p in facts.psus if p.source == "ipmi"] == [("PS1 Status", True),
                                                                               ("PS2 Status", True)]
    [reading] = [u for u in facts.ups if u.name == ups]
    assert reading.status == ("OL", "CHRG") and on_line_power(reading)
    commands = [o.command for o in log.all()]
    [ipmi] = [c for c in commands if c.startswith("ipmitool")]
    assert ipmi.endswith("# run on the checker; password from IPMI_PASSWORD") and bmc.password.get_secret_value() not in ipmi
    assert any(unwrap(c).startswith("upsc ") and "timeout -k 3 30 sh -c 'upsc " in c for c in commands)  # upsc ran on the host, through SSH
