"""What a host's power set-up looks like from inside: a UPS on NUT, a BMC's supply sensors, sysfs.

From a spec's `power:` block this module writes the files the real daemons read:

* `ups.dev` for NUT's dummy-ups driver (only when the host has a UPS; otherwise no upsd runs);
* `bmc/lan.conf` + `bmc/bmc.emu` for OpenIPMI's ipmi_sim (on every address, port 623): a BMC whose SDR has one
  Power Supply sensor (type 0x08, sensor-specific) per bay, reading "Presence detected",
  "Presence detected, Failure detected", or nothing for an empty bay;
* `power_supply/` in the layout of `/sys/class/power_supply` (one `ACn` mains entry per installed
  supply, `online` 0 for a failed one), bind-mounted read-only over that path;
* the facility attestation document, when the spec gives one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from simulator.spec import Power

BAYS_MIN = 2  # a server BMC lists its supply bays even when one is empty
BMC_PORT = 623


@dataclass(frozen=True)
class BmcCredentials:
    user: str
    password: str


def new_credentials() -> BmcCredentials:
    return BmcCredentials(user="ihcadmin", password=secrets.token_urlsafe(12))


def bays(power: Power) -> int:
    return max(BAYS_MIN, power.psus)


def _bay_state(power: Power, bay: int) -> tuple[bool, bool]:
    """(present, failed) for bay 0..n-1: installed supplies fill the first bays, failed ones last."""
    present = bay < power.psus
    failed = present and bay >= power.psus - power.psu_failed
    return present, failed


def ups_dev(host: str) -> str:
    """A NUT dummy-ups definition of a healthy UPS on line power."""
    return "\n".join([
        "device.mfr: Simulated",
        f"device.serial: SIM-{host.upper()}-UPS",
        "ups.mfr: Simulated",
        "ups.model: ihcheck simulated online UPS 3kVA",
        "ups.status: OL",
        "ups.load: 23",
        "battery.charge: 100",
        "battery.runtime: 1800",
        "input.voltage: 230.0",
        "input.frequency: 50.0",
        "output.voltage: 230.0",
        "",
    ])


def _compact_sdr(sensor: int, instance: int, name: str) -> str:
    """An IPMI 2.0 Compact Sensor Record (type 02h) for a Power Supply (08h) sensor-specific sensor."""
    ident = name.encode("ascii")[:16]
    body = [
        0x20, 0x00, sensor,  # owner: BMC at IPMB 0x20, LUN 0, sensor number
        0x0A, instance,  # entity: power supply, physical instance
        0x67, 0x40,  # initialisation (scanning, events, type), capabilities (auto re-arm)
        0x08, 0x6F,  # sensor type Power Supply, event/reading type sensor-specific
        0x0B, 0x00, 0x0B, 0x00,  # assertion and deassertion masks: presence, failure, AC lost
        0x7F, 0x00,  # readable states
        0xC0, 0x00, 0x00,  # no analog reading, no units
        0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  # sharing, hysteresis, reserved, OEM
        0xC0 | len(ident), *ident,  # ID string, 8-bit ASCII
    ]
    record = [0x00, 0x00, 0x51, 0x02, len(body), *body]
    return " ".join(f"0x{b:02x}" for b in record)


def bmc_emu(power: Power) -> str:
    """ipmi_sim command file: one BMC with a Power Supply sensor and SDR per bay."""
    lines = [
        "# Written by the ihcheck simulator from the host's power spec.",
        "mc_setbmc 0x20",
        "mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02",
        "sel_enable 0x20 1000 0x0a",
    ]
    for bay in range(bays(power)):
        sensor = bay + 1
        present, failed = _bay_state(power, bay)
        lines += [
            f"sensor_add 0x20 0 {sensor} 0x08 0x6f",
            f"sensor_set_event_support 0x20 0 {sensor} enable scanning per-state "
            "000000000001011 000000000001011 000000000001011 000000000001011",
            f"main_sdr_add 0x20 {_compact_sdr(sensor, sensor, f'PSU{sensor} Status')}",
            f"sensor_set_bit 0x20 0 {sensor} 0 {int(present)} 0",
            f"sensor_set_bit 0x20 0 {sensor} 1 {int(failed)} 0",
        ]
    lines.append("mc_enable 0x20")
    return "\n".join(lines) + "\n"


def bmc_lan_conf(credentials: BmcCredentials) -> str:
    """ipmi_sim LAN configuration: IPMI 1.5 and 2.0 (lanplus) on port 623, one admin user.

    A real BMC answers on its management network; here that is the host's LAN address (so the
    checker can ask it from outside, as it would a real BMC) and 127.0.0.1 (from the host itself).
    ipmi_sim takes one address per LAN channel, hence the wildcard.
    """
    return "\n".join([
        "# Written by the ihcheck simulator.",
        'name "ihcbmc"',
        "set_working_mc 0x20",
        "  startlan 1",
        f"    addr 0.0.0.0 {BMC_PORT}",
        "    priv_limit admin",
        "    allowed_auths_callback md5",
        "    allowed_auths_user md5",
        "    allowed_auths_operator md5",
        "    allowed_auths_admin md5",
        "    guid a1b2c3d4e5f60718293a4b5c6d7e8f90",
        "  endlan",
        '  user 1 false "" "" user 10 none',
        f'  user 2 true "{credentials.user}" "{credentials.password}" admin 10 md5',
        "",
    ])


def write_power_supply_dir(power: Power, target: Path) -> None:
    """A /sys/class/power_supply look-alike: one mains entry per installed supply."""
    target.mkdir(parents=True, exist_ok=True)
    for bay in range(power.psus):
        _, failed = _bay_state(power, bay)
        entry = target / f"AC{bay}"
        entry.mkdir(exist_ok=True)
        (entry / "type").write_text("Mains\n")
        (entry / "online").write_text("0\n" if failed else "1\n")
        (entry / "uevent").write_text(f"POWER_SUPPLY_NAME=AC{bay}\nPOWER_SUPPLY_TYPE=Mains\n"
                                      f"POWER_SUPPLY_ONLINE={0 if failed else 1}\n")
