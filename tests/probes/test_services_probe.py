"""The services probe against real nginx and PostgreSQL: which process on which port makes which role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from probes import services
from probes.facts.services import ServiceFacts
from probes.inventory import InventoryHost
from probes.observation import ObservationLog
from probes.transport import Session, open_transport
from tests.daemons import nginx, postgres, ssh_session
from tests.probes.test_recorded_transport import recorded_session


@pytest.fixture(scope="module")
def daemons(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, int]]:
    with nginx(tmp_path_factory.mktemp("nginx")) as web, postgres(tmp_path_factory.mktemp("pg")) as db:
        yield web, db


def _find(facts: ServiceFacts, engine: str, port: int):
    for s in facts.services:
        if s.engine == engine and any(sock.port == port for sock in s.sockets):
            return s
    raise AssertionError(f"{engine} on {port} not found in {[x.describe() for x in facts.services]}")


def _check(facts: ServiceFacts, web: int, db: int) -> None:
    nginx_found = _find(facts, "nginx", web)
    assert nginx_found.role == "application" and nginx_found.matched_by == "process"
    assert "nginx" in nginx_found.processes and nginx_found.pids
    pg = _find(facts, "postgresql", db)
    assert pg.role == "database" and pg.matched_by == "process" and "postgres" in pg.processes
    assert f"127.0.0.1:{db}/tcp" in pg.describe() and pg.describe().endswith("→ PostgreSQL (database)")
    assert facts.process_owners_visible


def test_local_probe_uses_psutil(daemons: tuple[int, int]) -> None:
    web, db = daemons
    host = InventoryHost(name="localhost", address="localhost", connection="local")
    log = ObservationLog()
    session = Session(host=host, transport=open_transport(host), log=log)
    facts = services.collect(session)
    _check(facts, web, db)
    commands = [o.command for o in log.all()]
    assert commands[0] == services.PSUTIL_CALL
    assert set(facts.observations) == {o.id for o in log.all()}


def test_remote_probe_uses_ss_and_ps_over_ssh(daemons: tuple[int, int], tmp_path: Path) -> None:
    web, db = daemons
    with ssh_session(tmp_path / "sshd") as (session, _):
        facts = services.collect(session)
    log = session.log
    _check(facts, web, db)
    assert any(services.SS in o.command for o in log.all())
    assert any(f":{db} " in o.stdout for o in log.all() if services.SS in o.command)


def test_remote_probe_over_recorded_output_of_a_real_database_host() -> None:
    """The ss/ps path of the test above, replayed from what db1 of the simulated deployment answered
    (tests/data/recordings/compliant): the recorded transport, beside the real-daemon test."""
    session = recorded_session("db1")
    facts = services.collect(session)
    [pg] = [s for s in facts.services if s.engine == "postgresql"]
    assert pg.role == "database" and pg.matched_by == "process" and "postgres" in pg.processes
    assert any(s.port == 5432 for s in pg.sockets) and facts.process_owners_visible
    assert any(services.SS in o.command for o in session.log.all())
    assert set(facts.observations) <= {o.id for o in session.log.all()}


def test_stopped_daemon_is_not_a_role(tmp_path: Path) -> None:
    with nginx(tmp_path / "n") as web:
        pass
    host = InventoryHost(name="localhost", address="localhost", connection="local")
    facts = services.collect(Session(host=host, transport=open_transport(host), log=ObservationLog()))
    assert not any(sock.port == web for s in facts.services for sock in s.sockets)


def test_engines_for_package_is_each_rows_globs_as_fnmatch_reads_them() -> None:
    """The one-regex prefilter and the cache change nothing: every row's globs, filled in and cut short, and
    packages of no server, get exactly the rows fnmatchcase gives."""
    import fnmatch

    from probes.roles import ENGINES, engines_for_package

    globs = [p for e in ENGINES for p in e.packages]
    names = [g.replace("*", "x") for g in globs] + [g.replace("*", "") for g in globs] + [
        "libc6", "openssh-server", "postgresql-15", "postgresql-client-15", "nginx-common", "xnginx", "Nginx"]
    matched = 0
    for name in names:
        want = [e for e in ENGINES if any(fnmatch.fnmatchcase(name, p) for p in e.packages)]
        assert engines_for_package(name) == want, name
        matched += bool(want)
    assert 0 < matched < len(names)
