"""How many hosts are probed at once and for how long: defaults the CLI shows without importing the probes.

DEFAULT_FORKS was chosen with benchmarks/fleet.py on the 2-core reference machine (README, "Fleet scale"):
the direct engine is CPU-bound there from 16 hosts at once on, and 32 leaves room for hosts that are slow
to answer over real networks, where more at once help.
"""

from __future__ import annotations

DEFAULT_FORKS = 32
# Ansible's forks for `--engine ansible` when --forks is not given. A fork is a process, a copy of the
# controller (some 50 MB of RSS each, 30 of it shared), not a thread: 16, what `ansible -m setup -f 16` is
# measured with, kept the play as fast as 32 on the reference machine at half the processes (README,
# "Fleet scale"). The checker still parses 32 hosts' outputs at once beside them.
DEFAULT_ANSIBLE_FORKS = 16
DEFAULT_HOST_TIMEOUT = 900.0  # seconds one host may take, uplink measurements with busy-server retries included
CONNECT_TIMEOUT = 10  # seconds for a host's TCP connect, SSH banner and login each; --connect-timeout
