"""Real daemons for tests, started on loopback with free ports and stopped afterwards.

Tests of a probe run it against the real program (sshd, nginx, PostgreSQL), never a mock.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from probes.transport import Session


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, host: str = "127.0.0.1", timeout: float = 20.0,
                  process: subprocess.Popen[bytes] | None = None) -> None:
    """Wait until something listens; a `process` that has already exited fails at once instead of after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise TimeoutError(f"nothing listening on {host}:{port}: the daemon exited with {process.returncode}")
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex((host, port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on {host}:{port} after {timeout}s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def require(*programs: str) -> None:
    import pytest

    for program in programs:
        if not (shutil.which(program) or Path(program).exists()):
            pytest.skip(f"{program} is not installed (.ci/run installs it)")


@dataclass(frozen=True)
class Sshd:
    port: int
    client_key: Path
    host_public_key: str
    known_hosts: Path
    user: str


@contextmanager
def sshd(workdir: Path, path_prefix: Path | None = None) -> Iterator[Sshd]:
    """A real OpenSSH server on 127.0.0.1 accepting one generated key for the current user.

    `path_prefix`: a directory put first on the PATH of every command the server runs, for hostile
    shims (a `cat` that floods, a `dmidecode` that ignores SIGTERM) in front of the real programs."""
    require("/usr/sbin/sshd", "ssh-keygen")
    workdir.mkdir(parents=True, exist_ok=True)
    host_key, client_key = workdir / "host_ed25519", workdir / "client_ed25519"
    for key in (host_key, client_key):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    authorized = workdir / "authorized_keys"
    authorized.write_text(client_key.with_suffix(".pub").read_text())
    authorized.chmod(0o600)
    port = free_port()
    home = workdir / "home"
    home.mkdir(exist_ok=True)
    config = workdir / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {host_key}\nAuthorizedKeysFile {authorized}\n"
        "PermitRootLogin prohibit-password\nPasswordAuthentication no\nUsePAM no\nStrictModes no\n"
        f"PidFile {workdir / 'sshd.pid'}\n"
        # A home of its own for the sessions, so the login shell does not read this machine's ~/.bashrc: root's here
        # runs `pyenv init`, whose rehash takes a lock that concurrent logins (and sessions ended at a deadline)
        # hold, and its complaints land in the stderr the tests compare. A host under test has its own rc files.
        f"SetEnv HOME={home}\n"
        + (f'ForceCommand PATH={path_prefix}:/usr/local/bin:/usr/bin:/bin exec sh -c "$SSH_ORIGINAL_COMMAND"\n'
           if path_prefix else "")
    )
    Path("/run/sshd").mkdir(exist_ok=True)
    with open(workdir / "sshd.log", "wb") as log:
        proc = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", str(config)], stdout=subprocess.DEVNULL, stderr=log)
    try:
        wait_for_port(port)
        public = host_key.with_suffix(".pub").read_text().split()
        known_hosts = workdir / "known_hosts"
        known_hosts.write_text(f"[127.0.0.1]:{port} {public[0]} {public[1]}\n")
        import pwd

        yield Sshd(port, client_key, " ".join(public[:2]), known_hosts, pwd.getpwuid(os.getuid()).pw_name)
    finally:
        _stop(proc)


@contextmanager
def ssh_session(workdir: Path) -> Iterator[tuple[Session, Sshd]]:
    """A probe session over paramiko, host key checked, to a real sshd on this machine."""
    from probes.inventory import InventoryHost
    from probes.observation import ObservationLog
    from probes.transport import Session, open_transport

    with sshd(workdir) as server:
        host = InventoryHost(name="h", address="127.0.0.1", port=server.port, user=server.user,
                             private_key_file=server.client_key)
        host = host.model_copy(update={"declared": host.declared.model_copy(update={"known_hosts": server.known_hosts})})
        transport = open_transport(host)
        try:
            yield Session(host=host, transport=transport, log=ObservationLog()), server
        finally:
            transport.close()


@contextmanager
def nginx(workdir: Path) -> Iterator[int]:
    """A real nginx serving on a free loopback port."""
    require("/usr/sbin/nginx")
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = workdir / "nginx.conf"
    conf.write_text(
        f"daemon off; pid {workdir}/nginx.pid; error_log {workdir}/error.log;\n"
        "events {}\n"
        f"http {{ access_log off; client_body_temp_path {workdir}; proxy_temp_path {workdir};\n"
        f"  fastcgi_temp_path {workdir}; uwsgi_temp_path {workdir}; scgi_temp_path {workdir};\n"
        f"  server {{ listen 127.0.0.1:{port}; location / {{ return 200 'ok'; }} }} }}\n"
    )
    proc = subprocess.Popen(["/usr/sbin/nginx", "-c", str(conf), "-p", str(workdir)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield port
    finally:
        _stop(proc)


@contextmanager
def postgres(workdir: Path) -> Iterator[int]:
    """A real PostgreSQL cluster (initdb into a temp dir, run as the postgres user) on a free loopback port."""
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    if not bins:
        import pytest

        pytest.skip("PostgreSQL server is not installed (.ci/run installs it)")
    bindir = bins[-1]
    import tempfile

    # pytest's temp dirs are private to root; the postgres user needs a directory of its own.
    workdir = Path(tempfile.mkdtemp(prefix="ihcheck-pg-"))
    workdir.chmod(0o755)
    data = workdir / "pgdata"
    data.mkdir()
    shutil.chown(workdir, "postgres")
    shutil.chown(data, "postgres")
    run_as = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*run_as, str(bindir / "initdb"), "-D", str(data), "-A", "trust"],
                   check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    proc = subprocess.Popen(
        [*run_as, str(bindir / "postgres"), "-D", str(data), "-p", str(port), "-h", "127.0.0.1", "-k", str(workdir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process=proc)
        _wait_until_accepting(bindir, port, proc)
        yield port
    finally:
        _stop(proc)
        shutil.rmtree(workdir, ignore_errors=True)


def _wait_until_accepting(bindir: Path, port: int, proc: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    """PostgreSQL listens before it accepts sessions: until its startup process has finished, a client is
    refused with "FATAL: the database system is starting up". On a loaded machine that window lasts long
    enough for a test's psql to be refused, so wait for pg_isready's "accepting connections" (exit 0)."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise TimeoutError(f"PostgreSQL on 127.0.0.1:{port} exited with {proc.returncode} while starting")
        ready = subprocess.run([str(bindir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port), "-t", "10"],
                               check=False)
        if ready.returncode == 0:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"PostgreSQL on 127.0.0.1:{port} not accepting sessions after {timeout:g} s "
                               f"(pg_isready exit {ready.returncode})")
        time.sleep(0.1)
