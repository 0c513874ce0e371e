"""`ihcheck preflight` on the simulated deployment (real containers, real sshd) with one host's ipmitool removed:
it names that host, the tool, the rules the gap costs, and the fix; every other host is ready (issue 25)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from ihcheck.preflight import gaps
from probes.inventory import load_inventory
from probes.preflight import check_all
from probes.transport import TransportOptions

pytestmark = [pytest.mark.containers, pytest.mark.usefixtures("machine_to_ourselves")]


def test_preflight_names_the_missing_ipmitool_and_what_it_costs(tmp_path: Path) -> None:
    from simulator.deploy import running, write_inventory
    from simulator.layout import container_name

    with running("compliant") as deployment:
        inventory = write_inventory(deployment.scenario, tmp_path / "inventory.yml")
        hosts = list(load_inventory(inventory).hosts)
        victim = hosts[0].name
        subprocess.run(["podman", "exec", container_name(deployment.scenario, victim), "sh", "-c",
                        "rm -f $(command -v ipmitool)"], check=True, timeout=30)
        started = time.monotonic()
        found = check_all(hosts, TransportOptions())
        seconds = time.monotonic() - started
    print(f"preflight of {len(hosts)} simulated hosts: {seconds:.2f} s")
    assert all(h.reachable and (h.root or h.sudo) for h in found), found
    by_host = {h.host: h for h in found}
    assert by_host[victim].tools["ipmitool"] is False
    assert all(h.tools["ipmitool"] for name, h in by_host.items() if name != victim)
    found_gaps = [g for g in gaps(found) if "ipmitool" in g.what]
    assert [g.host for g in found_gaps] == [victim]
    assert "GD2020-1.2.3-power" in found_gaps[0].rules and "ipmitool" in found_gaps[0].fix
