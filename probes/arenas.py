"""Few malloc arenas for a checker that probes many hosts from many threads.

glibc's malloc gives each thread that allocates under contention an arena of its own, up to eight per core,
and memory freed in an arena mostly stays with it. A fleet check runs 32 threads at once, each reading and
redacting one host's outputs (hundreds of kB of text a host): every arena grows to its threads' largest
working set and keeps it, so the checker's RSS doubled what Python held (at 50 lab hosts: 603 MB with
glibc's default, 288 MB with two arenas, the same wall time; Python's own allocations peak near 200 MB, half
of it geoip2fast's table). Two arenas keep most of that memory reusable across threads at a small cost in
lock contention, on a 2-core machine none measurable. This is glibc's MALLOC_ARENA_MAX, set from within
(mallopt) so it needs no wrapper script; it applies to the arenas threads create from then on.
"""

from __future__ import annotations

import ctypes
import sys

M_ARENA_MAX = -8  # glibc malloc.h
ARENAS = 2


def fewer_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Limit glibc's malloc arenas to `arenas`; False where the C library has no such setting (not glibc)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None)
        return bool(libc.mallopt(M_ARENA_MAX, arenas)) if hasattr(libc, "gnu_get_libc_version") else False
    except (OSError, AttributeError):
        return False
