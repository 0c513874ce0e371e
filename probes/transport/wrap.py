"""The command line a host runs (`timeout -k` around the probe's own), and the probe's command found in it again."""

from __future__ import annotations

import re
import shlex


def remote_wrap(command: str, timeout: float, grace: int) -> str:
    """The command as the host runs it: under `timeout -k` (TERM at the deadline, KILL `grace` s later, to
    the whole process group `timeout` leads), and with whatever that group left running in the background
    killed once the command has exited, so no straggler holds the connection's output open.

    >>> remote_wrap("echo hi", 30, 3)
    "timeout -k 3 30 sh -c 'echo hi' & p=$!; wait $p; s=$?; kill -9 -$p 2>/dev/null; exit $s"
    """
    return (f"timeout -k {grace} {timeout:g} sh -c {shlex.quote(command)}"
            " & p=$!; wait $p; s=$?; kill -9 -$p 2>/dev/null; exit $s")


_WRAPPED = re.compile(r"^timeout (?:-k \d+ )?[\d.]+ sh -c (?P<inner>'(?:[^']|'\"'\"')*')"
                      r"(?: & p=\$!; wait \$p; s=\$\?; kill -9 -\$p 2>/dev/null; exit \$s)?$")


def unwrap(command: str) -> str:
    """The probe's own command inside `remote_wrap` (or the older `timeout N sh -c …`), for replaying recordings.

    >>> unwrap(remote_wrap("echo 'hi'", 30, 3)), unwrap("timeout 30 sh -c 'ps -e'"), unwrap("uname")
    ("echo 'hi'", 'ps -e', 'uname')
    """
    match = _WRAPPED.match(command)
    if match is None:
        return command
    parts = shlex.split(match.group("inner"))
    return parts[0] if len(parts) == 1 else command
