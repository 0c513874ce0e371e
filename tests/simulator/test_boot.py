"""Boot the default scenario for real and check it the way the checker will: over SSH, strictly.

Needs root, podman, runc and debootstrap (`-m containers`). One boot serves the module; its
teardown is itself tested at the end.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import urllib.request
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from simulator import deploy, podman
from simulator.deployment import Deployment

if TYPE_CHECKING:
    import paramiko

pytestmark = [pytest.mark.containers, pytest.mark.usefixtures("machine_to_ourselves")]
SCENARIO = "compliant"


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    with deploy.running(SCENARIO) as running:
        yield running


@pytest.fixture(scope="module")
def ssh(deployment: Deployment) -> Iterator[dict[str, paramiko.SSHClient]]:
    import paramiko

    clients: dict[str, paramiko.SSHClient] = {}
    for name in deployment.spec.hosts:
        client = paramiko.SSHClient()
        client.load_host_keys(str(deployment.known_hosts))
        client.set_missing_host_key_policy(paramiko.RejectPolicy())  # strict, as the checker is
        client.connect(deployment.host_address(name), username="root", key_filename=str(deployment.private_key),
                       look_for_keys=False, allow_agent=False, timeout=10)
        clients[name] = client
    yield clients
    for client in clients.values():
        client.close()


def run(client: paramiko.SSHClient, command: str, timeout: float = 30) -> str:
    _, stdout, stderr = client.exec_command(command, timeout=timeout)
    status = stdout.channel.recv_exit_status()
    out = stdout.read().decode()
    assert status == 0, f"{command!r} exited {status}: {stderr.read().decode()}"
    return out


def listeners(client: paramiko.SSHClient) -> str:
    return run(client, "ss -Hlntup")


def test_every_host_answers_ssh_as_itself(deployment: Deployment,
                                         ssh: dict[str, paramiko.SSHClient]) -> None:
    machine_ids = set()
    for name, client in ssh.items():
        assert run(client, "hostname").strip() == name
        machine_ids.add(run(client, "cat /etc/machine-id").strip())
    assert len(machine_ids) == len(ssh) == 4


def test_database_and_application_daemons(deployment: Deployment,
                                          ssh: dict[str, paramiko.SSHClient]) -> None:
    db_lines = [line for line in listeners(ssh["db1"]).splitlines() if ":5432 " in line]
    # the default deployment's database listens on loopback and its LAN address only, not on every interface
    assert any(f"{deployment.host_address('db1')}:5432 " in line and '"postgres"' in line for line in db_lines), db_lines
    assert not any("0.0.0.0:5432 " in line or "*:5432 " in line for line in db_lines), db_lines
    assert run(ssh["db1"], "su postgres -c \"psql -Atc 'select 1'\"").strip() == "1"
    assert '"nginx"' in listeners(ssh["app1"])
    with urllib.request.urlopen(f"http://{deployment.host_address('app1')}/api/health", timeout=5) as answer:
        assert json.load(answer) == {"status": "ok",
                                     "databases": {f"postgresql:{deployment.host_address('db1')}:5432": "ok"}}
    # each host carries only its own services' packages
    assert "postgres" not in listeners(ssh["app1"]) and "nginx" not in listeners(ssh["db1"])


def test_av_daemons_answer_their_protocols(deployment: Deployment,
                                           ssh: dict[str, paramiko.SSHClient]) -> None:
    av1 = listeners(ssh["av1"])
    assert any("3478" in line and '"turnserver"' in line and line.startswith("udp") for line in av1.splitlines())
    assert "UDP reflexive addr" in run(ssh["av1"], "turnutils_stunclient 127.0.0.1")
    av2 = deployment.host_address("av2")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(5)
        sock.bind(("0.0.0.0", 0))
        port = sock.getsockname()[1]
        sock.sendto((f"OPTIONS sip:ping@{av2} SIP/2.0\r\nVia: SIP/2.0/UDP 0.0.0.0:{port};branch=z9hG4bK-test\r\n"
                     f"Max-Forwards: 70\r\nFrom: <sip:test@ihcheck>;tag=1\r\nTo: <sip:ping@{av2}>\r\n"
                     "Call-ID: test-boot\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n").encode(), (av2, 5060))
        assert sock.recv(4096).startswith(b"SIP/2.0 200")
    with urllib.request.urlopen(f"http://{av2}:8088/janus/info", timeout=5) as answer:
        info = json.load(answer)
    assert info["janus"] == "server_info" and "Janus" in info["name"]
    assert '"janus"' in listeners(ssh["av2"]) and '"kamailio"' in listeners(ssh["av2"])


def test_power_daemons_and_sysfs(deployment: Deployment, ssh: dict[str, paramiko.SSHClient]) -> None:
    for name, client in ssh.items():
        assert run(client, "upsc ups@localhost ups.status 2>/dev/null").strip() == "OL"
        assert '"upsd"' in listeners(client) and '"ipmi_sim"' in listeners(client)
        creds = deployment.bmc[name]
        sdr = run(client, f"ipmitool -I lanplus -C 3 -H 127.0.0.1 -U {creds.user} -P {creds.password} "
                          "sdr type 'Power Supply' 2>/dev/null")
        assert [line.split("|")[-1].strip() for line in sdr.splitlines()] == ["Presence detected"] * 2
        assert run(client, "cat /sys/class/power_supply/AC*/online").split() == ["1", "1"]
        # and from outside, on the LAN address the inventory declares, as the checker asks it
        outside = subprocess.run(["ipmitool", "-I", "lanplus", "-C", "3", "-H", deployment.host_address(name),
                                  "-U", creds.user, "-E", "sdr", "type", "Power Supply"], capture_output=True,
                                 text=True, env={**os.environ, "IPMI_PASSWORD": creds.password}, timeout=30,
                                 check=True)
        assert outside.stdout.count("Presence detected") == 2
        assert run(client, f"ipmitool -I lanplus -C 3 -H 127.0.0.1 -R 1 -N 1 -U {creds.user} -P wrong sdr 2>&1 || true") \
            .count("PSU") == 0  # the BMC really authenticates


def test_each_uplink_egresses_from_its_router(deployment: Deployment,
                                              ssh: dict[str, paramiko.SSHClient]) -> None:
    seen = {}
    for route in deployment.layout.boxes["app1"].routes:
        answer = run(ssh["app1"], f"curl -fsS --max-time 5 --interface {route.interface} {deployment.echo_url}")
        seen[route.uplink] = answer.strip()
    assert seen == {"ct": deployment.layout.egress_address("ct"), "cu": deployment.layout.egress_address("cu")}
    assert len(set(seen.values())) == 2
    identities = json.loads(deployment.identities.read_text())
    assert {identities[ip]["isp"] for ip in seen.values()} == {"China Telecom", "China Unicom"}


def test_the_20_mbps_uplink_is_shaped_to_20_mbps(deployment: Deployment,
                                                   ssh: dict[str, paramiko.SSHClient]) -> None:
    route = next(r for r in deployment.layout.boxes["app1"].routes if r.uplink == "cu")
    host, port = deployment.measure_endpoints[-1].split(":")
    report = json.loads(run(ssh["app1"], f"iperf3 -J -c {host} -p {port} --bind-dev {route.interface} -t 4",
                            timeout=60))
    mbps = report["end"]["sum_received"]["bits_per_second"] / 1e6
    assert deployment.spec.uplinks["cu"].bandwidth_mbps == 20
    assert 18.0 <= mbps <= 22.0, f"measured {mbps:.1f} Mbit/s through the 20 Mbit/s uplink"


def test_the_application_holds_a_pool_to_the_database_server(deployment: Deployment,
                                                            ssh: dict[str, paramiko.SSHClient]) -> None:
    from probes.connections import SS_TCP, summarise
    from probes.parse.ss import parse_ss_tcp

    db = deployment.host_address("db1")
    outbound, _ = summarise(parse_ss_tcp(run(ssh["app1"], SS_TCP)))
    assert [(o.peer_address, o.peer_port, o.process, o.count) for o in outbound if o.peer_port == 5432] == [
        (db, 5432, "python3", 2)]
    _, inbound = summarise(parse_ss_tcp(run(ssh["db1"], SS_TCP)))
    assert any(i.port == 5432 and i.count >= 2 for i in inbound)


def test_second_up_is_refused(deployment: Deployment) -> None:
    with pytest.raises(deploy.SimulatorError, match="already running"):
        deploy.up(SCENARIO)
    assert deploy.load(SCENARIO).layout == deployment.layout


def test_teardown_removes_everything(deployment: Deployment) -> None:
    # one container per box of the layout: the hosts, the hospital's systems, a router per uplink, the internet
    spec = deployment.spec
    assert len(deployment.layout.boxes) == len(spec.hosts) + len(spec.hospital) + len(spec.uplinks) + 1 == 9
    assert len(podman.containers(SCENARIO)) == len(deployment.layout.boxes)
    deploy.down(SCENARIO)
    assert podman.containers(SCENARIO) == [] and podman.networks(SCENARIO) == []
    assert not deployment.state.exists()


def test_running_tears_down_when_its_body_fails() -> None:
    with pytest.raises(RuntimeError, match="checker broke"), deploy.running(SCENARIO) as running:
        assert len(podman.containers(SCENARIO)) == len(running.layout.boxes)
        raise RuntimeError("checker broke")
    assert podman.containers(SCENARIO) == [] and podman.networks(SCENARIO) == []
