"""The registry's suite runs twice: on the embedded SQLite and on a real PostgreSQL the tests start
(tests/daemons.py). Django is configured once a process; the `backend` fixture points its default connection
at one database or the other and migrates it, and every test starts from empty tables."""

from __future__ import annotations

import contextlib
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from reports.keys import SigningKeys
from tests.reports.scenario_bundles import scenario_bundle

EARLY = datetime(2026, 1, 1, tzinfo=UTC)


def _configure() -> Path:
    """Before the test modules import the models (Django must be configured first)."""
    import atexit
    import tempfile

    from ihcheck.registry.settings import configure

    data = Path(tempfile.mkdtemp(prefix="ihcheck-registry-"))
    atexit.register(shutil.rmtree, data, ignore_errors=True)  # also where no registry test ran (xdist workers)
    return configure(data=data)


DATA = _configure()


@pytest.fixture(scope="session")
def registry_data() -> Path:
    return DATA


@pytest.fixture(scope="session")
def pg_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from tests.daemons import postgres

    with postgres(tmp_path_factory.mktemp("pg")) as port:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"


def _use(database: dict[str, Any]) -> None:
    from django.db import connections

    from ihcheck.registry.settings import migrate

    connections.close_all()
    connections.settings["default"] = connections.configure_settings({"default": database})["default"]
    with contextlib.suppress(AttributeError):  # no connection opened yet
        del connections["default"]
    migrate()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, registry_data: Path) -> str:
    from ihcheck.registry.settings import database_settings

    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    _use(database_settings(url, registry_data))
    return str(request.param)


@pytest.fixture
def db(backend: str, registry_data: Path) -> Iterator[str]:
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(registry_data / "blobs", ignore_errors=True)
    yield backend


def stored_blobs(data: Path) -> list[Path]:
    return [p for p in (data / "blobs").rglob("*") if p.is_file()] if (data / "blobs").exists() else []


@dataclass(frozen=True)
class Signed:
    """Bundles made by the project's own writer from recorded scenarios, signed with one key pair."""

    keys: SigningKeys
    bundles: dict[str, Path]  # scenario → bundle directory (a .tar.gz beside it)

    def tar(self, name: str) -> Path:
        return self.bundles[name].with_name(self.bundles[name].name + ".tar.gz")

    @property
    def fingerprints(self) -> str:
        return " ".join(self.keys.public().fingerprints())


def _signed(root: Path, names: tuple[str, ...]) -> Signed:
    keys = SigningKeys.generate()
    bundles = {}
    for name in names:
        bundles[name] = scenario_bundle(name, root, keys)
        time.sleep(0.01)  # distinct signing times, in this order
    return Signed(keys, bundles)


@pytest.fixture(scope="session")
def hospital_a(tmp_path_factory: pytest.TempPathFactory) -> Signed:
    return _signed(tmp_path_factory.mktemp("a"), ("compliant", "single-isp", "slow-uplink"))


@pytest.fixture(scope="session")
def hospital_b(tmp_path_factory: pytest.TempPathFactory) -> Signed:
    return _signed(tmp_path_factory.mktemp("b"), ("compliant",))


USCC_A, USCC_B = "91440101MA5C0000A1", "91440300MA5C0000B2"


def enrol(uscc: str, signed: Signed, *, city: str = "广州", registered_on: date | None = None) -> Any:
    from ihcheck.registry.services import enrol as service

    hospital = service.enrol_hospital(name=f"测试互联网医院 {uscc[-2:]}", uscc=uscc, city=city, actor="test-admin",
                                      registered_on=registered_on)
    service.add_key(hospital, signed.fingerprints, actor="test-admin", valid_from=EARLY)
    return hospital


@pytest.fixture
def live_server(db: str) -> Iterator[str]:
    """The registry's WSGI application behind waitress on a free loopback port, in a thread."""
    from django.core.wsgi import get_wsgi_application
    from waitress.server import create_server

    server = create_server(get_wsgi_application(), host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=5)
