"""The CPU that holding a fleet's equal fact records once costs (probes/facts/sharing.py), a host at a time.

    .venv/bin/python benchmarks/share_time.py RESULT.json [--against CHECKOUT] [--rounds 3]

Reads the hosts' facts of a result (`ihcheck check --format json --out RESULT.json`, say of the fleet lab), shares
each host's fact families into one run's table as `gather` does, and prints the CPU a host and the table's size;
with `--against`, another checkout's `SharedRecords` on the same facts, alternately in one run (the commit before
and after a change: the two tables must come out the same size).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from probes.facts import HostFacts
from probes.facts.sharing import SharedRecords

_NOT_SHARED = {"name", "address", "groups", "declared", "reachable", "errors", "unfinished", "transport",
               "host_key_fingerprint", "host_key_verified", "unreachable_reason"}


def _other(checkout: Path) -> Any:
    spec = importlib.util.spec_from_file_location("other_sharing", checkout / "probes" / "facts" / "sharing.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SharedRecords


def timed(table_type: Any, hosts: list[HostFacts]) -> tuple[float, int]:
    """CPU seconds a host to share every host's families into one new table, and the table's size."""
    table = table_type()
    families = [n for n in HostFacts.model_fields if n not in _NOT_SHARED]
    began = time.process_time()
    for host in hosts:
        for family in families:
            value = getattr(host, family)
            if value is not None:
                table.share(value)
    return (time.process_time() - began) / len(hosts), len(table._table)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("result", type=Path)
    parser.add_argument("--against", type=Path, help="another checkout (the commit before)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    hosts = [HostFacts.model_validate(h) for h in json.loads(args.result.read_text())["facts"]["hosts"]]
    kinds = [("this checkout", SharedRecords)]
    if args.against is not None:
        kinds.insert(0, (str(args.against), _other(args.against)))
    for _ in range(args.rounds):
        for name, kind in kinds:
            per_host, size = timed(kind, hosts)
            print(f"{name}: {per_host * 1000:.2f} ms of CPU a host, {size} records in the table ({len(hosts)} hosts)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
