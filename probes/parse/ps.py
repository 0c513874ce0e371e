"""Parse `ps -e -o pid=,comm=,args=` (procps)."""

from __future__ import annotations

from typing import NamedTuple


class Process(NamedTuple):
    pid: int
    name: str
    cmdline: str


def parse_ps(output: str) -> list[Process]:
    """`comm` is at most 15 characters and has no spaces in practice; args is the rest.

    >>> parse_ps("  812 postgres        /usr/lib/postgresql/15/bin/postgres -D /var/lib/x\\n")
    [Process(pid=812, name='postgres', cmdline='/usr/lib/postgresql/15/bin/postgres -D /var/lib/x')]
    """
    processes = []
    for line in output.splitlines():
        fields = line.split(None, 2)
        if len(fields) >= 2 and fields[0].isdigit():
            processes.append(Process(int(fields[0]), fields[1], fields[2] if len(fields) > 2 else ""))
    return processes
