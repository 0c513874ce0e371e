"""A thin wrapper around the podman command line that always applies the simulator's engine settings.

This machine (and CI) has no CAP_SYS_RESOURCE, uses cgroup v1 with cgroupfs and must run runc, so
every podman call needs the same runtime, cgroup manager and ulimits. Rather than repeating flags,
the wrapper writes one `containers.conf` and exports it as CONTAINERS_CONF for every call.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker.errors import EnvironmentProblem
from simulator.paths import state_root

CONTAINERS_CONF = """\
# Written by the ihcheck simulator; exported as CONTAINERS_CONF for every podman call it makes.
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
init = true

[network]
network_backend = "netavark"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
"""

LABEL = "io.ihcheck.sim"  # value: the scenario name; on every container and network we create


class PodmanError(EnvironmentProblem):
    """A podman command failed; the message carries the command and its stderr's last lines."""


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str


def conf_path() -> Path:
    path = state_root() / "containers.conf"
    if not path.is_file() or path.read_text(encoding="utf-8") != CONTAINERS_CONF:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(CONTAINERS_CONF, encoding="utf-8")
        tmp.replace(path)
    return path


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["CONTAINERS_CONF"] = str(conf_path())
    return env


def run(args: Sequence[str], *, check: bool = True, input_bytes: bytes | None = None,
        timeout: float | None = None) -> Result:
    """Run `podman ARGS...`; raise PodmanError on a non-zero exit when `check`."""
    argv = ["podman", *args]
    try:
        proc = subprocess.run(argv, input=input_bytes, capture_output=True, env=environment(), timeout=timeout,
                              check=False)
    except FileNotFoundError:
        raise PodmanError("podman not found on PATH (apt-get install podman runc)") from None
    except subprocess.TimeoutExpired:
        raise PodmanError(f"{' '.join(argv[:4])}...: timed out after {timeout:.0f} s") from None
    result = Result(proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace"))
    if check and result.returncode != 0:
        tail = " | ".join(result.stderr.strip().splitlines()[-3:])
        raise PodmanError(f"{' '.join(argv[:4])}... exited {result.returncode}: {tail}")
    return result


def popen(args: Sequence[str], **kwargs: Any) -> subprocess.Popen[bytes]:
    """Start `podman ARGS...` as a pipe (image import streams a tar through it)."""
    return subprocess.Popen(["podman", *args], env=environment(), **kwargs)


def json_out(args: Sequence[str]) -> Any:
    return json.loads(run(args).stdout or "null")


def image_exists(ref: str) -> bool:
    return run(["image", "exists", ref], check=False).returncode == 0


def exec_in(container: str, script: str, *, timeout: float | None = None) -> Result:
    """Run a shell script inside a running container (as root), without checking its exit code."""
    return run(["exec", "-i", container, "sh", "-s"], check=False, input_bytes=script.encode(), timeout=timeout)


def containers(scenario: str | None = None) -> list[dict[str, Any]]:
    """Every container the simulator made (or of one scenario), running or not."""
    selector = f"label={LABEL}" if scenario is None else f"label={LABEL}={scenario}"
    found = json_out(["ps", "-a", "--filter", selector, "--format", "json"])
    return list(found or [])


def networks(scenario: str | None = None) -> list[dict[str, Any]]:
    selector = f"label={LABEL}" if scenario is None else f"label={LABEL}={scenario}"
    found = json_out(["network", "ls", "--filter", selector, "--format", "json"])
    return list(found or [])
