"""Hundreds of real sshd hosts on one machine, without containers: the fleet lab.

Each host is a network namespace with a veth into a bridge this module creates, and an sshd running in
its own PID, mount and UTS namespaces (`unshare --pid --mount --mount-proc --uts --fork`), so `ps`,
`ss`, `hostname` and `/etc/machine-id` (a per-host file bind-mounted over it) are the host's own while
the root filesystem is shared. That is what makes hundreds of hosts cheap: an sshd costs a few MB and
no image. Each host's root has a home of its own, a copy of Debian's /etc/skel, as a freshly installed
server has (not the checker machine's, whose `.bashrc` may start pyenv or the like on every login).
Likewise apt: a container-built machine (this one) carries `/etc/apt/apt.conf.d/docker-*`, whose
`Dir::Cache::pkgcache ""` makes every `apt list` rebuild apt's package cache from the lists (0.6-0.7 s of
CPU against 0.2 s with a cache). An installed Debian server keeps that cache in /var/cache/apt, so each
host sees, in its own mount namespace, the lab's copy of apt.conf.d without the docker-* files and a
/var/cache/apt holding a cache built once per lab, read-only and shared by all hosts (they all read the
same package lists). The probes' commands are untouched: a host is asked what a real one is asked, and a
cache that no longer matches the lists or dpkg's status is rebuilt by apt in memory, as anywhere.
Host keys are per host and written to a known_hosts file before first contact, so checks run with
strict host-key checking, as against real servers.

Addresses come only from the private /16 the caller names (10.213.0.0/16 by default), on a bridge no
other interface is attached to: no packet leaves the machine. Everything started is stopped, and every
namespace and link deleted, by `close()` (also on Ctrl-C, via the context manager).

Faults, per host, for tests: `down` (namespace but no sshd: connection refused), `silent` (a listener
that accepts TCP and never says a word), and `hang=PROGRAM` (that program, bind-mounted over by a
script that sleeps, hangs whenever a probe runs it).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Literal

from simulator import netns
from simulator.paths import state_lock

State = Literal["up", "down", "silent"]

_SSHD_CONFIG = """\
ListenAddress {address}
Port 22
HostKey {host_key}
AuthorizedKeysFile {authorized_keys}
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
UseDNS no
PidFile none
LogLevel ERROR
MaxStartups 100:30:200
"""

_SILENT = ("import socket, sys, time\n"
           "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
           "s.bind((sys.argv[1], 22)); s.listen(64); held = []\n"
           "while True:\n    c, _ = s.accept(); held.append(c)\n")


@dataclass(frozen=True)
class FleetHost:
    name: str
    address: str
    netns: str
    state: State = "up"
    hang: str | None = None  # absolute path of a program that hangs on this host


def available() -> str | None:
    """Why the lab cannot run here, or None when it can."""
    if os.geteuid() != 0:
        return "needs root (network namespaces)"
    for tool in ("ip", "unshare", "ssh-keygen", "/usr/sbin/sshd"):
        if shutil.which(tool) is None:
            return f"{tool} not installed"
    return None


def _run(argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: {done.stderr.strip() or done.returncode}")


class Fleet:
    """N namespace hosts behind one bridge; a context manager that always tears down."""

    def __init__(self, count: int, *, octet: int = 213, faults: dict[int, str] | None = None,
                 workdir: Path | None = None, prefix: str = "host") -> None:
        if not 1 <= count <= 60000:
            raise ValueError("count must be between 1 and 60000")
        self.tag = uuid.uuid4().hex[:6]
        self.bridge = f"ihf{self.tag}"
        self.gateway = f"10.{octet}.0.1"
        self.octet = octet
        self._held = contextlib.ExitStack()  # the subnet's machine-wide lock, while the lab stands
        self._own_workdir = workdir is None
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="ihcheck-fleet-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._procs: list[subprocess.Popen[bytes]] = []
        self._apt_binds = ""
        self._namespaces: list[str] = []
        faults = faults or {}
        self.hosts: list[FleetHost] = []
        for i in range(count):
            n = i + 2  # .0.1 is the bridge
            address = f"10.{octet}.{n // 256}.{n % 256}"
            fault = faults.get(i, "up")
            state: State = "up"
            hang = None
            if fault.startswith("hang="):
                hang = fault.partition("=")[2]
            elif fault in ("down", "silent"):
                state = fault  # type: ignore[assignment]
            self.hosts.append(FleetHost(f"{prefix}{i + 1:03d}", address, f"ihf{self.tag}-{i}", state, hang))
        self.client_key = self.workdir / "client_ed25519"
        self.known_hosts = self.workdir / "known_hosts"

    # -- life cycle -------------------------------------------------------------------------------------
    def __enter__(self) -> Fleet:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def start(self) -> None:
        why = available()
        if why:
            raise RuntimeError(f"fleet lab: {why}")
        Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege-separation directory
        _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(self.client_key)])
        (self.workdir / "authorized_keys").write_text(Path(f"{self.client_key}.pub").read_text())
        # Two labs on one /16 (two test runs of the same file on this machine, another worktree's suite)
        # would put the same gateway on two bridges, and one lab's connections would reach the other's
        # hosts: a lab waits for the subnet to be free.
        self._held.enter_context(state_lock(f"fleet-10.{self.octet}.lock"))
        self._apt_binds = self._installed_apt()
        netns.ip("link", "add", self.bridge, "type", "bridge")
        netns.address_up(self.bridge, f"{self.gateway}/16")
        with ThreadPoolExecutor(max_workers=8) as pool:
            keys = list(pool.map(self._prepare, self.hosts))
        self.known_hosts.write_text("".join(keys))
        for host in self.hosts:
            self._launch(host)
        self._wait_listening()

    def _installed_apt(self) -> str:
        """apt as on an installed Debian server (see the module's docstring): the shell commands that mount the lab's
        apt.conf.d and package cache over the machine's in a host's mount namespace; empty without apt."""
        parts = Path("/etc/apt/apt.conf.d")
        if not parts.is_dir() or shutil.which("apt-cache") is None:
            return ""
        conf, cache = self.workdir / "apt.conf.d", self.workdir / "apt-cache"
        conf.mkdir()
        (cache / "archives" / "partial").mkdir(parents=True)
        for entry in parts.iterdir():
            if not entry.name.startswith("docker-") and entry.is_file():
                shutil.copy2(entry, conf / entry.name)
        binds = f"mount --bind {conf} /etc/apt/apt.conf.d && mount --bind {cache} /var/cache/apt"
        # Built with the very view the hosts get, so apt finds it valid: same configuration, lists and status. Without
        # dpkg's lock: gencaches takes it by default and failed the lab whenever any apt ran on the machine
        # (another lab booting, an install); the cache only reads the lists and the status.
        _run(["unshare", "--mount", "sh", "-c", f"{binds} && apt-cache -o Debug::NoLocking=1 gencaches >/dev/null"])
        return f"{binds} && mount -o remount,bind,ro /var/cache/apt"

    def _prepare(self, host: FleetHost) -> str:
        """Namespace, veth, address, host key and machine-id of one host; returns its known_hosts line."""
        home = self.workdir / host.name
        home.mkdir()
        self._namespaces.append(host.netns)
        netns.add_namespace(host.netns)
        peer = f"v{self.tag}{self.hosts.index(host)}"[:15]
        netns.add_veth(peer, "eth0", peer_netns=host.netns)
        netns.ip("link", "set", peer, "master", self.bridge, "up")
        netns.address_up("eth0", f"{host.address}/16", netns=host.netns, gateway=self.gateway)
        _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(home / "host_key")])
        (home / "machine-id").write_text(uuid.uuid4().hex + "\n")
        shutil.copytree("/etc/skel", home / "root", dirs_exist_ok=True)
        (home / "sshd_config").write_text(_SSHD_CONFIG.format(
            address=host.address, host_key=home / "host_key", authorized_keys=self.workdir / "authorized_keys"))
        if host.hang:
            (home / "hang").write_text("#!/bin/sh\nexec sleep 3600\n")
            (home / "hang").chmod(0o755)
        public = (home / "host_key.pub").read_text().split()
        return f"{host.address} {public[0]} {public[1]}\n"

    def _launch(self, host: FleetHost) -> None:
        home = self.workdir / host.name
        if host.state == "down":
            return
        if host.state == "silent":
            argv = ["ip", "netns", "exec", host.netns, sys.executable, "-c", _SILENT, host.address]
        else:
            binds = f"mount --bind {home / 'machine-id'} /etc/machine-id && mount --bind {home / 'root'} /root"
            if host.hang:
                binds += f" && mount --bind {home / 'hang'} {host.hang}"
            if self._apt_binds:
                binds += f" && {self._apt_binds}"
            inner = f"{binds} && hostname {host.name} && exec /usr/sbin/sshd -D -e -f {home / 'sshd_config'}"
            argv = ["ip", "netns", "exec", host.netns, "unshare", "--pid", "--mount", "--mount-proc", "--uts",
                    "--kill-child", "sh", "-c", inner]
        log = open(home / "sshd.log", "wb")  # noqa: SIM115 - kept open for the daemon's life
        self._procs.append(subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True))
        log.close()

    def _wait_listening(self, timeout: float = 60.0) -> None:
        import socket
        import time

        deadline = time.monotonic() + timeout
        pending = [h for h in self.hosts if h.state != "down"]
        while pending and time.monotonic() < deadline:
            still = []
            for host in pending:
                try:
                    with socket.create_connection((host.address, 22), timeout=1):
                        pass
                except OSError:
                    still.append(host)
            pending = still
            if pending:
                time.sleep(0.2)
        if pending:
            raise RuntimeError(f"fleet lab: {len(pending)} host(s) never listened, e.g. {pending[0].name}")

    def close(self) -> None:
        netns.stop_daemons(self._procs)
        self._procs.clear()
        for name in self._namespaces:
            netns.delete_namespace(name)
        self._namespaces.clear()
        subprocess.run(["ip", "link", "del", self.bridge], capture_output=True, check=False)
        self._held.close()
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    # -- what a check needs -----------------------------------------------------------------------------
    def inventory(self, path: Path, extra_vars: dict[str, object] | None = None, first: int | None = None) -> Path:
        """An Ansible YAML inventory of the fleet (of its `first` hosts), usable by `ihcheck check` and `ansible`."""
        import yaml

        hosts = {h.name: {"ansible_host": h.address} for h in self.hosts[:first]}
        group_vars: dict[str, object] = {
            "ansible_user": "root",
            "ansible_ssh_private_key_file": str(self.client_key),
            "ihcheck_known_hosts": str(self.known_hosts),
            "ansible_ssh_common_args": f"-o UserKnownHostsFile={self.known_hosts} -o StrictHostKeyChecking=yes",
            "ansible_python_interpreter": "/usr/bin/python3",
            **(extra_vars or {}),
        }
        path.write_text(yaml.safe_dump({"all": {"hosts": hosts, "vars": group_vars}}, sort_keys=False))
        return path
