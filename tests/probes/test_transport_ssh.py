"""The SSH transport against a real OpenSSH server: host keys are verified unless the user opts out."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.errors import HostUnreachable
from probes.gather import gather
from probes.inventory import Inventory, InventoryHost, load_inventory
from probes.observation import ObservationLog, sha256_text
from probes.transport import Session, TransportOptions, open_transport
from tests.daemons import Sshd, free_port, sshd


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    with sshd(tmp_path_factory.mktemp("sshd")) as s:
        yield s


def _host(s: Sshd, known_hosts: Path | None, name: str = "h1", **kw: object) -> InventoryHost:
    data = {"name": name, "address": "127.0.0.1", "port": s.port, "user": s.user,
            "private_key_file": s.client_key, **kw}
    host = InventoryHost.model_validate(data)
    if known_hosts is not None:
        host = host.model_copy(update={"declared": host.declared.model_copy(update={"known_hosts": known_hosts})})
    return host


def test_known_host_key_connects_and_is_recorded(server: Sshd) -> None:
    transport = open_transport(_host(server, server.known_hosts))
    session = Session(host=_host(server, server.known_hosts), transport=transport, log=ObservationLog())
    obs = session.run("echo hello; echo oops >&2; exit 3")
    ssh = transport._client.get_transport()  # type: ignore[attr-defined]
    # AES-GCM negotiated: paramiko's default (AES-CTR + HMAC) checks every packet's MAC in a Python loop
    assert (ssh.local_cipher, ssh.remote_cipher) == ("aes128-gcm@openssh.com", "aes128-gcm@openssh.com")
    transport.close()
    assert (obs.exit_status, obs.stdout, obs.stderr) == (3, "hello\n", "oops\n")
    assert obs.stdout_sha256 == sha256_text("hello\n")
    assert obs.id == "h1#1" and obs.transport == "paramiko"
    import paramiko

    expected = paramiko.HostKeys(str(server.known_hosts)).lookup(f"[127.0.0.1]:{server.port}")
    assert expected is not None
    assert obs.host_key_fingerprint == next(iter(expected.values())).fingerprint
    assert obs.started_at <= obs.ended_at


def test_unknown_host_key_is_rejected_by_default(server: Sshd, tmp_path: Path) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    with pytest.raises(HostUnreachable, match="not found in known_hosts"):
        open_transport(_host(server, empty))


def test_changed_host_key_is_rejected(server: Sshd, tmp_path: Path) -> None:
    import subprocess

    other = tmp_path / "other"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    algo, key = other.with_suffix(".pub").read_text().split()[:2]
    wrong = tmp_path / "known_hosts"
    wrong.write_text(f"[127.0.0.1]:{server.port} {algo} {key}\n")
    with pytest.raises(HostUnreachable, match=r"mismatch|not found"):
        open_transport(_host(server, wrong))


def test_opt_out_accepts_unknown_key_and_says_unverified(server: Sshd, tmp_path: Path) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    inventory = Inventory(source="x.yml", hosts=(_host(server, empty),))
    gathered = gather(inventory, options=TransportOptions(accept_unknown_host_keys=True))
    [h] = gathered.facts.hosts
    assert h.reachable and h.identity is not None
    assert h.host_key_verified is False
    assert h.host_key_fingerprint and h.host_key_fingerprint.startswith("SHA256:")


def test_unreachable_host_keeps_the_other_hosts_facts(server: Sshd) -> None:
    up = _host(server, server.known_hosts, "up")
    down = _host(server, server.known_hosts, "down").model_copy(update={"port": free_port()})
    gathered = gather(Inventory(source="x.yml", hosts=(up, down)))
    by_name = {h.name: h for h in gathered.facts.hosts}
    assert by_name["up"].reachable and by_name["up"].services is not None and by_name["up"].host_key_verified
    assert not by_name["down"].reachable
    assert "cannot connect" in (by_name["down"].unreachable_reason or "")
    assert {o.host for o in gathered.observations} == {"up"}


def test_inventory_file_to_ssh_host(server: Sshd, tmp_path: Path) -> None:
    """An INI inventory with Ansible's own connection variables reaches the host."""
    ini = tmp_path / "hosts.ini"
    ini.write_text(
        "[app]\n"
        f"web1 ansible_host=127.0.0.1 ansible_port={server.port} ansible_user={server.user} "
        f"ansible_ssh_private_key_file={server.client_key}\n"
        f"[all:vars]\nihcheck_known_hosts={server.known_hosts}\n"
    )
    inventory = load_inventory(ini)
    [h] = gather(inventory).facts.hosts
    assert h.reachable, h.unreachable_reason
    assert h.groups == ("app",)
    assert h.transport == "paramiko"


@pytest.mark.parametrize("transport", ["ssh", "ansible"])
def test_openssh_and_ansible_transports(server: Sshd, tmp_path: Path, transport: str) -> None:
    """`ihcheck_transport: ssh` uses the OpenSSH client, `ansible` runs each command through Ansible."""
    inv = tmp_path / "inv.yml"
    inv.write_text(
        "all:\n  hosts:\n    h1:\n"
        f"      ansible_host: 127.0.0.1\n      ansible_port: {server.port}\n      ansible_user: {server.user}\n"
        f"      ansible_ssh_private_key_file: {server.client_key}\n"
        f"      ansible_ssh_common_args: -o UserKnownHostsFile={server.known_hosts}\n"
        "      ansible_python_interpreter: /usr/bin/python3\n"
        f"      ihcheck_known_hosts: {server.known_hosts}\n      ihcheck_transport: {transport}\n"
    )
    gathered = gather(load_inventory(inv))
    [h] = gathered.facts.hosts
    assert h.reachable, h.unreachable_reason
    assert h.transport == transport and not h.errors
    assert h.identity is not None and h.services is not None
    assert {o.transport for o in gathered.observations} - {"checker"} == {transport}


def test_openssh_transport_rejects_unknown_key(server: Sshd, tmp_path: Path) -> None:
    empty = tmp_path / "empty_known_hosts"
    empty.write_text("")
    host = _host(server, empty).model_copy(update={"declared": _host(server, empty).declared.model_copy(
        update={"transport": "ssh"})})
    [h] = gather(Inventory(source="x.yml", hosts=(host,))).facts.hosts
    assert not h.reachable
    assert "Host key verification failed" in (h.unreachable_reason or "")
