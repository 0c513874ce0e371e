"""Power supplies and backup power: BMC sensors, SMBIOS, NUT UPSes, the kernel's power_supply class, attestation.

Where each part runs, and why:

* The BMC (`ihcheck_bmc`) is asked **from the checker**: BMCs sit on a management network, and
  its password then never travels to the host or into a command line. ipmitool reads it from
  the IPMI_PASSWORD environment variable (`-E`), so the recorded command holds no secret.
* In-band IPMI (/dev/ipmi0), dmidecode, upsc and /sys/class/power_supply run **on the host**
  through the session, like every other probe command.
* The attestation (`ihcheck_power_attestation`) is a file **on the checker**; it is hashed, never
  interpreted, and rules report it as attested, not observed.

A part that cannot be seen leaves a note saying why; the probe never concludes anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import subprocess
from pathlib import Path

from checker.errors import InputError
from probes.facts.declared import BmcAccess
from probes.facts.power import PowerAttestation, PowerFacts, PowerSupplyUnit, SysfsPowerSupply, UpsReading
from probes.limits import MAX_DOCUMENT_BYTES, read_bytes_limited
from probes.parse.dmi import parse_dmi_power_supplies
from probes.parse.ipmi import SdrPowerSupply, parse_sdr_power_supplies
from probes.parse.nut import parse_upsc, parse_upsc_list, status_flags
from probes.parse.plausible import reading, why
from probes.parse.sysfs_power import parse_power_supply_class
from probes.transport import Session

SDR_ARGS = ("sdr", "type", "Power Supply")
IPMI_TIMEOUT = 30
NO_IPMI_DEVICE = "no IPMI device (/dev/ipmi0, /dev/ipmi/0, /dev/ipmidev/0)"
INBAND = (
    "if [ -e /dev/ipmi0 ] || [ -e /dev/ipmi/0 ] || [ -e /dev/ipmidev/0 ]; "
    f"then ipmitool {shlex.join(SDR_ARGS)}; else echo '{NO_IPMI_DEVICE}' >&2; exit 3; fi"
)
DMIDECODE = "dmidecode -t 39"
UPSC_LIST = "upsc -l localhost"
SYSFS_ROOT = "/sys/class/power_supply"
SYSFS = ('for d in {root}/*; do [ -d "$d" ] || continue; echo "== $d"; '
         'for f in type online status; do [ -r "$d/$f" ] && echo "$f=$(cat "$d/$f")"; done; done; true')


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def bmc_command(bmc: BmcAccess) -> list[str]:
    """The ipmitool argv for the BMC; the password is not in it (ipmitool -E reads IPMI_PASSWORD)."""
    cipher = ["-C", str(bmc.cipher_suite)] if bmc.cipher_suite is not None and bmc.interface == "lanplus" else []
    return ["ipmitool", "-I", bmc.interface, "-H", bmc.address, "-p", str(bmc.port), "-U", bmc.user, "-E",
            *cipher, "-N", "1", "-R", "1", *SDR_ARGS]


def _from_bmc(session: Session, bmc: BmcAccess, notes: list[str]) -> list[PowerSupplyUnit]:
    argv = bmc_command(bmc)
    call = f"{shlex.join(argv)}  # run on the checker; password from IPMI_PASSWORD"
    where = f"BMC {bmc.address}:{bmc.port} ({bmc.interface})"
    env = {**os.environ, "IPMI_PASSWORD": bmc.password.get_secret_value()}
    try:
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=IPMI_TIMEOUT, check=False)
    except FileNotFoundError:
        session.record(call, "", error="ipmitool not found on the checker")
        notes.append(f"{where} not asked: ipmitool is not installed on the checker")
        return []
    except subprocess.TimeoutExpired:
        session.record(call, "", error=f"no answer within {IPMI_TIMEOUT} s")
        notes.append(f"{where} did not answer within {IPMI_TIMEOUT} s")
        return []

    def scrub(text: str) -> str:
        secret = bmc.password.get_secret_value()
        return text.replace(secret, "********") if secret else text

    obs = session.record(call, scrub(done.stdout), error=scrub(done.stderr) if done.returncode else "")
    if done.returncode != 0:
        notes.append(f"{where} did not answer ipmitool (exit {done.returncode}): {_last_line(scrub(done.stderr))}")
        return []
    return _units(parse_sdr_power_supplies(done.stdout), where, obs.id, notes)


def _units(rows: list[SdrPowerSupply], where: str, obs_id: str, notes: list[str]) -> list[PowerSupplyUnit]:
    if not rows:
        notes.append(f"{where} reports no Power Supply sensors")
    return [PowerSupplyUnit(name=r.name, source="ipmi", via=where, present=r.present, healthy=r.healthy,
                            states=r.states or ((r.status,) if r.status in ("ns", "na") else ()),
                            observations=(obs_id,)) for r in rows]


def _in_band(session: Session, notes: list[str]) -> list[PowerSupplyUnit]:
    obs = session.run(INBAND)
    if obs.exit_status == 3 and NO_IPMI_DEVICE in obs.stderr:
        notes.append(f"in-band IPMI: {NO_IPMI_DEVICE} on the host")
        return []
    if obs.exit_status == 127:
        notes.append("in-band IPMI: the host has an IPMI device but no ipmitool")
        return []
    if not obs.ok:
        notes.append(f"in-band IPMI: ipmitool failed (exit {obs.exit_status}): {_last_line(obs.stderr)}")
        return []
    return _units(parse_sdr_power_supplies(obs.stdout), "in-band IPMI", obs.id, notes)


def _smbios(session: Session, notes: list[str]) -> list[PowerSupplyUnit]:
    obs = session.run(DMIDECODE)
    if obs.exit_status == 127:
        notes.append("SMBIOS: dmidecode is not installed on the host")
        return []
    if not obs.ok:
        notes.append(f"SMBIOS tables not readable (a container or VM without them, or not root): "
                     f"{_last_line(obs.stderr)}")
        return []
    records = parse_dmi_power_supplies(obs.stdout)
    if not records:
        notes.append("SMBIOS lists no System Power Supply (type 39) records")
    return [PowerSupplyUnit(name=r.name, source="dmi", via="SMBIOS", present=r.present, healthy=r.healthy,
                            states=tuple(s for s in (r.status, f"Plugged: {r.fields['Plugged']}"
                                                     if "Plugged" in r.fields else "") if s),
                            observations=(obs.id,)) for r in records]


def _ups(session: Session, declared: tuple[str, ...], notes: list[str]) -> list[UpsReading]:
    names = list(dict.fromkeys(n if "@" in n else f"{n}@localhost" for n in declared))
    listing = session.run(UPSC_LIST)
    if listing.exit_status == 127:
        notes.append("NUT: upsc (nut-client) is not installed on the host")
        return []
    if listing.ok:
        names += [f"{n}@localhost" for n in parse_upsc_list(listing.stdout) if f"{n}@localhost" not in names]
    elif not declared:
        notes.append(f"NUT: no upsd on the host ({_last_line(listing.stderr)}) and no UPS named in ihcheck_ups")
    readings: list[UpsReading] = []
    for name in names:
        obs = session.run(f"upsc {shlex.quote(name)}")
        if not obs.ok:
            notes.append(f"NUT: upsc {name} failed: {_last_line(obs.stderr)}")
            continue
        variables = parse_upsc(obs.stdout)
        model = " ".join(v for v in (variables.get("ups.mfr"), variables.get("ups.model")) if v) or None
        values: dict[str, float | None] = {}
        implausible: list[str] = []
        for key, low, high in (("battery.charge", 0, 100), ("input.voltage", 0, 1000)):
            raw = variables.get(key)
            values[key] = reading(raw, low, high) if raw is not None else None
            if raw is not None and values[key] is None:
                implausible.append(why(key, raw, low, high))
        readings.append(UpsReading(name=name, status=status_flags(variables),
                                   battery_charge=values["battery.charge"], input_voltage=values["input.voltage"],
                                   model=model, implausible=tuple(implausible), observations=(obs.id,)))
    return readings


def _sysfs(session: Session, root: str, notes: list[str]) -> list[SysfsPowerSupply]:
    obs = session.run(SYSFS.format(root=shlex.quote(root)))
    entries = parse_power_supply_class(obs.stdout)
    if not entries:
        notes.append(f"{root}: no power_supply devices")
    return [SysfsPowerSupply(name=e.name, type=e.type, online=e.online, status=e.status, observations=(obs.id,))
            for e in entries]


def _attestation(session: Session, path: Path, notes: list[str],
                 variable: str = "ihcheck_power_attestation") -> PowerAttestation | None:
    """Hash the attested document on the checker; its text (if any) is kept so the bundle can quote it.
    Also used for the MLPS items' documents (probes.baseline)."""
    resolved = path.expanduser().resolve()
    call = f"read {resolved}  # on the checker: {variable}"
    try:
        data = read_bytes_limited(resolved, "attestation", MAX_DOCUMENT_BYTES)
    except InputError as exc:
        session.record(call, "", error=str(exc))
        notes.append(f"ihcheck_power_attestation {path}: cannot be read ({exc}); fix the path or remove the variable")
        return None
    except OSError as exc:
        session.record(call, "", error=f"{type(exc).__name__}: {exc.strerror or exc}")
        notes.append(f"{variable} {path}: cannot be read ({exc.strerror or exc}); "
                     "fix the path or remove the variable")
        return None
    digest = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    output = json.dumps({"path": str(resolved), "bytes": len(data), "sha256": digest, "text": text},
                        ensure_ascii=False)
    if not data.strip():
        session.record(call, output, error="empty file")
        notes.append(f"{variable} {path}: the file is empty, so it attests nothing")
        return None
    obs = session.record(call, output)
    return PowerAttestation(path=str(resolved), sha256=digest, size=len(data), observations=(obs.id,))


MAX_POWER_SUPPLIES = 64


def plan(session: Session) -> tuple[str, ...]:
    """The commands this probe runs whatever it finds (sent ahead in the host's batch); the ones that may
    hang on broken hardware (ipmitool, dmidecode) last."""
    inband = (INBAND,) if session.host.declared.bmc is None else ()
    return (UPSC_LIST, SYSFS.format(root=shlex.quote(SYSFS_ROOT)), DMIDECODE, *inband)


def collect(session: Session, *, sysfs_root: str = SYSFS_ROOT) -> PowerFacts:
    declared = session.host.declared
    first = len(session.observations)
    notes: list[str] = []
    psus: list[PowerSupplyUnit] = []
    if declared.bmc is not None:
        psus = _from_bmc(session, declared.bmc, notes)
    else:
        notes.append("no BMC declared (set ihcheck_bmc to read its Power Supply sensors over IPMI)")
    if not psus:
        psus = _in_band(session, notes)
    psus += _smbios(session, notes)
    ups = _ups(session, declared.ups, notes)
    sysfs = _sysfs(session, sysfs_root, notes)
    attestation = None
    if declared.power_attestation is not None:
        attestation = _attestation(session, declared.power_attestation, notes)
    implausible: list[str] = []
    if len(psus) > MAX_POWER_SUPPLIES:  # 1.4 M fake PSU records were once accepted
        implausible.append(f"{len(psus)} power supply records reported (no server has more than "
                           f"{MAX_POWER_SUPPLIES}); none of them is counted")
        psus = []
    if len(ups) > MAX_POWER_SUPPLIES:
        implausible.append(f"{len(ups)} UPS readings reported; none of them is counted")
        ups = []
    return PowerFacts(psus=tuple(psus), ups=tuple(ups), sysfs=tuple(sysfs), attestation=attestation,
                      observations=tuple(o.id for o in session.observations[first:]), notes=tuple(notes),
                      implausible=tuple(implausible))
