"""`ihcheck preflight`: who a host's login is, whether it may read what the probes read, which of the probes'
tools exist, which declared endpoints answer; and what each gap costs. Against this machine over the local
transport (a real shell, a PATH without some tools) and a real listening socket."""

from __future__ import annotations

import io
import os
import socket
from pathlib import Path

import pytest

from checker.catalogue import CATALOGUE
from ihcheck.cli import main
from ihcheck.preflight import gaps, rules_needing, rules_reading, show
from ihcheck.terminal import console
from probes.facts.declared import BmcAccess, Declarations
from probes.inventory import load_inventory
from probes.preflight import ALL_TOOLS, TOOLS, Readiness, check_all, check_endpoints
from probes.transport import TransportOptions

ROOT = Path(__file__).resolve().parents[2]
SOURCES = {"services": ["probes/services.py"], "egress": ["probes/egress.py"], "uplinks": ["probes/uplinks.py"],
           "connections": ["probes/connections.py"], "power": ["probes/power.py"], "baseline": ["probes/baseline.py"],
           "exchange": ["probes/exchange.py", "probes/protocols/base.py"]}


@pytest.mark.parametrize("family", sorted(TOOLS))
def test_each_tool_is_one_its_probe_really_runs_and_each_part_names_real_rules(family: str) -> None:
    source = "".join((ROOT / f).read_text(encoding="utf-8") for f in SOURCES[family])
    for tool, use in TOOLS[family].items():
        assert tool in source, (family, tool)
        if use.effect == "part":
            assert rules_reading(family, use.rules), (family, tool, use.rules)
    assert rules_needing([family]), family


def _path_without(tmp_path: Path, missing: set[str]) -> str:
    """A PATH holding every command of this machine's /usr/bin and /bin but `missing`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for folder in ("/usr/local/bin", "/usr/bin", "/bin"):
        for entry in Path(folder).iterdir():
            if entry.name not in missing and not (bin_dir / entry.name).exists():
                (bin_dir / entry.name).symlink_to(entry)
    return str(bin_dir)


def test_a_missing_tool_names_the_rules_it_costs_and_a_refused_endpoint_is_said(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    closed = free.getsockname()[1]
    free.close()
    inventory = tmp_path / "inv.yml"
    inventory.write_text(
        "all:\n  hosts:\n    me:\n      ansible_connection: local\n      ihcheck_exchange:\n"
        f"        - {{name: his, system: his, protocol: https, address: 127.0.0.1, port: {listener.getsockname()[1]},"
        " from: checker}\n"
        f"        - {{name: lis, system: lis, protocol: https, address: 127.0.0.1, port: {closed}, from: checker}}\n")
    monkeypatch.setenv("PATH", _path_without(tmp_path, {"iperf3", "ipmitool"}))
    hosts = list(load_inventory(inventory).hosts)
    [found] = check_all(hosts, TransportOptions())
    assert found.reachable and found.user == os.environ.get("USER", found.user)
    assert found.tools["iperf3"] is False and found.tools["ipmitool"] is False and found.tools["ps"]
    assert set(found.tools) == set(ALL_TOOLS)
    costs = {g.what.split(" (")[0]: g for g in gaps([found])}
    assert costs["缺少 missing iperf3"].rules == ("GD2020-1.2.5-bandwidth",)
    assert "GD2020-1.2.3-power" in costs["缺少 missing ipmitool"].rules
    answered = {e.what.split()[1]: e.answered for e in check_endpoints(hosts)}
    assert answered == {"his": True, "lis": False}
    listener.close()

    assert main(["preflight", "-i", str(inventory)]) == 2
    shown = capsys.readouterr().out
    assert "iperf3" in shown and "GD2020-1.2.5-bandwidth" in shown and "apt-get install iperf3" in shown
    assert "Connection refused" in shown


def test_an_unreachable_host_costs_every_host_rule(tmp_path: Path) -> None:
    inventory = tmp_path / "inv.yml"
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()
    inventory.write_text(f"all:\n  hosts:\n    gone:\n      ansible_host: 127.0.0.1\n      ansible_port: {port}\n")
    [found] = check_all(list(load_inventory(inventory).hosts), TransportOptions(connect_timeout=2))
    assert not found.reachable and found.error
    [gap] = gaps([found])
    assert set(gap.rules) == {r.id for r in CATALOGUE if r.scope == "host"}


def _ready(**missing: bool) -> Readiness:
    return Readiness(host="app1", address="192.0.2.10", transport="paramiko", reachable=True, user="root", root=True,
                     tools={tool: not missing.get(tool, False) for tool in ALL_TOOLS})


@pytest.mark.parametrize(("declared", "missing", "expected"), [
    # the BMC is asked from the checker: in-band ipmitool is then never run, its absence costs nothing
    ({"bmc": BmcAccess(address="192.0.2.110", user="ro", password="x")}, {"ipmitool": True}, None),
    # an attestation decides: judged without the tool, nothing goes inconclusive for it
    ({"power_attestation": Path("/etc/ihcheck/power.pdf")}, {"ipmitool": True}, "judged without it"),
    # SMBIOS can still show the supplies: judged without it, saying what still reads them
    ({}, {"ipmitool": True}, "dmidecode (SMBIOS)"),
    # nothing else can read the server's supplies: the power rule will be inconclusive
    ({}, {"ipmitool": True, "dmidecode": True}, "will be inconclusive"),
    ({"bmc": BmcAccess(address="192.0.2.110", user="ro", password="x")}, {"dmidecode": True}, "BMC (ihcheck_bmc)"),
])
def test_a_missing_power_tool_is_weighed_against_what_else_the_host_declares(
        declared: dict[str, object], missing: dict[str, bool], expected: str | None) -> None:
    host = _ready(**missing)
    found = [g for g in gaps([host], {"app1": Declarations(**declared)}) if g.rules == ("GD2020-1.2.3-power",)]
    if expected is None:
        assert [g for g in found if "ipmitool" in g.what] == []
        return
    shown = io.StringIO()
    show([host], [], console(file=shown, width=80, color_system=None), 0.5, {"app1": Declarations(**declared)})
    text = " ".join(shown.getvalue().split())
    assert found and "GD2020-1.2.3-power" in text and expected in text, text
    assert all(g.blind == (expected == "will be inconclusive") for g in found)
