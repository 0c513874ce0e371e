"""Server-side render time of the registry's overview and hospital page at a province's volume.

    .venv/bin/python benchmarks/registry_pages.py [--hospitals 100] [--bundles 52] [--database postgresql://…]
                                                 [--runs 30] [--data FOLDER [--reuse]]

Loads a simulated province (ihcheck.registry.province: each hospital its own keys, weekly bundles from the
recorded scenarios, about one in five a recorded fault) through the registry's own intake (verification
included) into a PostgreSQL it starts from Debian's packages (as the tests do) unless --database is given,
then renders the overview `/`, a hospital `/hospitals/<uscc>/`, a rule `/rules/<id>/` and a finding
`/bundles/<digest>/findings/<n>/` --runs times each through the views and templates
(ihcheck.registry.web.perf.render_times) and prints p50/p95. The registry benchmark (benchmarks/registry.py)
can call the same function after its 1,000 × 52 intake.

Against an existing PostgreSQL that already holds a province (e.g. the one benchmarks/registry.py loaded),
give its URL and the registry's data folder (where the bundles are stored) with --reuse: nothing is loaded,
the schema is migrated (a newer migration fills what it adds) and the pages are timed:

    .venv/bin/python benchmarks/registry_pages.py --database postgresql://postgres@127.0.0.1:5432/postgres \
        --data /srv/registry --reuse
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hospitals", type=int, default=100)
    parser.add_argument("--bundles", type=int, default=52)
    parser.add_argument("--database", help="an existing PostgreSQL (default: start one from Debian's packages)")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--data", type=Path, help="the registry's data folder (stored bundles), kept afterwards "
                        "(default: a temporary folder, removed)")
    parser.add_argument("--reuse", action="store_true", help="time the pages of the province the database "
                        "already holds (needs --database and --data); load nothing")
    args = parser.parse_args()
    if args.reuse and not (args.database and args.data):
        parser.error("--reuse needs --database and --data (the province's database and its stored bundles)")
    work = Path(tempfile.mkdtemp(prefix="ihcheck-bench-pages-"))
    try:
        if args.database:
            run(args, work, args.database)
            return
        from tests.daemons import postgres

        with postgres(work / "pg") as port:
            run(args, work, f"postgresql://postgres@127.0.0.1:{port}/postgres")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, work: Path, url: str) -> None:
    from ihcheck.registry.settings import configure, migrate

    os.environ.setdefault("IHCHECK_REGISTRY_UPLOADS_PER_HOUR", "1000000")
    configure(data=args.data or work / "data", database=url)
    started = time.perf_counter()
    migrate()
    print(f"schema migrated in {time.perf_counter() - started:.1f} s", flush=True)
    from ihcheck.registry.web.perf import render_times, summary

    if not args.reuse:
        load(args, work, url)
    times = render_times(runs=args.runs)
    from ihcheck.registry.models import Bundle, Hospital

    hospitals, bundles = Hospital.objects.count(), Bundle.objects.count()
    print(f"overview (/, {hospitals} hospitals, {bundles} bundles): {summary(times['overview'])}")
    print(f"hospital page (/hospitals/<uscc>/):          {summary(times['hospital'])}")
    print(f"rule page (/rules/<id>/):                    {summary(times['rule'])}")
    print(f"finding page (/bundles/<digest>/findings/n/): {summary(times['finding'])}")
    print(f"load average {os.getloadavg()[0]:.2f}")


def load(args: argparse.Namespace, work: Path, url: str) -> None:
    from ihcheck.registry import province
    from ihcheck.registry.services import enrol, intake

    now = datetime.now(UTC)
    bases = province.base_bundles(work / "scenarios")
    started, taken = time.perf_counter(), 0
    for h in province.plan(args.hospitals, args.bundles, now=now):
        hospital = enrol.enrol_hospital(name=h.name, uscc=h.uscc, city=h.city, licence=h.licence,
                                        registered_on=h.registered_on, actor="bench")
        enrol.add_key(hospital, " ".join(h.keys.public().fingerprints()), actor="bench",
                      valid_from=now - timedelta(weeks=args.bundles + 1))
        for week in range(len(h.weeks)):
            intake.take(province.bundle_for(h, week, bases), name=f"{h.uscc}-{week}", via="http", actor="bench",
                        hospital=hospital)
            taken += 1
    print(f"loaded {args.hospitals} hospitals × {args.bundles} bundles = {taken} in "
          f"{time.perf_counter() - started:.0f} s into {url.split('@')[-1]}", flush=True)


if __name__ == "__main__":
    main()
