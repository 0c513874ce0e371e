"""CPU the checker spends redacting what hosts answer, per host (the largest part of its own CPU at fleet scale).

Usage: .venv/bin/python benchmarks/redact_time.py [--result FILE] [--rounds 5]

Every observation of a full result (`ihcheck check --format json --full-observations`; by default the recorded
default deployment, tests/data/recordings/compliant/result.json) is redacted as `ObservationLog.record` does
it (command, stdout, stderr), `--rounds` times; prints CPU milliseconds a host (process time, so other work on
the machine moves it little) and the slowest outputs. A fleet lab's result (`benchmarks/fleet.py --keep DIR`
then a `--full-observations` run) gives the figure for the MLPS baseline's large outputs.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from probes.redact import Redactor

RECORDING = Path(__file__).resolve().parent.parent / "tests" / "data" / "recordings" / "compliant" / "result.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--result", type=Path, default=RECORDING)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    result = json.loads(args.result.read_text(encoding="utf-8"))
    observations = result["observations"]
    if not observations or "stdout" not in observations[0]:
        sys.exit(f"{args.result}: no outputs in it (schema {result.get('schema')}): use --full-observations")
    hosts = len({o["host"] for o in observations})
    by_command: dict[str, float] = defaultdict(float)
    started = time.process_time()
    for _ in range(args.rounds):
        for obs in observations:
            began = time.process_time()
            red = Redactor()
            red.text(obs["command"])
            red.output(obs["stdout"])
            red.output(obs["stderr"])
            by_command[obs["command"][:70]] += time.process_time() - began
    total = time.process_time() - started
    size = sum(len(o["stdout"]) + len(o["stderr"]) for o in observations)
    print(f"{args.result}: {hosts} hosts, {len(observations)} observations, {size / hosts / 1000:.0f} kB of output "
          "a host")
    print(f"redaction: {1000 * total / args.rounds / hosts:.1f} ms CPU a host ({args.rounds} rounds)")
    for command, seconds in sorted(by_command.items(), key=lambda kv: -kv[1])[:5]:
        print(f"  {1000 * seconds / args.rounds / hosts:6.1f} ms a host  {command}")


if __name__ == "__main__":
    main()
