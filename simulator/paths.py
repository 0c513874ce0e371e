"""Where the simulator keeps its state: `${IHCHECK_STATE_DIR:-/var/lib/ihcheck}/sim/`."""

from __future__ import annotations

import os
from pathlib import Path


def state_root() -> Path:
    """The simulator's own directory (engine config, build cache, one folder per scenario)."""
    return Path(os.environ.get("IHCHECK_STATE_DIR", "/var/lib/ihcheck")) / "sim"


def scenario_state(name: str) -> Path:
    """Keys, known_hosts, identities.json, inventory and per-container files of one scenario."""
    return state_root() / name
