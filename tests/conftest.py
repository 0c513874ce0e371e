"""Fixtures shared across the suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


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
