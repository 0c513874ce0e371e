"""Impossible readings never pass: NaN/out-of-range numbers, contradictory socket owners, two "servers"
behind one SSH host key. Reproduced with PATH shims on the local transport where a probe reads them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from checker.catalogue.gd2020_power import judge_power_host
from checker.catalogue.gd2020_servers import DB_APP_SPLIT, SERVERS
from checker.engine import evaluate
from checker.model import Verdict
from probes import power
from probes.facts.declared import Declarations
from probes.facts.services import ListeningSocket
from probes.inventory import InventoryHost
from probes.observation import ObservationLog
from probes.parse.iperf import parse_iperf_json
from probes.parse.ps import Process
from probes.services import classify, contradictions
from probes.transport import Session, open_transport
from tests.factories import deployment, host


def _shim(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text("#!/bin/sh\n" + text)
    (folder / name).chmod(0o755)


def test_an_impossible_ups_reading_does_not_pass_power(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _shim(tmp_path, "upsc", "printf 'battery.charge: -5000\\ninput.voltage: NaN\\nups.status: OL\\n'\n")
    _shim(tmp_path, "dmidecode", "exit 1\n")
    _shim(tmp_path, "ipmitool", "exit 1\n")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    h = InventoryHost(name="h", address="localhost", connection="local",
                      declared=Declarations(ups=("ups@localhost",)))
    session = Session(host=h, transport=open_transport(h), log=ObservationLog())
    facts = power.collect(session, sysfs_root=str(tmp_path / "no-sysfs"))
    [ups] = [u for u in facts.ups if u.name == "ups@localhost"]
    assert ups.battery_charge is None and ups.input_voltage is None
    assert len(ups.implausible) == 2 and "battery.charge '-5000'" in ups.implausible[0]
    finding = judge_power_host(host("h").model_copy(update={"power": facts}))
    assert finding.verdict is not Verdict.PASS, finding.reason  # was: power pass
    assert "implausible" in finding.reason


def test_a_flood_of_power_supply_records_is_not_counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    record = "Handle 0x{:04X}, DMI type 39, 22 bytes\\nSystem Power Supply\\n\\tStatus: Present, OK\\n\\n"
    _shim(tmp_path, "dmidecode", f"i=0; while [ $i -lt 500 ]; do printf '{record}' $i; i=$((i+1)); done\n")
    _shim(tmp_path, "ipmitool", "exit 1\n")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    h = InventoryHost(name="h", address="localhost", connection="local")
    facts = power.collect(Session(host=h, transport=open_transport(h), log=ObservationLog()),
                          sysfs_root=str(tmp_path / "no-sysfs"))
    assert facts.psus == () and facts.implausible and "power supply records" in facts.implausible[0]


@pytest.mark.parametrize("value", ["1e300", "NaN", "Infinity", "-5", '"x"'])
def test_an_impossible_bandwidth_is_an_error_not_a_figure(value: str) -> None:
    result = parse_iperf_json('{"start": {}, "intervals": [], "end": {"sum_sent": {"bits_per_second": 1e7}, '
                              f'"sum_received": {{"bits_per_second": {value}, "seconds": 4}}}}}}')
    assert result.receiver_mbps is None and result.error and "implausible" in result.error


def test_two_hosts_behind_one_host_key_are_one_server() -> None:
    a = host("app1", "nginx").model_copy(update={"host_key_fingerprint": "SHA256:same"})
    b = host("db1", "postgresql").model_copy(update={"host_key_fingerprint": "SHA256:same"})
    [finding] = evaluate(deployment(a, b), [SERVERS])
    assert finding.verdict is Verdict.FAIL and "only 1 distinct server" in finding.reason


def test_a_socket_owner_that_ps_contradicts_is_not_believed() -> None:
    sockets = [ListeningSocket(protocol="tcp", address="0.0.0.0", port=5432, pid=123, process="postgres")]
    processes = [Process(123, "nginx", "nginx: master process")]
    assert contradictions(sockets, processes) and "ps says 'nginx'" in contradictions(sockets, processes)[0]
    [service] = [s for s in classify(sockets, processes) if s.engine == "postgresql"]
    assert service.matched_by == "port"  # the owner's name no longer decides


def test_the_engine_never_passes_on_implausible_facts() -> None:
    app, db = host("app1", "nginx"), host("db1", "postgresql")
    assert evaluate(deployment(app, db), [DB_APP_SPLIT])[0].verdict is Verdict.PASS
    assert db.services is not None
    db = db.model_copy(update={"services": db.services.model_copy(update={"implausible": ("ss and ps disagree",)})})
    [finding] = evaluate(deployment(app, db), [DB_APP_SPLIT])
    assert finding.verdict is Verdict.INCONCLUSIVE and "implausible" in finding.reason


def test_an_empty_closing_interval_of_a_real_iperf3_server_is_not_implausible() -> None:
    # A real `iperf3 -s` often ends its report with "4.00-4.00 sec 0.00 Bytes 0.00 bits/sec": it measured nothing,
    # and it failed the single-av-system scenario once when read as "an interval out of range".
    server = ("[ ID] Interval  Transfer  Bitrate\n"
              "[  5]   0.00-2.00   sec  11.9 MBytes  49.9 Mbits/sec\n"
              "[  5]   2.00-4.00   sec  11.9 MBytes  49.8 Mbits/sec\n"
              "[  5]   4.00-4.00   sec  0.00 Bytes  0.00 bits/sec\n"
              "- - - - - -\n[  5]   0.00-4.00   sec  23.8 MBytes  49.8 Mbits/sec   receiver\n")
    result = parse_iperf_json(json.dumps({
        "start": {}, "intervals": [],
        "end": {"sum_sent": {"bits_per_second": 5.0e7}, "sum_received": {"bits_per_second": 4.98e7, "seconds": 4}},
        "server_output_text": server}))
    assert result.error is None and result.receiver_mbps == pytest.approx(49.8)
    assert result.intervals == ((0.0, 2.0, 49.9), (2.0, 4.0, 49.8))
    backwards = parse_iperf_json(json.dumps({
        "start": {}, "intervals": [],
        "end": {"sum_sent": {"bits_per_second": 5.0e7}, "sum_received": {"bits_per_second": 4.98e7, "seconds": 4}},
        "server_output_text": server.replace("2.00-4.00", "4.00-2.00")}))
    assert backwards.error and "interval out of range" in backwards.error
