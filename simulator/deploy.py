"""Bring a scenario up, tear it down, say what runs: the simulator's Python API.

    up(name_or_path) -> Deployment     build images (cached), create networks, boot every container
                                       in parallel, wait until every daemon answers
    down(name=None)                    remove a scenario's (or every scenario's) containers, networks, state
    status()                           what the simulator is running
    write_inventory(name, path=None)   the Ansible inventory the checker takes unchanged
    running(name)                      context manager: up, yield, and always down (errors, Ctrl-C)

Every container and network carries the label `io.ihcheck.sim=<scenario>`, so teardown finds
them from podman itself even when the state directory was lost.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import shutil
import signal
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import yaml
from rich.console import Console

from checker.errors import EnvironmentProblem
from probes.progress import ProgressLike, silent
from simulator import image, inventory, network, podman, render, spec
from simulator.deployment import INVENTORY, Deployment
from simulator.layout import INTERNET, Box, Layout, network_names, plan
from simulator.paths import scenario_state, state_lock
from simulator.power import BmcCredentials
from simulator.services import HOSPITAL_SERVICES, SERVICES, Service

RECORD = "deployment.json"
SPEC_COPY = "scenario.yaml"
CAPABILITIES = "NET_ADMIN,SYS_PTRACE,NET_RAW"


class SimulatorError(EnvironmentProblem):
    """Something the user should read as one line (already running, a daemon that never answered)."""


def _console() -> Console:
    return Console(stderr=True)


def _scenario_lock(name: str) -> contextlib.AbstractContextManager[None]:
    return state_lock(f".{name}.lock")


def _image_sets(scenario: spec.Scenario) -> dict[str, list[Service]]:
    """Per container key, the services whose packages its image needs. Routers need none; the
    simulated internet runs nginx (with its own site) and iperf3 (in every image)."""
    sets: dict[str, list[Service]] = {INTERNET: [SERVICES["nginx"]]}
    sets |= {f"router-{uplink}": [] for uplink in scenario.uplinks}
    sets |= {name: [SERVICES[s] for s in host.services] for name, host in scenario.hosts.items()}
    sets |= {name: [HOSPITAL_SERVICES[s] for s in system.services] for name, system in scenario.hospital.items()}
    return sets


def _run_args(box: Box, layout: Layout, folder: Path, image_tag: str) -> list[str]:
    args = ["run", "-d", "--init", "--name", box.container, "--hostname", box.key,
            "--label", f"{podman.LABEL}={layout.scenario}", "--label", f"{podman.LABEL}.box={box.key}",
            "--label", f"{podman.LABEL}.kind={box.kind}", "--cap-add", CAPABILITIES,
            "-v", f"{folder}:/ihc:ro"]
    for nic in box.nics:
        args += ["--network", f"{layout.networks[nic.network]}:ip={nic.address},interface_name={nic.interface}"]
    for sysctl in box.sysctls:
        args += ["--sysctl", sysctl]
    if (folder / "power_supply").is_dir():
        args += ["-v", f"{folder / 'power_supply'}:/sys/class/power_supply:ro"]
    return [*args, image_tag, "sh", "/ihc/start.sh"]


def _ssh_banner(address: str, timeout: float) -> bool:
    """True once something on address:22 speaks SSH (sshd answers from the host's side too)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((address, 22), timeout=2) as sock:
            sock.settimeout(2)
            if sock.recv(64).startswith(b"SSH-"):
                return True
        time.sleep(0.3)
    return False


def _wait_ready(box: Box, timeout: float) -> str | None:
    """None when every daemon of the container answers; otherwise what is still failing."""
    result = podman.run(["exec", box.container, "sh", "/ihc/ready.sh", str(int(timeout))], check=False,
                        timeout=timeout + 30)
    if result.returncode != 0:
        return (result.stdout.strip() or result.stderr.strip() or "readiness check failed").removeprefix("not ready: ")
    if box.sshd and box.kind == "host" and not _ssh_banner(box.address("lan"), 15):
        return f"sshd does not answer on {box.address('lan')}:22"
    return None


def _write_record(deployment: Deployment, source: Path, subnets: dict[str, ipaddress.IPv4Network]) -> None:
    write_copy(deployment.spec, deployment.state)
    record = {"scenario": deployment.scenario, "source": str(source), "started": time.time(),
              "subnets": {k: str(v) for k, v in subnets.items()},
              "attestations": {k: str(v) for k, v in deployment.attestations.items()}}
    (deployment.state / RECORD).write_text(json.dumps(record, indent=2) + "\n")


def load(name: str) -> Deployment:
    """The deployment of a running scenario, read back from its state directory."""
    state = scenario_state(name)
    record_path = state / RECORD
    if not record_path.is_file():
        raise SimulatorError(f"scenario {name!r} is not running (no {record_path})")
    record = json.loads(record_path.read_text())
    scenario = _load_copy(state)
    subnets = {k: ipaddress.IPv4Network(v) for k, v in record["subnets"].items()}
    layout = plan(name, scenario, subnets)
    bmc = {h: BmcCredentials(c["user"], c["password"]) for h, c in json.loads((state / "bmc.json").read_text()).items()}
    attestations = {k: Path(v) for k, v in record.get("attestations", {}).items()}
    return Deployment(name, scenario, layout, state, bmc, attestations)


def write_copy(scenario: spec.Scenario, state: Path) -> Path:
    """The spec as booted, resolved: an overlay merged over its base and its expectations derived, so the copy
    reads back without the files it extended (which may have changed or be elsewhere)."""
    path = state / SPEC_COPY
    path.write_text(yaml.safe_dump(scenario.model_dump(mode="json"), allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    return path


def _load_copy(state: Path) -> spec.Scenario:
    """The spec as it was when the scenario started (the original file may have changed since)."""
    return spec.Scenario.model_validate(yaml.safe_load((state / SPEC_COPY).read_text(encoding="utf-8")))


def up(name_or_path: str | Path, *, ready_timeout: float = render.READY_TIMEOUT_S,
       console: Console | None = None, progress: ProgressLike | None = None) -> Deployment:
    """Boot a scenario and return once every daemon answers. Refuses a scenario already running.

    `progress` is the shell's display (ihcheck.progress); without one the boot shows none."""
    source = spec.resolve(name_or_path)
    name, scenario = spec.load(source)
    console = console or _console()
    with _scenario_lock(name):
        if podman.containers(name) or podman.networks(name):
            raise SimulatorError(f"scenario {name!r} is already running; stop it first with `ihcheck sim down {name}`")
        try:
            return _boot(name, scenario, source, ready_timeout, console, progress or silent())
        except BaseException:
            if os.environ.get("IHCHECK_SIM_KEEP_FAILED") != "1":  # keep a failed boot for debugging
                with _sigint_deferred():
                    _teardown(name)
            raise


def _boot(name: str, scenario: spec.Scenario, source: Path, ready_timeout: float, console: Console,
          display: ProgressLike) -> Deployment:
    started = time.monotonic()
    with display as progress:
        sets = _image_sets(scenario)
        tags = image.ensure(sets.values(), progress)
        names = network_names(name, scenario)
        task = progress.add_task(f"{name}: networks", total=len(names))
        subnets = network.create(names, name)
        progress.update(task, completed=len(names))
        layout = plan(name, scenario, subnets)
        rendered = render.render(layout, scenario, scenario_state(name))
        boxes = list(layout.boxes.values())
        boot = progress.add_task(f"{name}: starting containers", total=len(boxes))
        ready = progress.add_task(f"{name}: waiting for services", total=len(boxes))

        def start(box: Box) -> None:
            tag = tags[frozenset(s.name for s in sets[box.key])]
            podman.run(_run_args(box, layout, rendered.box_dir(box.key), tag))
            progress.advance(boot)

        def wait(box: Box) -> str | None:
            problem = _wait_ready(box, ready_timeout)
            progress.advance(ready)
            return f"{box.key}: {problem}" if problem else None

        # Two phases, so a container that cannot even start fails the boot at once instead of
        # after every other container's readiness timeout.
        pool = ThreadPoolExecutor(max_workers=len(boxes))
        try:
            for future in [pool.submit(start, box) for box in boxes]:
                future.result()
            problems = [p for p in pool.map(wait, boxes) if p]
        finally:
            # On an error or Ctrl-C do not wait for the other readiness checks: the teardown that
            # follows removes their containers, which ends them.
            pool.shutdown(wait=False, cancel_futures=True)
        if problems:
            raise SimulatorError(f"{name}: not ready after {ready_timeout:.0f} s: {'; '.join(sorted(problems))} "
                                 f"(logs: podman logs ihc-{name}-<box>; files in {rendered.state})")
    deployment = Deployment(name, scenario, layout, rendered.state, rendered.bmc, rendered.attestations)
    _write_record(deployment, source, subnets)
    inventory.write(deployment, deployment.inventory)
    console.print(f"[green]{name}[/green] is up ({len(layout.boxes)} containers, "
                  f"{time.monotonic() - started:.1f} s); inventory: {deployment.inventory}")
    return deployment


def _teardown(name: str) -> list[str]:
    removed = [str(c.get("Names", ["?"])[0]) for c in podman.containers(name)]
    if removed:
        podman.run(["rm", "-f", "-t", "0", *removed], check=False)
    network.remove(name)
    shutil.rmtree(scenario_state(name), ignore_errors=True)
    return removed


def down(name: str | None = None) -> list[str]:
    """Remove one scenario (or every scenario the simulator runs); returns the scenarios removed."""
    names = [name] if name else running_scenarios()
    for each in names:
        with _scenario_lock(each):
            _teardown(each)
    return names


def prune_images(*, dry_run: bool = False) -> list[str]:
    """Remove the simulator's images that neither a shipped scenario's current recipe nor any container uses;
    return their names. Each edit of a recipe changes the tags it builds, so old images pile up otherwise
    (an edit of the common layer leaves a whole set behind). A custom spec's images go too, and are rebuilt
    at its next `up`. Holds the build lock, so nothing is removed from under a build."""
    keep = {image.base_tag(), image.common_tag()}
    for name in spec.shipped_scenarios():
        keep |= {image.node_tag(services) for services in _image_sets(spec.load(name)[1]).values()}
    with image.build_lock():
        keep |= {str(c.get("Image", "")) for c in podman.json_out(["ps", "-a", "--format", "json"]) or []}
        names = [n for i in podman.json_out(["images", "--format", "json"]) or [] for n in i.get("Names") or []]
        doomed = image.stale(names, keep)
        if not dry_run:
            for name in doomed:
                podman.run(["rmi", name])
    return doomed


def running_scenarios() -> list[str]:
    found = {str(c.get("Labels", {}).get(podman.LABEL)) for c in podman.containers()}
    found |= {str(n.get("labels", {}).get(podman.LABEL)) for n in podman.networks()}
    return sorted(found - {"None"})


@dataclass(frozen=True)
class ScenarioStatus:
    scenario: str
    containers: dict[str, str]  # box -> podman state
    inventory: Path | None


def status() -> list[ScenarioStatus]:
    """Every scenario with containers or networks, and the state of each of its containers."""
    result = []
    for name in running_scenarios():
        states = {str(c.get("Labels", {}).get(f"{podman.LABEL}.box")): str(c.get("State"))
                  for c in podman.containers(name)}
        inv = scenario_state(name) / INVENTORY
        result.append(ScenarioStatus(name, dict(sorted(states.items())), inv if inv.is_file() else None))
    return result


def write_inventory(name: str, path: str | Path | None = None) -> Path:
    """Write the running scenario's Ansible inventory to `path` (default: its state directory)."""
    deployment = load(name)
    target = Path(path) if path is not None else deployment.inventory
    inventory.write(deployment, target)
    return target


@contextlib.contextmanager
def running(name_or_path: str | Path, *, ready_timeout: float = render.READY_TIMEOUT_S,
            console: Console | None = None, progress: ProgressLike | None = None) -> Iterator[Deployment]:
    """`with running("compliant") as d:` boots the scenario and always tears it down afterwards,
    on errors and on Ctrl-C too (a second Ctrl-C during teardown is held back until it is done)."""
    deployment = up(name_or_path, ready_timeout=ready_timeout, console=console, progress=progress)
    try:
        yield deployment
    finally:
        with _sigint_deferred():
            down(deployment.scenario)


@contextlib.contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Hold Ctrl-C while tearing down, then deliver it, so a teardown is never left half done."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            raise KeyboardInterrupt
