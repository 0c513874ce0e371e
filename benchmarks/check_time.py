"""Time a full `ihcheck check` of the default simulated deployment, after boot (target: ≤10 s on 2 cores).

Usage (root, podman): .venv/bin/python benchmarks/check_time.py [--scenario compliant] [--runs 3]

Boots the scenario once (boot time is benchmarks/sim_boot.py's business), then times whole check runs
and, from the observations' timestamps, where the time goes per host and per probe command.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="compliant")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from ihcheck.run import run_check
    from probes.transport import unwrap
    from simulator.deploy import running, write_inventory

    times: list[float] = []
    with running(args.scenario) as deployment, tempfile.TemporaryDirectory() as tmp:
        inventory = write_inventory(deployment.scenario, Path(tmp) / "inventory.yml")
        for _ in range(args.runs):
            start = time.perf_counter()
            result = run_check(inventory).result
            times.append(time.perf_counter() - start)
    print(f"scenario: {args.scenario}; hosts: {len(result.facts.hosts)}; findings: {len(result.findings)}")
    print(f"full check: median {statistics.median(times):.2f} s, min {min(times):.2f} s, max {max(times):.2f} s "
          f"over {len(times)} runs (target ≤10 s)")
    slowest: dict[str, float] = defaultdict(float)
    for obs in result.observations.metadata():  # timestamps only: no output read back from the spool
        if obs.transport == "checker":  # in-process: its own duration is not timed, only what ran on hosts
            continue
        words = unwrap(obs.command).split() or ["?"]  # the probe's command, not the `timeout -k … sh -c` around it
        key = words[0]
        slowest[f"{obs.transport}:{key}"] += (obs.ended_at - obs.started_at).total_seconds()
    print("time inside host commands, summed over hosts (last run; hosts run in parallel):")
    for key, seconds in sorted(slowest.items(), key=lambda kv: -kv[1])[:10]:
        print(f"  {seconds:7.2f} s  {key}")
    print("uplink figures (last run; the spec's tc rates are what they should match):")
    for host in result.facts.hosts:
        if not host.declared.measure_endpoint:
            continue
        for u in host.uplinks.uplinks if host.uplinks else ():
            figures = ", ".join(t.describe() for t in (u.upload, u.download) if t is not None)
            print(f"  {host.name} {u.interface}: {figures or 'not measured'}")
    print(f"verdicts: {result.summary['rules']}")
    print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
