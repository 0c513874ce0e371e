"""`ihcheck preflight` on the simulated deployment (real containers, real sshd) with one host's ipmitool removed
(issue 25). What that costs depends on what else the host declares, as the power probe reads power:

* as the simulator writes the inventory, every host declares its BMC, which the checker asks itself; in-band
  ipmitool is then never run, so preflight lists the tool as absent but names no rule it costs;
* the same host declaring no BMC, attestation or UPS: preflight names the power rule, judged without in-band IPMI,
  and says SMBIOS (dmidecode) still reads the supplies (where the image has dmidecode);
* dmidecode removed too: nothing else can read them, and preflight says the power rule will be inconclusive.

Each run's own "in N s" line is printed (the issue asks for seconds; the brief keeps timings out of assertions).
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from ihcheck.cli import main
from probes.inventory import load_inventory

pytestmark = [pytest.mark.containers, pytest.mark.usefixtures("machine_to_ourselves")]

POWER = "GD2020-1.2.3-power"


def _without_power_sources(inventory: Path, host: str, out: Path) -> Path:
    """The inventory with `host` declaring no BMC, no power attestation and no UPS."""
    data = yaml.safe_load(inventory.read_text(encoding="utf-8"))

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if host in (node.get("hosts") or {}):
                for key in ("ihcheck_bmc", "ihcheck_power_attestation", "ihcheck_ups"):
                    node["hosts"][host].pop(key, None)
            for value in node.values():
                walk(value)

    walk(data)
    out.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return out


def _preflight(inventory: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["preflight", "-i", str(inventory), "--accept-unknown-host-keys"])
    shown = capsys.readouterr().out
    with capsys.disabled():  # with -s: what preflight said and the seconds it took, not in the next run's output
        print(shown)
    return code, " ".join(shown.split())


def test_preflight_weighs_a_missing_ipmitool_against_what_the_host_declares(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from simulator.deploy import running, write_inventory
    from simulator.layout import container_name

    with running("compliant") as deployment:
        inventory = write_inventory(deployment.scenario, tmp_path / "inventory.yml")
        victim = load_inventory(inventory).hosts[0].name
        box = container_name(deployment.scenario, victim)

        def remove(tool: str) -> None:
            subprocess.run(["podman", "exec", box, "sh", "-c", f"rm -f $(command -v {tool})"], check=True,
                           timeout=30)

        remove("ipmitool")
        smbios = subprocess.run(["podman", "exec", box, "sh", "-c", "command -v dmidecode"], capture_output=True,
                                timeout=30, check=False).returncode == 0
        code, as_written = _preflight(inventory, capsys)
        bare = _without_power_sources(inventory, victim, tmp_path / "no-bmc.yml")
        _, without_bmc = _preflight(bare, capsys)
        remove("dmidecode")
        blind_code, blind = _preflight(bare, capsys)

    # the BMC is asked from the checker: the tool is absent, and costs nothing
    assert "ipmitool" in as_written and "缺少 missing ipmitool" not in as_written, as_written
    assert "4 台主机 hosts" in as_written and "4 reachable" in as_written and code in (0, 2), as_written
    # no BMC declared: judged without in-band IPMI while SMBIOS still reads the supplies (the image has dmidecode)
    gap = without_bmc.split(f"{victim}: 缺少 missing ipmitool", 1)[1].split("修复 Fix", 1)[0]
    if smbios:
        assert f"judged without it (1): {POWER}" in gap and "dmidecode (SMBIOS)" in gap, gap
    else:
        assert f"将无法判定 will be inconclusive (1): {POWER}" in gap, gap
    # nothing left to read them: the power rule will be inconclusive, and the fix is named
    gap = blind.split(f"{victim}: 缺少 missing ipmitool", 1)[1]
    assert f"将无法判定 will be inconclusive (1): {POWER}" in gap.split("修复 Fix", 1)[0], gap
    assert "apt-get install ipmitool" in gap and blind_code == 2
