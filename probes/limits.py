"""How much of the fleet is probed at once and for how long: defaults the CLI shows without importing the probes.

DEFAULT_FORKS was chosen with benchmarks/fleet.py on the 2-core reference machine (README, "Fleet scale"):
the direct engine's hosts mostly wait on the network and on the hosts, so more hosts at once help until the
checker's own CPU (SSH key exchange, parsing) is saturated.
"""

from __future__ import annotations

DEFAULT_FORKS = 32
DEFAULT_HOST_TIMEOUT = 900.0  # seconds one host may take, uplink measurements with busy-server retries included
