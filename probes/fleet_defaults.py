"""How many hosts are probed at once and for how long: defaults the CLI shows without importing the probes.

DEFAULT_FORKS was chosen with benchmarks/fleet.py on the 2-core reference machine (README, "Fleet scale"):
the direct engine is CPU-bound there from 16 hosts at once on, and 32 leaves room for hosts that are slow
to answer over real networks, where more at once help.
"""

from __future__ import annotations

DEFAULT_FORKS = 32
DEFAULT_HOST_TIMEOUT = 900.0  # seconds one host may take, uplink measurements with busy-server retries included
CONNECT_TIMEOUT = 10  # seconds for a host's TCP connect, SSH banner and login each; --connect-timeout
