"""The command line a host runs (`timeout -k` around the probe's own), and the probe's command found in it again."""

from __future__ import annotations

import re
import shlex

# What the host runs after the command: kill the process group `timeout` led, then every process still carrying
# this command's scope mark in its environment. A child that left the group and the session (`setsid`, a double
# fork) keeps the environment it was started with, so it is found by its mark and does not outlive the check.
# One grep over /proc/*/environ (a host without /proc, or a process of another user, is passed over silently).
_REAP = ('kill -9 -$p 2>/dev/null; for f in $(grep -lsaF "IHCHECK_SCOPE=ihc$$x" /proc/[0-9]*/environ 2>/dev/null); '
         'do f=${f#/proc/}; kill -9 ${f%/environ} 2>/dev/null; done; exit $s')


def remote_wrap(command: str, timeout: float, grace: int) -> str:
    """The command as the host runs it: under `timeout -k` (TERM at the deadline, KILL `grace` s later, to
    the whole process group `timeout` leads), and with whatever it left running in the background killed
    once the command has exited: its process group, and anything that escaped it (setsid) found by the
    scope mark (`IHCHECK_SCOPE`, unique to this wrapper's shell) every descendant inherits.

    >>> print(remote_wrap("echo hi", 30, 3))  # doctest: +ELLIPSIS
    IHCHECK_SCOPE=ihc$$x timeout -k 3 30 sh -c 'echo hi' & p=$!; wait $p; s=$?; kill -9 -$p 2>/dev/null; ... exit $s
    """
    return (f"IHCHECK_SCOPE=ihc$$x timeout -k {grace} {timeout:g} sh -c {shlex.quote(command)}"
            f" & p=$!; wait $p; s=$?; {_REAP}")


_WRAPPED = re.compile(r"^(?:IHCHECK_SCOPE=ihc\$\$x )?timeout (?:-k \d+ )?[\d.]+ sh -c (?P<inner>'(?:[^']|'\"'\"')*')"
                      r"(?: & p=\$!; wait \$p; s=\$\?; (?:" + re.escape(_REAP)
                      + r"|kill -9 -\$p 2>/dev/null; exit \$s))?$")


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
