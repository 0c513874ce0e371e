"""The MLPS level 3 host baseline's added time per host (target: under 1 s per host on top of today's check).

Usage (root, podman): .venv/bin/python benchmarks/mlps_time.py [--scenario compliant] [--runs 3]
                      .venv/bin/python benchmarks/mlps_time.py --inventory inventories/localhost.yml

In one run, side by side on the same booted deployment (or inventory): the probes of today's check without
the baseline probe, then with it, alternating, `--runs` times each; and the baseline probe's own wall time
per host, from its observations' timestamps. The baseline runs in a host's quick lane after the
other probes, while the slow lane measures uplinks, so a host's added wall time can be less than its
commands' time.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="compliant")
    parser.add_argument("--inventory", type=Path, help="measure an existing inventory instead of a simulation")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    if args.inventory:
        measure(args.inventory, args.runs, args.inventory.name)
        return
    from simulator.deploy import running, write_inventory

    with running(args.scenario) as deployment, tempfile.TemporaryDirectory() as tmp:
        measure(write_inventory(deployment.scenario, Path(tmp) / "inventory.yml"), args.runs, args.scenario)


def measure(inventory_path: Path, runs: int, label: str) -> None:
    from probes.gather import PROBES, gather
    from probes.inventory import load_inventory

    inventory = load_inventory(inventory_path)
    without = tuple(p for p in PROBES if p.name != "baseline")
    walls: dict[str, list[float]] = {"without": [], "with": []}
    per_host: dict[str, list[float]] = defaultdict(list)
    for _ in range(runs):
        for key, probes in (("without", without), ("with", PROBES)):
            start = time.perf_counter()
            gathered = gather(inventory, probes=probes)
            walls[key].append(time.perf_counter() - start)
            if key == "with":
                for host in gathered.facts.hosts:
                    ids = set(host.baseline.observations) if host.baseline else set()
                    mine = [o for o in gathered.observations if o.id in ids and o.transport != "checker"]
                    if mine:  # first command started to last one ended (the updates listing runs beside the rest)
                        per_host[host.name].append((max(o.ended_at for o in mine)
                                                    - min(o.started_at for o in mine)).total_seconds())
    hosts = len(inventory.hosts)
    added = statistics.median(walls["with"]) - statistics.median(walls["without"])
    print(f"{label}: {hosts} host(s), {runs} run(s) each way, alternating")
    for key in ("without", "with"):
        print(f"  gather {key:7} the baseline probe: median {statistics.median(walls[key]):.2f} s "
              f"(min {min(walls[key]):.2f}, max {max(walls[key]):.2f})")
    print(f"  added wall time: {added:+.2f} s for the deployment ({added / hosts:+.2f} s per host; hosts run in "
          f"parallel)")
    print("  the baseline probe's wall time per host, first command to last (median of runs; target < 1 s):")
    for name, spent in sorted(per_host.items()):
        print(f"    {name:10} {statistics.median(spent):.2f} s  (min {min(spent):.2f}, max {max(spent):.2f})")


if __name__ == "__main__":
    main()
