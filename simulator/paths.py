"""Where the simulator keeps its state: `${IHCHECK_STATE_DIR:-/var/lib/ihcheck}/sim/`."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


def state_root() -> Path:
    """The simulator's own directory (engine config, build cache, one folder per scenario)."""
    return Path(os.environ.get("IHCHECK_STATE_DIR", "/var/lib/ihcheck")) / "sim"


def scenario_state(name: str) -> Path:
    """Keys, known_hosts, identities.json, inventory and per-container files of one scenario."""
    return state_root() / name


@contextlib.contextmanager
def state_lock(name: str) -> Iterator[None]:
    """An exclusive lock on a file in the state root: parallel runs (test workers, two shells) take turns."""
    path = state_root() / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
