"""The egress probe against real daemons: nginx echo and metadata look-alikes in a lab network namespace.

The "hospital host" is a network namespace with two uplinks (veth pairs, default routes with metrics
100 and 200); the "internet" namespace runs Debian's nginx. See tests/probes/uplink_lab.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from checker.catalogue.gd2020_domestic import DOMESTIC
from checker.engine import evaluate
from checker.model import Basis, Verdict
from probes import egress
from probes.facts import DeploymentFacts, HostFacts
from probes.facts.declared import Declarations
from probes.inventory import InventoryHost
from probes.observation import ObservationLog
from probes.transport import Session
from tests.probes.uplink_lab import Lab, available

pytestmark = [pytest.mark.usefixtures("machine_to_ourselves"),
              pytest.mark.skipif(available() is not None, reason=f"lab network: {available()}")]


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    with Lab([20, 5]) as built:
        yield built


def identities(tmp_path: Path, first: str = "CN", second: str = "CN") -> Path:
    path = tmp_path / "identities.json"
    path.write_text(json.dumps({
        "10.203.1.2": {"country": first, "city": "Guangzhou", "asn": 4134, "isp": "China Telecom", "simulated": True},
        "10.203.2.2": {"country": second, "asn": 4837, "isp": "China Unicom", "simulated": True},
    }))
    return path


def session(lab: Lab, **declared: object) -> Session:
    host = InventoryHost(name="db1", address="db1", connection="local", declared=Declarations.model_validate(declared))
    return Session(host=host, transport=lab.transport(), log=ObservationLog())


def test_echo_per_uplink_returns_that_uplinks_address(lab: Lab) -> None:
    s = session(lab, echo_url=lab.echo_url)
    facts = egress.collect(s)
    assert [(p.interface, p.gateway, p.address) for p in facts.paths] == [
        ("up1", "10.203.1.1", "10.203.1.2"), ("up2", "10.203.2.1", "10.203.2.2")]
    by_id = {o.id: o for o in s.observations}
    for p in facts.paths:
        echo = by_id[p.observations[0]]
        assert f"--interface {p.interface}" in echo.command and echo.stdout.strip() == p.address
        assert p.identity is not None and p.identity.private and not p.identity.simulated
    assert facts.timezone and facts.supporting_observations


def test_simulated_identities_place_each_uplink(lab: Lab, tmp_path: Path) -> None:
    s = session(lab, echo_url=lab.echo_url, simulated_identities=str(identities(tmp_path)))
    facts = egress.collect(s)
    idents = [p.identity for p in facts.paths]
    assert [(i.country, i.isp, i.simulated) for i in idents if i] == [
        ("CN", "China Telecom", True), ("CN", "China Unicom", True)]
    lookups = [o for o in s.observations if o.command.startswith("simulated identity table lookup")]
    assert len(lookups) == 2


@pytest.mark.parametrize(("provider", "region", "country"), [
    ("alibaba", "cn-shenzhen", "CN"), ("tencent", "ap-guangzhou", "CN"),
    ("huawei", "cn-south-1", "CN"), ("aws", "cn-northwest-1", "CN"),
])
def test_cloud_region_from_the_named_metadata_service(lab: Lab, provider: str, region: str, country: str) -> None:
    s = session(lab, cloud_metadata_url=lab.metadata_url(provider))
    facts = egress.collect(s)
    assert facts.cloud is not None
    assert (facts.cloud.provider, facts.cloud.region, facts.cloud.country) == (provider, region, country)
    commands = [o.command for o in s.observations if "curl" in o.command]
    assert commands and all(lab.metadata_url(provider) in c for c in commands)  # only the named address
    if provider == "aws":
        # the IMDSv2 session token is a secret: sent, but redacted in the evidence as it is recorded
        assert any("X-aws-ec2-metadata-token: [REDACTED]" in c for c in commands)
        assert not any("lab-token" in c for c in commands)


def test_metadata_service_without_region_paths_is_a_note(lab: Lab) -> None:
    facts = egress.collect(session(lab, cloud_metadata_url=f"http://{lab.measure_endpoint.split(':')[0]}:8080"))
    assert facts.cloud is None
    assert any("answered none of the" in n for n in facts.notes)


def test_no_echo_url_observes_no_egress_and_says_so(lab: Lab) -> None:
    facts = egress.collect(session(lab))
    assert facts.paths == () and facts.cloud is None
    assert any("no ihcheck_echo_url" in n for n in facts.notes)


def test_unreachable_echo_service_is_recorded_per_uplink(lab: Lab) -> None:
    facts = egress.collect(session(lab, echo_url=lab.echo_url.replace(":8080", ":8099")))
    assert [p.address for p in facts.paths] == [None, None]
    assert all(p.error and p.error.startswith("curl exit 7") for p in facts.paths)


def test_echo_url_must_be_http(lab: Lab) -> None:
    # refused as the inventory is read (it would reach curl's command line), before any host is contacted
    with pytest.raises(ValidationError, match="expected an http"):
        session(lab, echo_url="ftp://10.203.99.1/ip")
    with pytest.raises(ValidationError, match="expected an http"):
        session(lab, echo_url="-o/tmp/written-on-the-host")


def _judge(s: Session) -> tuple[Verdict, str, set[Basis]]:
    host = HostFacts(name="db1", address="db1", reachable=True, egress=egress.collect(s))
    facts = DeploymentFacts(inventory="lab", collected_at=s.observations[0].started_at, hosts=(host,))
    [finding] = evaluate(facts, [DOMESTIC])
    return finding.verdict, finding.reason, {e.basis for e in finding.evidence}


def test_domestic_rule_over_the_lab(lab: Lab, tmp_path: Path) -> None:
    verdict, reason, bases = _judge(session(lab, echo_url=lab.echo_url,
                                            simulated_identities=str(identities(tmp_path))))
    assert verdict is Verdict.PASS and "simulated" in reason and Basis.SIMULATED in bases
    verdict, reason, _ = _judge(session(lab, echo_url=lab.echo_url,
                                        simulated_identities=str(identities(tmp_path, second="HK"))))
    assert verdict is Verdict.FAIL and "10.203.2.2" in reason and "[HK]" in reason
    verdict, reason, _ = _judge(session(lab, echo_url=lab.echo_url))
    assert verdict is Verdict.INCONCLUSIVE and "private address 10.203.1.2" in reason
