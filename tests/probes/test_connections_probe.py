"""The connections probe against a real PostgreSQL and a real psql session to it.

psql holds a session open (`SELECT pg_sleep`) over TCP on loopback, so the same host sees both ends:
the client's connection, opened by psql to the server's port (outbound, kept per peer service), and
the server's side of it (inbound, counted on the port PostgreSQL listens on).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from probes import connections
from probes.facts.connections import ConnectionFacts
from probes.inventory import InventoryHost
from probes.observation import ObservationLog
from probes.transport import Session, open_transport
from tests.daemons import postgres, ssh_session


@pytest.fixture(scope="module")
def db_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, int]]:
    """(PostgreSQL port, psql pid) while psql holds one session open."""
    with postgres(tmp_path_factory.mktemp("pg")) as port:
        psql = sorted(Path("/usr/lib/postgresql").glob("*/bin/psql"))[-1]
        client = subprocess.Popen([str(psql), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-X", "-q",
                                   "-c", "SELECT pg_sleep(120)"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            # A psql that was refused exits at once; polling its zombie's (empty) sockets would only time out.
            deadline = time.monotonic() + 60
            while not any(c.raddr and c.raddr.port == port and c.status == psutil.CONN_ESTABLISHED
                          for c in psutil.Process(client.pid).net_connections(kind="tcp")):
                assert client.poll() is None, f"psql exited with {client.returncode}: {client.communicate()[1]!r}"
                assert time.monotonic() < deadline, "psql did not connect within 60 s"
                time.sleep(0.1)
            yield port, client.pid
        finally:
            client.kill()
            client.wait()


def _check(facts: ConnectionFacts, port: int) -> None:
    [to_db] = [o for o in facts.outbound if o.peer_port == port]
    assert (to_db.peer_address, to_db.process, to_db.count) == ("127.0.0.1", "psql", 1)
    [served] = [i for i in facts.inbound if i.port == port]
    assert served.count == 1 and served.peers == 1
    assert facts.owners_visible and not facts.notes


def test_local_probe_reads_the_kernel_tables_with_psutil(db_session: tuple[int, int]) -> None:
    port, _ = db_session
    host = InventoryHost(name="localhost", address="localhost", connection="local")
    log = ObservationLog()
    facts = connections.collect(Session(host=host, transport=open_transport(host), log=log))
    _check(facts, port)
    assert [o.command for o in log.all()] == [connections.PSUTIL_CALL]


def test_remote_probe_reads_ss_over_ssh(db_session: tuple[int, int], tmp_path: Path) -> None:
    port, _ = db_session
    with ssh_session(tmp_path / "sshd") as (session, s):
        facts = connections.collect(session)
    _check(facts, port)
    [obs] = session.log.all()
    assert connections.SS_TCP in obs.command and obs.transport == "paramiko"
    # the checker's own SSH session is an inbound connection to sshd's port, counted, never listed per peer
    assert any(i.port == s.port for i in facts.inbound)
    assert not any(o.peer_port == s.port and o.process == "sshd" for o in facts.outbound)
