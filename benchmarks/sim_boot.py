"""Boot time and memory of the default simulated deployment.

Prints, for `compliant` (or the scenario given as the first argument):
  cold  boot: images removed first, so debootstrap + every image layer is built (slow; --skip-cold to skip)
  warm  boot: images cached, networks and containers created, every daemon answering
  peak memory: the sum of the containers' cgroup memory once all daemons answer, plus this
  process's peak RSS.

    python benchmarks/sim_boot.py [SCENARIO] [--skip-cold] [--warm-runs N]
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from simulator import deploy, image, podman
from simulator.services import SERVICES


def _container_memory_bytes(scenario: str) -> int:
    """Sum of the containers' cgroup memory usage (cgroup v1 or v2), read from the host."""
    total = 0
    for container in podman.containers(scenario):
        info = podman.json_out(["inspect", str(container["Id"])])[0]
        pid = info["State"]["Pid"]
        cgroup = Path(f"/proc/{pid}/cgroup").read_text().splitlines()
        candidates = []
        for line in cgroup:
            _, controllers, path = line.split(":", 2)
            if controllers == "":
                candidates.append(Path("/sys/fs/cgroup") / path.lstrip("/") / "memory.current")
            elif "memory" in controllers.split(","):
                candidates.append(Path("/sys/fs/cgroup/memory") / path.lstrip("/") / "memory.usage_in_bytes")
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            raise RuntimeError(f"no memory cgroup file for {container['Names']}: tried {candidates}")
        total += int(found.read_text())
    return total


def _remove_images() -> None:
    tags = {image.base_tag(), image.common_tag()}
    for services in (["nginx"], ["postgresql"], ["coturn"], ["kamailio", "janus"]):
        tags.add(image.node_tag([SERVICES[s] for s in services]))
    for tag in tags:
        podman.run(["rmi", "-f", tag], check=False)


def _boot(scenario: str) -> tuple[float, int]:
    started = time.monotonic()
    deployment = deploy.up(scenario)
    elapsed = time.monotonic() - started
    try:
        memory = _container_memory_bytes(deployment.scenario)
    finally:
        deploy.down(deployment.scenario)
    return elapsed, memory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", nargs="?", default="compliant")
    parser.add_argument("--skip-cold", action="store_true", help="do not remove and rebuild the images")
    parser.add_argument("--warm-runs", type=int, default=3)
    args = parser.parse_args()

    if not args.skip_cold:
        _remove_images()
    warm_times: list[float] = []
    memories: list[int] = []
    if not args.skip_cold:
        cold, cold_memory = _boot(args.scenario)
        memories.append(cold_memory)
        print(f"cold boot (images built from scratch): {cold:.1f} s", flush=True)
    for _ in range(args.warm_runs):
        elapsed, memory = _boot(args.scenario)
        warm_times.append(elapsed)
        memories.append(memory)
    python_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"warm boot ({args.warm_runs} runs): min {min(warm_times):.1f} s, "
          f"max {max(warm_times):.1f} s, runs {', '.join(f'{t:.1f}' for t in warm_times)}")
    containers = max(memories)
    print(f"peak memory: containers {containers / 2**20:.0f} MiB + python {python_peak / 2**20:.0f} MiB "
          f"= {(containers + python_peak) / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
