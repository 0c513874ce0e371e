"""The power parsers on real tool output: dmidecode decoding a crafted SMBIOS dump, ipmitool, upsc."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from checker.errors import ProbeError
from probes.parse.dmi import parse_dmi_power_supplies
from probes.parse.ipmi import parse_sdr_power_supplies
from probes.parse.nut import parse_upsc

# SMBIOS 3.x, 7.40: status bits 9:7 of Power Supply Characteristics.
OK, NON_CRITICAL, CRITICAL, UNKNOWN = 3, 4, 5, 2


def power_supply(handle: int, location: str, status: int, *, present: bool = True, plugged: bool = True) -> bytes:
    """One type 39 structure (22-byte formatted area + strings)."""
    strings = [location, "PWR SPLY,750W,RDNT", "ACME", f"SN-{location}", "AT-1", "PN-750", "A00"]
    characteristics = (4 << 10) | (status << 7) | (4 << 3) | ((0 if plugged else 1) << 2) | (int(present) << 1) | 1
    formatted = struct.pack("<BBHBBBBBBBBHHHHH", 39, 22, handle, 1, 1, 2, 3, 4, 5, 6, 7, 750, characteristics,
                            0xFFFF, 0xFFFF, 0xFFFF)
    return formatted + b"\0".join(s.encode() for s in strings) + b"\0\0"


def smbios_dump(*structures: bytes) -> bytes:
    """A dmidecode --dump-bin image: a 64-bit SMBIOS 3.2 entry point at 0 and the table at 0x20."""
    table = b"".join(structures) + struct.pack("<BBH", 127, 4, 0xFEFF) + b"\0\0"
    entry = bytearray(struct.pack("<5sBBBBBBBIQ", b"_SM3_", 0, 0x18, 3, 2, 0, 1, 0, len(table), 0x20))
    entry[5] = -sum(entry) & 0xFF
    return bytes(entry).ljust(0x20, b"\0") + table


def dmidecode(dump: bytes, tmp_path: Path) -> str:
    if not shutil.which("dmidecode"):
        pytest.skip("dmidecode is not installed (.ci/run installs it)")
    path = tmp_path / "smbios.bin"
    path.write_bytes(dump)
    return subprocess.run(["dmidecode", "--from-dump", str(path), "-t", "39"], capture_output=True, text=True,
                          check=True).stdout


def test_dmidecode_output_of_redundant_supplies(tmp_path: Path) -> None:
    out = dmidecode(smbios_dump(power_supply(0x27, "PSU1", OK), power_supply(0x28, "PSU2", OK)), tmp_path)
    rows = parse_dmi_power_supplies(out)
    assert [(r.name, r.present, r.healthy, r.status) for r in rows] == [
        ("PSU1 PWR SPLY,750W,RDNT", True, True, "Present, OK"),
        ("PSU2 PWR SPLY,750W,RDNT", True, True, "Present, OK")]
    assert rows[0].fields["Max Power Capacity"] == "750 W" and rows[0].fields["Plugged"] == "Yes"


def test_dmidecode_output_of_failed_unplugged_and_absent_supplies(tmp_path: Path) -> None:
    dump = smbios_dump(power_supply(0x27, "PSU1", CRITICAL), power_supply(0x28, "PSU2", OK, plugged=False),
                       power_supply(0x29, "PSU3", UNKNOWN, present=False), power_supply(0x2A, "PSU4", UNKNOWN),
                       power_supply(0x2B, "PSU5", NON_CRITICAL))
    rows = parse_dmi_power_supplies(dmidecode(dump, tmp_path))
    assert [(r.fields["Location"], r.present, r.healthy) for r in rows] == [
        ("PSU1", True, False), ("PSU2", True, False), ("PSU3", False, False), ("PSU4", True, None),
        ("PSU5", True, False)]


def test_dmidecode_output_without_power_supplies(tmp_path: Path) -> None:
    assert parse_dmi_power_supplies(dmidecode(smbios_dump(), tmp_path)) == []


def test_ipmitool_no_reading_is_unknown_not_absent() -> None:
    [row] = parse_sdr_power_supplies("PS1 Status       | 10h | ns  | 10.1 | No Reading\n")
    assert (row.present, row.healthy) == (None, None)


@pytest.mark.parametrize("text", ["PS1 Status | 10h | ok\n", "Unable to Get Channel Cipher Suites | x\n"])
def test_ipmitool_unexpected_lines_raise(text: str) -> None:
    with pytest.raises(ProbeError, match="unexpected ipmitool sdr line"):
        parse_sdr_power_supplies(text)


def test_upsc_rejects_non_variable_lines() -> None:
    with pytest.raises(ProbeError):
        parse_upsc("Error: Unknown UPS\n")
