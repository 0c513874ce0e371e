"""Container images, built locally because no registry can be pulled from.

Three layers, each tagged with a hash of its recipe so that editing a recipe rebuilds exactly the
layers that depend on it, and an unchanged recipe is found in podman's image store:

    ihcheck-sim-base:<h>    debootstrap --variant=minbase of Debian bookworm, imported with podman
    ihcheck-sim-common:<h>  + client tools, NUT, OpenIPMI, iptables, sshd/NUT config (services/common)
    ihcheck-sim-node:<h>    + the packages of one set of services (e.g. postgresql), one image per set

Upper layers are built with `podman build --network host` (apt inside the container, a
policy-rc.d forbidding any daemon start), so nothing is chrooted or mounted on the host and every
hospital host carries only the packages of what it runs: a checker that infers roles from
installed packages sees what a real server would show.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

from checker.errors import EnvironmentProblem
from probes.progress import ProgressLike, TaskID
from simulator import podman
from simulator.paths import state_lock, state_root
from simulator.services import COMMON, MLPS, Service

SUITE = "bookworm"
BASE_PACKAGES = ("openssh-server", "iproute2", "python3", "procps")
RECIPE_VERSION = "1"  # bump to force a rebuild when something outside the hashed inputs changes


REPOSITORIES = ("localhost/ihcheck-sim-node", "localhost/ihcheck-sim-common", "localhost/ihcheck-sim-base")


class ImageError(EnvironmentProblem):
    """An image could not be built; the message names the step and its log file."""


def stale(names: Iterable[str], keep: set[str]) -> list[str]:
    """The simulator's image names that are not kept, children before parents (podman refuses to remove
    an image that others were built on).

    >>> stale(["localhost/ihcheck-sim-base:a1", "localhost/ihcheck-sim-node:b2", "localhost/other:c3",
    ...        "localhost/ihcheck-sim-node:d4"], keep={"localhost/ihcheck-sim-node:d4"})
    ['localhost/ihcheck-sim-node:b2', 'localhost/ihcheck-sim-base:a1']
    """
    def layer(name: str) -> int:
        return REPOSITORIES.index(name.rpartition(":")[0])

    ours = {n for n in names if n.rpartition(":")[0] in REPOSITORIES and n not in keep}
    return sorted(ours, key=lambda n: (layer(n), n))


def mirror() -> str:
    return os.environ.get("IHCHECK_SIM_MIRROR", "http://deb.debian.org/debian")


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:12]


def base_tag() -> str:
    return f"localhost/ihcheck-sim-base:{_digest(RECIPE_VERSION, SUITE, 'minbase', *BASE_PACKAGES)}"


def _apt_script(packages: Iterable[str], snippets: Iterable[str]) -> str:
    lines = [
        "set -eu",
        "export DEBIAN_FRONTEND=noninteractive",
        "printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d",
        "apt-get update -q",
        f"apt-get install -y -q --no-install-recommends {' '.join(sorted(packages))}",
        *snippets,
        "apt-get clean",
        "rm -rf /var/cache/apt/archives/*.deb /tmp/* /var/log/apt/*",
    ]
    return "\n".join(lines) + "\n"


def _common_script() -> str:
    return _apt_script(COMMON.packages, [COMMON.snippet("build"), MLPS.snippet("build")])


def common_tag() -> str:
    return f"localhost/ihcheck-sim-common:{_digest(RECIPE_VERSION, base_tag(), _common_script())}"


def _service_set(services: Iterable[Service]) -> list[Service]:
    return sorted({s.name: s for s in services}.values(), key=lambda s: s.name)


def _node_script(services: list[Service]) -> str:
    packages = [p for s in services for p in s.packages]
    snippets = [f"# --- {s.name} ---\n{s.snippet('build')}" for s in services]
    return _apt_script(packages, snippets)


def node_tag(services: Iterable[Service]) -> str:
    """The image for a container running these services (the common image when there are none)."""
    chosen = _service_set(services)
    if not any(s.packages for s in chosen):
        return common_tag()
    return f"localhost/ihcheck-sim-node:{_digest(RECIPE_VERSION, common_tag(), _node_script(chosen))}"


def build_lock() -> contextlib.AbstractContextManager[None]:
    """One image build at a time on this machine (parallel test runs share the image store)."""
    return state_lock("build.lock")


def _run_logged(argv: list[str], log: Path, progress: ProgressLike, task: TaskID, label: str,
                env: dict[str, str] | None = None, stdout_to: subprocess.Popen[bytes] | None = None) -> None:
    """Run a build step, keeping its output in `log` and its latest line in the progress bar."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as sink:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        assert proc.stdout is not None
        for raw in proc.stdout:
            sink.write(raw)
            line = raw.decode(errors="replace").strip()
            if line:
                progress.update(task, description=f"{label}: {line[:60]}")
        code = proc.wait()
    if code != 0:
        raise ImageError(f"{label} failed (exit {code}); see {log}")


def _build_base(progress: ProgressLike, task: TaskID) -> None:
    tag = base_tag()
    work = state_root() / "build"
    work.mkdir(parents=True, exist_ok=True)
    rootfs = Path(tempfile.mkdtemp(prefix="rootfs-", dir=work))
    try:
        _run_logged(["debootstrap", "--variant=minbase", f"--include={','.join(BASE_PACKAGES)}", SUITE,
                     str(rootfs), mirror()], work / "debootstrap.log", progress, task, "debootstrap")
        progress.update(task, description="importing base image")
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "--numeric-owner", "-c", "."], stdout=subprocess.PIPE)
        assert tar.stdout is not None
        imp = podman.popen(["import", "--change", "CMD=/bin/bash", "-", tag], stdin=tar.stdout,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        tar.stdout.close()
        _, err = imp.communicate()
        if tar.wait() != 0 or imp.returncode != 0:
            raise ImageError(f"podman import of the base image failed: {err.decode(errors='replace').strip()}")
    except FileNotFoundError as exc:
        raise ImageError(f"{exc.filename} is not installed (apt-get install debootstrap podman runc)") from None
    finally:
        shutil.rmtree(rootfs, ignore_errors=True)


def _build_layer(tag: str, parent: str, script: str, label: str, progress: ProgressLike, task: TaskID) -> None:
    with tempfile.TemporaryDirectory(prefix="ctx-", dir=state_root()) as ctx:
        Path(ctx, "build.sh").write_text(script, encoding="utf-8")
        Path(ctx, "Containerfile").write_text(
            f"FROM {parent}\nCOPY build.sh /tmp/ihcheck-build.sh\n"
            f"RUN sh /tmp/ihcheck-build.sh && rm -f /tmp/ihcheck-build.sh\n"
            f"LABEL {podman.LABEL}.layer={label}\n",
            encoding="utf-8",
        )
        log = state_root() / "build" / f"{label}.log"
        _run_logged(["podman", "build", "--network", "host", "--pull=never", "--layers=false", "-t", tag, ctx],
                    log, progress, task, f"building {label}", env=podman.environment())


def ensure(service_sets: Iterable[Iterable[Service]], progress: ProgressLike) -> dict[frozenset[str], str]:
    """Build whatever images these service sets need and are not cached; map each set to its tag."""
    wanted: dict[frozenset[str], tuple[str, list[Service]]] = {}
    for services in service_sets:
        chosen = _service_set(services)
        wanted[frozenset(s.name for s in chosen)] = (node_tag(chosen), chosen)
    with build_lock():
        steps: list[tuple[str, str]] = []
        if not podman.image_exists(common_tag()) and not podman.image_exists(base_tag()):
            steps.append(("base", base_tag()))
        if not podman.image_exists(common_tag()):
            steps.append(("common", common_tag()))
        for tag, _chosen in wanted.values():
            if tag != common_tag() and not podman.image_exists(tag) and ("node", tag) not in steps:
                steps.append(("node", tag))
        if not steps:
            return {key: tag for key, (tag, _) in wanted.items()}
        task = progress.add_task("building images", total=len(steps))
        for kind, tag in steps:
            if kind == "base":
                _build_base(progress, task)
            elif kind == "common":
                _build_layer(tag, base_tag(), _common_script(), "common", progress, task)
            else:
                chosen = next(c for t, c in wanted.values() if t == tag)
                names = "+".join(s.name for s in chosen if s.packages)
                _build_layer(tag, common_tag(), _node_script(chosen), names, progress, task)
            progress.advance(task)
        progress.update(task, description="images ready")
    return {key: tag for key, (tag, _) in wanted.items()}
