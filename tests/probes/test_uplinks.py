"""The uplinks probe against real daemons: iperf3 -s and an nginx echo behind two tc-shaped uplinks.

The lab (tests/probes/uplink_lab.py) shapes uplink up1 to 20 Mbit/s and up2 to 5 Mbit/s with tc tbf in
both directions. The probe must find both uplinks, tell their providers apart through the echo and the
simulated identity table, and measure each rate so that the tc rate lies within the stated margin.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from checker.catalogue.gd2020_network import BANDWIDTH, ISPS
from checker.engine import evaluate
from checker.model import Basis, Verdict
from probes import uplinks
from probes.facts import DeploymentFacts, HostFacts
from probes.facts.declared import Declarations
from probes.facts.uplinks import METHOD_UNCERTAINTY, Throughput, UplinkFacts
from probes.inventory import InventoryHost
from probes.observation import ObservationLog
from probes.transport import Session
from tests.probes.uplink_lab import Lab, available

pytestmark = [pytest.mark.usefixtures("machine_to_ourselves"),
              pytest.mark.skipif(available() is not None, reason=f"lab network: {available()}")]

SECONDS = 4  # the default ihcheck_measure_seconds


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    with Lab([20, 5]) as built:
        yield built


def session(lab: Lab, name: str = "app1", **declared: object) -> Session:
    host = InventoryHost(name=name, address=name, connection="local", declared=Declarations.model_validate(declared))
    return Session(host=host, transport=lab.transport(), log=ObservationLog())


@pytest.fixture(scope="module")
def measured(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> tuple[Session, UplinkFacts]:
    path = tmp_path_factory.mktemp("ids") / "identities.json"
    path.write_text(json.dumps({
        "10.203.1.2": {"country": "CN", "asn": 4134, "isp": "China Telecom", "simulated": True},
        "10.203.2.2": {"country": "CN", "asn": 4837, "isp": "China Unicom", "simulated": True},
    }))
    s = session(lab, echo_url=lab.echo_url, measure_endpoint=lab.measure_endpoints, measure_seconds=SECONDS,
                simulated_identities=str(path))
    return s, uplinks.collect(s)


def test_uplinks_are_the_interfaces_with_default_routes(measured: tuple[Session, UplinkFacts]) -> None:
    _, facts = measured
    assert [(u.interface, u.gateways, u.metric, u.addresses) for u in facts.uplinks] == [
        ("up1", ("10.203.1.1",), 100, ("10.203.1.2",)), ("up2", ("10.203.2.1",), 200, ("10.203.2.2",))]
    assert [u.egress.identity.isp for u in facts.uplinks if u.egress and u.egress.identity] == [
        "China Telecom", "China Unicom"]


@pytest.mark.parametrize(("index", "mbps"), [(0, 20.0), (1, 5.0)])
def test_measured_rate_is_within_its_margin_of_the_tc_rate(measured: tuple[Session, UplinkFacts], index: int,
                                                           mbps: float) -> None:
    s, facts = measured
    uplink = facts.uplinks[index]
    for t in (uplink.upload, uplink.download):
        assert t is not None and t.error is None and t.mbps is not None and t.margin_mbps is not None
        assert abs(t.mbps - mbps) <= t.margin_mbps, t.describe()
        assert t.margin_mbps < 0.35 * mbps, t.describe()  # a margin that wide would decide nothing
        assert t.samples_mbps and t.method_mbps == pytest.approx(METHOD_UNCERTAINTY * t.mbps, abs=1e-3)
        [obs] = [o for o in s.observations if o.id == t.observations[0]]
        assert f"--bind-dev {uplink.interface}" in obs.command and (" -R" in obs.command) == (t.direction == "download")


def test_rules_over_the_measured_lab(measured: tuple[Session, UplinkFacts]) -> None:
    s, facts = measured
    host = HostFacts(name="app1", address="app1", reachable=True, declared=s.host.declared, uplinks=facts)
    deployment = DeploymentFacts(inventory="lab", collected_at=s.observations[0].started_at, hosts=(host,))
    [isps] = evaluate(deployment, [ISPS])
    assert isps.verdict is Verdict.PASS and "simulated" in isps.reason
    assert Basis.SIMULATED in {e.basis for e in isps.evidence}
    [bandwidth] = evaluate(deployment, [BANDWIDTH])
    assert bandwidth.verdict is Verdict.FAIL and "up2" in bandwidth.reason and "up1" not in bandwidth.reason


def _spans(s: Session, facts: UplinkFacts) -> dict[str, tuple[float, float]]:
    """Per uplink, when its first measurement started and its last ended (seconds since the epoch)."""
    by_id = {o.id: o for o in s.observations}
    spans = {}
    for u in facts.uplinks:
        assert u.upload is not None and u.download is not None
        runs = [by_id[i] for t in (u.upload, u.download) for i in t.observations]
        spans[u.interface] = (min(o.started_at for o in runs).timestamp(), max(o.ended_at for o in runs).timestamp())
    return spans


def test_one_endpoint_per_uplink_measures_the_uplinks_at_the_same_time(lab: Lab) -> None:
    s = session(lab, measure_endpoint=lab.measure_endpoints, measure_seconds=1)
    facts = uplinks.collect(s)
    assert facts.measure_endpoints == lab.measure_endpoints
    (a1, b1), (a2, b2) = _spans(s, facts).values()
    assert a2 < b1 and a1 < b2  # the two uplinks' measurements overlap
    commands = {o.command for o in s.observations if "iperf3" in o.command}
    assert {e.split(":")[1] for e in lab.measure_endpoints} == {c.split(" -p ")[1].split()[0] for c in commands}


def test_a_single_endpoint_measures_the_uplinks_one_after_the_other(lab: Lab) -> None:
    s = session(lab, measure_endpoint=lab.measure_endpoint, measure_seconds=1)
    facts = uplinks.collect(s)
    first, second = sorted(_spans(s, facts).values())
    assert first[1] <= second[0]
    for u in facts.uplinks:
        assert u.upload is not None and u.upload.error is None and u.download is not None and u.download.error is None


def test_concurrent_measurements_wait_for_a_busy_server(lab: Lab) -> None:
    results: dict[str, Throughput] = {}

    def run(name: str) -> None:
        s = session(lab, name)
        results[name] = uplinks.measure(s, lab.measure_endpoint, 2, "up1", ["10.203.1.2"], reverse=True)

    threads = [threading.Thread(target=run, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["a", "b"]
    for t in results.values():
        assert t.error is None and t.mbps is not None and t.margin_mbps is not None
        assert abs(t.mbps - 20) <= t.margin_mbps, t.describe()  # serialised: neither saw half the link


def test_a_server_that_stays_down_is_reported_once_the_refused_window_has_passed(lab: Lab) -> None:
    started = time.monotonic()
    t = uplinks.measure(session(lab), "10.203.99.1:5999", 1, "up1", ["10.203.1.2"], reverse=False)
    took = time.monotonic() - started
    assert t.mbps is None and t.error is not None and "Connection refused" in t.error
    assert uplinks.REFUSED_WAIT <= took < uplinks.REFUSED_WAIT + 5
    assert len(t.observations) > 1  # every attempt is cited, not only the last


def test_a_server_between_two_tests_is_retried_not_reported_refused(lab: Lab) -> None:
    # iperf3 -s closes and reopens its listener after every test (esnet/iperf#2066); a server that starts
    # listening a moment after the client first tries is the same gap, made long enough to hit every time.
    port = 5299
    timer = threading.Timer(1.5, lab.start_iperf, args=(port,))
    timer.start()
    try:
        t = uplinks.measure(session(lab), f"10.203.99.1:{port}", 1, "up1", ["10.203.1.2"], reverse=False)
    finally:
        timer.join()
    assert t.error is None and t.mbps is not None, t.describe()
    assert len(t.observations) > 1


def test_without_endpoint_or_echo_nothing_is_measured_and_notes_say_why(lab: Lab) -> None:
    facts = uplinks.collect(session(lab))
    assert [u.interface for u in facts.uplinks] == ["up1", "up2"]
    assert all(u.upload is None and u.egress is None for u in facts.uplinks)
    assert any("no ihcheck_measure_endpoint" in n for n in facts.notes)
    assert any("no ihcheck_echo_url" in n for n in facts.notes)


def test_identity_table_errors_reach_the_user(lab: Lab, tmp_path: Path) -> None:
    bad = tmp_path / "ids.json"
    bad.write_text("{")
    from checker.errors import InputError

    with pytest.raises(InputError, match="invalid JSON"):
        uplinks.collect(session(lab, echo_url=lab.echo_url, simulated_identities=str(bad)))
