"""Scenario specs, topology planning and the files a boot writes: everything short of containers.

Fast and container-free: every shipped scenario loads, bad specs give one line naming the file and
the field, the address plan follows the documented topology, and the inventory a scenario would
get is accepted by the checker's own inventory parser.
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path

import pytest

from simulator import inventory, power, render, spec
from simulator.deployment import Deployment
from simulator.layout import Layout, plan

FAULTS = {  # scenario -> the rules it must fail (all others pass unless noted in the file)
    "single-server": {"GD2020-1.2.3-servers", "GD2020-1.2.3-db-app-split", "GD2020-1.2.4-av-systems"},
    "db-on-app-host": {"GD2020-1.2.3-db-app-split"},
    "single-isp": {"GD2020-1.2.5-isps"},
    "slow-uplink": {"GD2020-1.2.5-bandwidth"},
    "server-abroad": {"GD2020-1.2.3-domestic"},
    "single-av-system": {"GD2020-1.2.4-av-systems"},
    "no-power-redundancy": {"GD2020-1.2.3-power"},
    "host-unreachable": set(),
    # the hospital side: PACS down also takes remote imaging and pathology (served by that PACS) down
    "pacs-down": {"GD2020-1.2.1-exchange", "GD2020-1.2.2-functions"},
    "hl7-rejects": {"GD2020-1.2.1-exchange"},
    "expired-tls": {"GD2020-3.2.1-platform-feed"},
    "whitelist-lapsed": {"BJ2026-3-physicians"},
    "trail-edited": {"BJ2026-1-traceability"},
    "db-listens-outside": set(),  # fails GD2020-1.2.1-boundary-db-listen (since 2026.12), as its file says
    "mlps-report-fails": set(),  # fails GD2020-1.2.1-mlps-report (since 2026.12), as its file says
    "public-page-no-licence": set(),  # fails GD2020-4.2-public-page (since 2026.12), as its file says
    "dns-abroad": set(),  # fails GD2020-1.2.3-offshore (since 2026.12), as its file says
}
COMPLIANT = (spec.scenario_dir() / "compliant.yaml").read_text(encoding="utf-8")


def _subnets(scenario: spec.Scenario) -> dict[str, ipaddress.IPv4Network]:
    keys = ["lan", *(f"wan-{u}" for u in scenario.uplinks), "inet"]
    return {key: ipaddress.IPv4Network(f"10.99.{i}.0/24") for i, key in enumerate(keys)}


def _write(tmp_path: Path, text: str, name: str = "x.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(spec.SpecError) as caught:
        spec.load(path)
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith(f"{path}: ")
    return message.removeprefix(f"{path}: ")


def test_every_shipped_scenario_loads_and_states_every_rule() -> None:
    names = spec.shipped_scenarios()
    assert {"compliant", *FAULTS} <= set(names)
    for name in names:
        loaded_name, scenario = spec.load(name)
        assert loaded_name == name
        pilot = set(spec.tagged("pilot")) if scenario.pilot is not None else set()
        mlps = set(spec.tagged("mlps"))
        everywhere = {r for t in ("hardware", "network", "exchange", "public-page") for r in spec.tagged(t)}
        assert set(scenario.expect) - mlps == everywhere | pilot
        assert scenario.description and "\n" not in scenario.description


def test_compliant_expects_every_rule_to_pass() -> None:
    _, scenario = spec.load("compliant")
    assert {v for r, v in scenario.expect.items() if r not in spec.tagged("mlps")} == {"pass"}
    # MLPS-hardened: every item a container can show passes; the rest (the kernel's owner's, the assessor's) pass
    # as attested by a document the scenario names for every one of them, and only for them
    mlps = {r: v for r, v in scenario.expect.items() if r in spec.tagged("mlps")}
    assert set(mlps.values()) == {"pass"}
    # the 33 §8.1.4 items a container shows or a document attests, the §8.1.3 boundary rules (a host's part) and
    # the assessor's report (the simulated folder's 等级测评报告 concludes 符合)
    assert len([r for r in mlps if "-l3-ces1-" in r]) == 33 and set(mlps) - set(spec.tagged("boundary")) - set(
        spec.tagged("mlps-report")) == {r for r in mlps if "-l3-ces1-" in r}
    documented = {f"GD2020-1.2.1-l3-ces1-{u.removeprefix('L3-CES1-')}" for u in scenario.mlps_evidence}
    assert len(documented) == 19 and documented <= set(mlps)
    assert len(scenario.hosts) + len(scenario.uplinks) + len(scenario.hospital) + 1 <= 9  # small: boot stays fast


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_each_fault_fails_exactly_its_own_rules(name: str) -> None:
    _, scenario = spec.load(name)
    from checker.catalogue import rule_by_id

    failing = {rule for rule, verdict in scenario.expect.items() if verdict == "fail"}
    # a rule added since these were written may fail too, where its scenario says so
    assert {r for r in failing if rule_by_id(r).since == "2026.11"} == FAULTS[name]
    if name == "host-unreachable":
        assert [h for h in scenario.hosts.values() if h.sshd == "down"]
        assert "inconclusive" in scenario.expect.values()
    else:
        assert set(scenario.expect.values()) <= {"pass", "fail"}


def test_a_path_works_as_well_as_a_name(tmp_path: Path) -> None:
    name, scenario = spec.load(_write(tmp_path, COMPLIANT, "my-lab.yaml"))
    assert name == "my-lab" and "app1" in scenario.hosts


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (("services: [postgresql]", "services: [postgress]"),
         "hosts.db1.services[0]: unknown service 'postgress'"),
        (("services: [kamailio, janus]", "services: [kamailio, jannus]"),
         "hosts.av2.services[1]: unknown service 'jannus'"),
        (("    bandwidth_mbps: 20\n", "    bandwidth_mbps: 20\n    colour: red\n"), "uplinks.cu.colour: unknown field"),
        (("bandwidth_mbps: 20", "bandwidth_mbps: -3"), "uplinks.cu.bandwidth_mbps: Input should be greater than 0"),
        (("country: CN, region: Guangdong, city: Shenzhen", "country: china, region: Guangdong, city: Shenzhen"),
         "uplinks.cu.identity.country: String should match pattern"),
        (("  tag:documents: null", "  tag:documents: null\n  GD2020-9-x: pass"), "expect.GD2020-9-x: unknown rule"),
        (("l3-ces1-21: null", "l3-ces1-21: maybe"), "expect.GD2020-1.2.1-l3-ces1-21: Input should be"),
        (("  db1:\n    services: [postgresql]\n", "  db1:\n    services: [postgresql]\n    uplinks: [ct, xx]\n"),
         "hosts.db1.uplinks[1]: unknown uplink 'xx'"),
        (("  av1:\n    services: [coturn]\n", "  av1:\n    services: [coturn]\n    sshd: sleeping\n"),
         "hosts.av1.sshd: Input should be 'up' or 'down'"),
        (("turn-relay: {host: av1,", "turn-relay: {host: av9,"), "av_systems.turn-relay.host: unknown host 'av9'"),
        (("turn-relay: {host: av1, services: [coturn]}", "turn-relay: {host: av1, services: [janus]}"),
         "av_systems.turn-relay.services[0]: host 'av1' does not run 'janus'"),
        (("  db1:\n", "  DB_1:\n"), "hosts.DB_1: name must be"),
        (("description: \"Compliant", "description: |\n  two\n  lines\nx: \"Compliant"), "description: must be one line"),
    ],
)
def test_bad_specs_are_one_line_naming_file_and_field(tmp_path: Path, edit: tuple[str, str], expected: str) -> None:
    old, new = edit
    assert old in COMPLIANT
    assert _error(_write(tmp_path, COMPLIANT.replace(old, new, 1))).startswith(expected)


def test_failed_psus_cannot_exceed_installed(tmp_path: Path) -> None:
    text = COMPLIANT.replace("psu_failed: 0", "psu_failed: 3")
    assert _error(_write(tmp_path, text)) == "hosts.app1.power.psu_failed: 3 failed of 2 installed"


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    assert _error(_write(tmp_path, "description: x\nhosts: [\n")).startswith("line ")


def test_unknown_scenario_lists_the_shipped_ones() -> None:
    with pytest.raises(spec.SpecError, match=r"^nosuch: unknown scenario \(shipped: .*compliant"):
        spec.load("nosuch")


def test_topology_follows_the_documented_plan() -> None:
    _, scenario = spec.load("compliant")
    layout = plan("compliant", scenario, _subnets(scenario))
    assert layout.networks == {"lan": "ihc-compliant-lan", "wan-ct": "ihc-compliant-wan-ct",
                               "wan-cu": "ihc-compliant-wan-cu", "inet": "ihc-compliant-inet"}
    assert layout.internet().address("inet") == "10.99.3.2"
    assert layout.egress_address("ct") == "10.99.3.10" and layout.egress_address("cu") == "10.99.3.11"
    app1 = layout.boxes["app1"]
    assert [(n.network, n.interface, n.address) for n in app1.nics] == [
        ("lan", "eth0", "10.99.0.10"), ("wan-ct", "eth1", "10.99.1.10"), ("wan-cu", "eth2", "10.99.2.10")]
    assert [(r.interface, r.gateway, r.metric) for r in app1.routes] == [
        ("eth1", "10.99.1.2", 100), ("eth2", "10.99.2.2", 200)]
    assert {b.kind for b in layout.boxes.values()} == {"host", "router", "internet", "hospital"}
    assert len(layout.boxes) == 9  # with the hospital side (HIS/LIS, PACS)


def test_server_abroad_db_leaves_only_by_its_foreign_uplink() -> None:
    _, scenario = spec.load("server-abroad")
    layout = plan("server-abroad", scenario, _subnets(scenario))
    assert [r.uplink for r in layout.boxes["db1"].routes] == ["sg"]
    assert scenario.uplinks["sg"].identity.country != "CN"
    assert all(scenario.uplinks[r.uplink].identity.country == "CN"
               for name in ("app1", "av1", "av2") for r in layout.boxes[name].routes)


def _rendered(tmp_path: Path, name: str) -> tuple[Layout, Deployment]:
    _, scenario = spec.load(name)
    layout = plan(name, scenario, _subnets(scenario))
    out = render.render(layout, scenario, tmp_path / name)
    return layout, Deployment(name, scenario, layout, out.state, out.bmc, out.attestations)


def test_rendered_state_has_keys_known_hosts_and_identities(tmp_path: Path) -> None:
    layout, deployment = _rendered(tmp_path, "compliant")
    assert deployment.private_key.stat().st_mode & 0o777 == 0o600
    known = deployment.known_hosts.read_text().splitlines()
    assert len(known) == len(layout.boxes)
    assert any(line.startswith("app1,10.99.0.10,") and " ssh-ed25519 " in line for line in known)
    identities = json.loads(deployment.identities.read_text())
    assert identities["10.99.3.10"] == {"country": "CN", "region": "Guangdong", "city": "Guangzhou", "asn": 4134,
                                        "as_org": "CHINANET-BACKBONE", "isp": "China Telecom", "simulated": True}
    machine_ids = {(deployment.state / "boxes" / b / "machine-id").read_text() for b in layout.boxes}
    assert len(machine_ids) == len(layout.boxes)
    start = (deployment.state / "boxes" / "av2" / "start.sh").read_text()
    assert "kamailio -f" in start and "janus" in start and start.rstrip().endswith("exec /usr/sbin/sshd -D -e")


def test_power_fault_shows_in_bmc_sysfs_and_ups(tmp_path: Path) -> None:
    _, deployment = _rendered(tmp_path, "no-power-redundancy")
    db1 = deployment.state / "boxes" / "db1"
    assert not (db1 / "ups.dev").exists()
    assert (db1 / "power_supply" / "AC0" / "online").read_text() == "1\n"
    assert (db1 / "power_supply" / "AC1" / "online").read_text() == "0\n"
    emu = (db1 / "bmc" / "bmc.emu").read_text()
    assert "sensor_set_bit 0x20 0 2 1 1 0" in emu  # PSU2: failure detected
    assert "db1" not in deployment.attestations
    app1 = deployment.state / "boxes" / "app1"
    assert "ups.status: OL" in (app1 / "ups.dev").read_text()
    assert "sensor_set_bit 0x20 0 2 1 0 0" in (app1 / "bmc" / "bmc.emu").read_text()


def test_empty_bay_reads_absent() -> None:
    emu = power.bmc_emu(spec.Power(psus=1, ups=False))
    assert "sensor_set_bit 0x20 0 2 0 0 0" in emu  # bay 2 has no supply
    assert emu.count("sensor_add 0x20 0") == 2


def test_unreachable_host_runs_its_daemons_without_sshd(tmp_path: Path) -> None:
    _, deployment = _rendered(tmp_path, "host-unreachable")
    start = (deployment.state / "boxes" / "av2" / "start.sh").read_text()
    assert "exec sleep infinity" in start and "exec /usr/sbin/sshd" not in start
    assert "kamailio -f" in start
    checks = {p.name for p in (deployment.state / "boxes" / "av2" / "checks").iterdir()}
    assert not [c for c in checks if c.endswith("-sshd.sh")] and [c for c in checks if c.endswith("-kamailio.sh")]


def test_inventory_is_accepted_by_the_checkers_parser(tmp_path: Path) -> None:
    from probes.inventory import load_inventory

    _, deployment = _rendered(tmp_path, "compliant")
    path = tmp_path / "inventory.yml"
    inventory.write(deployment, path)
    parsed = load_inventory(path)
    hosts = {h.name: h for h in parsed.hosts}
    assert set(hosts) == {"app1", "db1", "av1", "av2"}  # no routers, no internet
    assert hosts["db1"].address == "10.99.0.11" and hosts["db1"].user == "root"
    assert hosts["db1"].declared.role == ("database",)
    assert hosts["db1"].declared.known_hosts == deployment.known_hosts
    assert hosts["db1"].declared.bmc is not None and hosts["db1"].declared.bmc.address == "10.99.0.11"
    # business bandwidth: the app's uplinks, one iperf3 server each
    assert hosts["app1"].declared.measure_endpoint == ("10.99.3.2:5201", "10.99.3.2:5202")
    assert hosts["db1"].declared.measure_endpoint == ()
    assert hosts["db1"].declared.echo_url == "http://10.99.3.2/ip"  # every host's egress is located
    assert {e.kind for e in hosts["av2"].declared.av_endpoints} == {"sip", "webrtc-gateway"}
    assert "av" in hosts["av1"].groups
    # the containers share one kernel: the simulation declares that they stand for separate servers
    assert all(h.declared.simulated_separate_servers for h in hosts.values())


def test_inventory_of_every_scenario_parses(tmp_path: Path) -> None:
    from probes.inventory import load_inventory

    for name in spec.shipped_scenarios():
        _, deployment = _rendered(tmp_path, name)
        path = tmp_path / f"{name}.yml"
        inventory.write(deployment, path)
        assert {h.name for h in load_inventory(path).hosts} == set(deployment.spec.hosts)


def _env(deployment: Deployment, box: str) -> dict[str, str]:
    import shlex

    lines = (deployment.state / "boxes" / box / "env").read_text().splitlines()
    return {k: shlex.split(v)[0] if v else "" for k, _, v in (line.removeprefix("export ").partition("=")
                                                              for line in lines)}


def test_application_hosts_hold_a_pool_to_every_database(tmp_path: Path) -> None:
    _, deployment = _rendered(tmp_path, "compliant")
    app, db = _env(deployment, "app1"), _env(deployment, "db1")
    assert app["IHC_DB_TARGETS"] == "postgresql:10.99.0.11:5432"  # db1 over the LAN
    assert app["IHC_DB_PASSWORD"] == db["IHC_DB_PASSWORD"] and len(db["IHC_DB_PASSWORD"]) == 24
    assert "IHC_DB_PASSWORD" not in _env(deployment, "av1")
    _, colocated = _rendered(tmp_path, "db-on-app-host")
    assert _env(colocated, "app1")["IHC_DB_TARGETS"] == "mariadb:127.0.0.1:3306"  # same host: loopback


def test_databases_listen_on_the_lan_unless_a_scenario_opens_them(tmp_path: Path) -> None:
    _, deployment = _rendered(tmp_path, "compliant")
    assert _env(deployment, "db1")["IHC_DB_LISTEN"] == "127.0.0.1,10.99.0.11"  # loopback and the LAN only
    assert "IHC_DB_LISTEN" not in _env(deployment, "app1")
    _, colocated = _rendered(tmp_path, "db-on-app-host")
    assert _env(colocated, "app1")["IHC_DB_LISTEN"] == "127.0.0.1,10.99.0.10"
    _, opened = _rendered(tmp_path, "db-listens-outside")
    assert _env(opened, "db1")["IHC_DB_LISTEN"] == "*"  # every address, the uplinks' included


def test_hospital_systems_sit_on_the_lan_without_sshd_and_outside_the_inventory_hosts() -> None:
    _, scenario = spec.load("compliant")
    layout = plan("compliant", scenario, _subnets(scenario))
    hospital = {b.key: b for b in layout.hospital()}
    assert set(hospital) == {"his", "pacs"}
    assert [b.address("lan") for b in hospital.values()] == ["10.99.0.100", "10.99.0.101"]
    assert not any(b.sshd for b in hospital.values()) and {b.key for b in layout.hosts()}.isdisjoint(hospital)


def test_hospital_spec_errors_are_one_line(tmp_path: Path) -> None:
    bad = COMPLIANT.replace("pacs: {services: [pacs]}", "pacs: {services: [pacs], stopped: [his]}")
    assert _error(_write(tmp_path, bad)) == "hospital.pacs.stopped[0]: 'his' is not one of its services"
    bad = COMPLIANT.replace("pacs: {services: [pacs]}", "pacs: {services: [orthanc]}")
    assert _error(_write(tmp_path, bad)).startswith("hospital.pacs.services[0]: unknown hospital service 'orthanc'")


def test_the_rule_ids_a_scenario_states_are_catalogue_rules() -> None:
    from checker.catalogue import CATALOGUE

    for name in spec.shipped_scenarios():
        assert set(spec.load(name)[1].expect) <= {r.id for r in CATALOGUE}, name


@pytest.mark.parametrize(("edit", "expected"), [
    (("  audit_host: app1\n", "  audit_host: app9\n"), "pilot.audit_host: unknown host 'app9'"),
    (("  database: db1\n", "  database: app1\n"), "pilot.database: 'app1' is not a host running postgresql"),
    (("  audit_host: app1\n", "  audit_host: app1\n  edited_record: 999\n"), "pilot.edited_record: the audit log has"),
    (("  tag:documents: null", "  tag:documents: null\n  BJ2026-1-traceability: null"),
     "expect: missing expected verdict for BJ2026-1-traceability"),
])
def test_a_bad_pilot_section_is_one_line_naming_the_field(tmp_path: Path, edit: tuple[str, str], expected: str) -> None:
    assert edit[0] in COMPLIANT
    assert _error(_write(tmp_path, COMPLIANT.replace(*edit))).startswith(expected)


def test_pilot_rules_need_a_declared_pilot(tmp_path: Path) -> None:
    text = "\n".join(line for line in COMPLIANT.splitlines()
                     if not line.startswith(("pilot:", "  database:", "  audit_host:"))) + "\n"
    assert _error(_write(tmp_path, text)).startswith("expect: BJ2026-3-physicians is stated but the hospital")


def test_a_pilot_hospital_gets_its_records_and_declares_the_pilot(tmp_path: Path) -> None:
    from datetime import date

    from probes.inventory import load_inventory
    from probes.programmes import prepare
    from probes.trail import verify

    _, deployment = _rendered(tmp_path, "trail-edited")
    db1, app1 = deployment.state / "boxes" / "db1", deployment.state / "boxes" / "app1"
    assert "CREATE ROLE ihcheck_ro" in (db1 / "pilot" / "visits.sql").read_text(encoding="utf-8")
    assert "/ihc/pilot/visits.sql" in (db1 / "start.sh").read_text()
    assert any(c.name.endswith("-pilot-visits.sh") for c in (db1 / "checks").iterdir())
    broken = verify(app1 / "pilot" / "audit.jsonl").broken
    assert broken is not None and broken.line == 17
    path = tmp_path / "inventory.yml"
    inventory.write(deployment, path)
    prepared = prepare(load_inventory(path), date.today())
    assert prepared is not None and prepared.roster is not None and len(prepared.roster.physicians) == 5
    assert prepared.hosts_needed() == {"db1", "app1"}
    assert not prepared.pseudonym.per_run
    _, plain = _rendered(tmp_path, "single-isp")
    plain_path = tmp_path / "plain.yml"
    inventory.write(plain, plain_path)
    assert "ihcheck_programmes" not in plain_path.read_text(encoding="utf-8")


def test_the_public_page_and_the_resolver_abroad_are_rendered_and_declared(tmp_path: Path) -> None:
    import json

    from probes.inventory import load_inventory
    from simulator.public_page import LICENCE_NUMBER

    _, compliant = _rendered(tmp_path, "compliant")
    page = (compliant.state / "boxes" / "app1" / "patient" / "licence.html").read_text(encoding="utf-8")
    assert LICENCE_NUMBER in page and "24 小时内回复" in page and "30 元" in page
    start = (compliant.state / "boxes" / "app1" / "start.sh").read_text()
    assert start.index("cp /ihc/patient/licence.html") < start.index("nginx")  # published before nginx starts
    path = tmp_path / "compliant.yml"
    inventory.write(compliant, path)
    app1 = next(h for h in load_inventory(path).hosts if h.name == "app1")
    assert [p.url for p in app1.declared.public_pages] == [f"http://{app1.address}/patient/licence.html"]
    materials = (compliant.state / "documents" / "materials.yaml").read_text(encoding="utf-8")
    assert f"number: {LICENCE_NUMBER}" in materials
    assert "resolv.conf" not in (compliant.state / "boxes" / "db1" / "start.sh").read_text()

    _, missing = _rendered(tmp_path / "b", "public-page-no-licence")
    assert LICENCE_NUMBER not in (missing.state / "boxes" / "app1" / "patient" / "licence.html").read_text()

    _, abroad = _rendered(tmp_path / "c", "dns-abroad")
    identities = json.loads((abroad.state / "identities.json").read_text(encoding="utf-8"))
    inet = abroad.layout.internet().address("inet")
    resolver = inet.rsplit(".", 1)[0] + ".250"
    assert identities[resolver]["country"] == "SG" and identities[inet]["country"] == "CN"
    assert resolver not in {a for box in abroad.layout.boxes.values() for a in box.addresses()}  # held by nobody
    assert f"nameserver {resolver}" in (abroad.state / "boxes" / "db1" / "start.sh").read_text()
