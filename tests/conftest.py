"""Fixtures shared across the suite."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """The tests use their own HOME: the machine's ~/.ssh/known_hosts, ~/.ansible or ~/.config must not
    change what they see (two tests used to fail on any machine whose ~/.ssh/known_hosts was not empty)."""
    if not os.environ.get("IHCHECK_TEST_HOME"):
        home = tempfile.mkdtemp(prefix="ihcheck-test-home-")
        os.environ["IHCHECK_TEST_HOME"] = home  # xdist workers inherit it and share the one home
        os.environ["HOME"] = home


@pytest.fixture(scope="module")
def machine_to_ourselves() -> Iterator[None]:
    """Modules that boot containers or measure bandwidth take turns across xdist workers.

    Two of them at once would fight over scenario names (podman's are machine-wide) and over the
    two cores that throughput measurements need. A file lock rather than xdist groups: with
    pytest 9 and xdist 3.8, `xdist_group` did not keep a group on one worker. Run with
    `--dist loadfile` so a module's tests (and its module-scoped deployment) stay on one worker.
    """
    from simulator.paths import state_lock

    with state_lock("tests-heavy.lock"):
        yield
