"""How far the uplinks probe's throughput figures fall from the rates tc shapes the link to, and whether
the stated margin covers the difference.

Builds the two-namespace lab of tests/probes/uplink_lab.py with one uplink per rate, measures each
uplink in both directions exactly as the probe does (probes.uplinks.collect), one uplink after the
other or, with --parallel, all at once against one iperf3 server each, and prints per
measurement: the tc rate, the figure ± margin, the error against the tc rate, and whether the tc
rate lies within the margin. Needs root, iproute2, tc, iperf3, nginx and curl.

    sudo .venv/bin/python benchmarks/bandwidth_error.py [--rates 5,10,20,50] [--seconds 4] [--repeat 3] [--parallel]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from probes.facts.declared import Declarations
from probes.inventory import InventoryHost
from probes.observation import ObservationLog
from probes.transport import Session
from probes.uplinks import collect
from tests.probes.uplink_lab import Lab, available


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="5,10,20,50", help="tc tbf rates in Mbit/s, comma-separated")
    parser.add_argument("--seconds", type=float, default=4.0, help="measurement seconds per direction")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--parallel", action="store_true",
                        help="one iperf3 server per uplink, all uplinks measured at the same time")
    args = parser.parse_args()
    if (why := available()) is not None:
        print(f"cannot run: {why}", file=sys.stderr)
        return 2
    rates = [float(r) for r in args.rates.split(",")]
    rows: list[tuple[float, str, float, float, float]] = []
    with Lab(rates) as lab:
        endpoints = lab.measure_endpoints if args.parallel else (lab.measure_endpoint,)
        declared = Declarations(measure_endpoint=endpoints, measure_seconds=args.seconds)
        host = InventoryHost(name="lab", address="lab", connection="local", declared=declared)
        rate_of = {u.interface: u.mbps for u in lab.uplinks}
        print(f"uplinks measured {'at the same time' if args.parallel else 'one after the other'}, "
              f"{args.seconds:g} s per direction")
        print(f"{'tc Mbps':>8} {'dir':>9} {'figure':>8} {'± margin':>9} {'(stat':>6} {'+ method)':>9} "
              f"{'error':>7} {'error %':>8} {'covered':>8}")
        for _ in range(args.repeat):
            session = Session(host=host, transport=lab.transport(), log=ObservationLog())
            for uplink in collect(session).uplinks:
                rate = rate_of[uplink.interface]
                for t in (uplink.upload, uplink.download):
                    if t is None or t.mbps is None or t.margin_mbps is None:
                        print(f"{rate:8.1f} {'?':>9}  failed: {t.error if t else 'not measured'}")
                        continue
                    error = t.mbps - rate
                    covered = abs(error) <= t.margin_mbps
                    rows.append((rate, t.direction, error, t.margin_mbps, float(covered)))
                    print(f"{rate:8.1f} {t.direction:>9} {t.mbps:8.3f} {t.margin_mbps:9.3f} "
                          f"{t.statistical_mbps or 0:6.3f} {t.method_mbps or 0:9.3f} {error:+7.3f} "
                          f"{100 * error / rate:+7.2f}% {'yes' if covered else 'NO':>8}")
    print()
    print(f"{'tc Mbps':>8} {'n':>3} {'mean error %':>13} {'worst error %':>14} {'mean margin %':>14} {'covered':>8}")
    for rate in rates:
        mine = [r for r in rows if r[0] == rate]
        if not mine:
            continue
        errs = [100 * r[2] / rate for r in mine]
        margins = [100 * r[3] / rate for r in mine]
        print(f"{rate:8.1f} {len(mine):3d} {statistics.mean(errs):+13.2f} {max(errs, key=abs):+14.2f} "
              f"{statistics.mean(margins):14.2f} {sum(r[4] for r in mine):5.0f}/{len(mine)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
