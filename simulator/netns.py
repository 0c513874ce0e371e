"""Network namespaces joined by veth links: the plumbing the fleet lab (`simulator.netns_fleet`) and the
uplink test lab (`tests/probes/uplink_lab.py`) share.

Every address is one the caller gives, on a link this module creates between namespaces the caller
created, so no packet reaches a network the project did not make. A failing `ip` command raises with
ip's own message, so a lab that cannot be built says why.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterable


def ip(*args: str, netns: str | None = None) -> None:
    """`ip [-n NETNS] ARGS…`."""
    argv = ["ip", *(("-n", netns) if netns else ()), *args]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: {done.stderr.strip() or done.returncode}")


def add_namespace(name: str) -> None:
    """A new network namespace with its loopback up."""
    ip("netns", "add", name)
    ip("link", "set", "lo", "up", netns=name)


def delete_namespace(name: str) -> None:
    """Remove a namespace (and the veth ends inside it); one already gone is no error."""
    subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)


def add_veth(name: str, peer: str, *, netns: str | None = None, peer_netns: str | None = None) -> None:
    """A veth pair: `name` in `netns`, `peer` in `peer_netns` (None: the namespace this process runs in)."""
    ip("link", "add", name, *(("netns", netns) if netns else ()), "type", "veth",
       "peer", "name", peer, *(("netns", peer_netns) if peer_netns else ()))


def address_up(dev: str, cidr: str, *, netns: str | None = None, gateway: str | None = None,
               metric: int | None = None) -> None:
    """Give `dev` its address and bring it up; with a gateway, the namespace's default route leaves by it
    (at `metric`, so that several uplinks can each have one)."""
    ip("addr", "add", cidr, "dev", dev, netns=netns)
    ip("link", "set", dev, "up", netns=netns)
    if gateway is not None:
        ip("route", "add", "default", "via", gateway, "dev", dev, *(("metric", str(metric)) if metric else ()),
           netns=netns)


def stop_daemons(procs: Iterable[subprocess.Popen[bytes]], *, timeout: float = 10) -> None:
    """End the labs' daemons, each started leading a process group of its own: TERM to every group first
    (so they wind down together), then KILL to any group still alive after `timeout` seconds."""
    procs = list(procs)
    for proc in procs:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
