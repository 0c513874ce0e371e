"""The registry at a province's scale: N hospitals × M bundles into PostgreSQL, verification included.

    .venv/bin/python benchmarks/registry.py [--hospitals 1000] [--bundles 52] [--database postgresql://…]
                                           [--queries 40] [--workers 1] [--deadline MIN] [--data DIR]
                                           [--pages N] [--reuse]

Starts a PostgreSQL of its own from Debian's packages (as the tests do) unless --database is given, enrols N
hospitals each with its own Ed25519 + SM2 keys, and hands each M weekly bundles (a year of them): mostly the
recorded `compliant` scenario, every fifth one a recorded fault (single-isp, slow-uplink, db-on-app-host,
no-power-redundancy), each bundle's content written once by the project's bundle writer from the recorded
facts (tests/reports/scenario_bundles.py) and then signed for each hospital and week with the project's own
signing (keys replaced, in-toto attestation and manifest re-signed with reports.attestation / reports.keys),
so every bundle has its own digest, signer and signing time. Making a bundle is not counted; taking it in is:
`services.intake.take` — reading the archive within limits, `reports.verify` against the hospital's enrolled
keys, storing it content-addressed and indexing its findings.

Prints intake throughput (bundles/s, wall and CPU), the process's RSS at each quarter of the intake (flat
memory shows as a flat line), then p50/p95 of the province query (`queries.province`, every hospital with its
latest verdict per rule) and of a hospital's history (`queries.history`), each over --queries runs.

With --reuse (and --database and --data of an earlier run) nothing is enrolled or taken in: the queries (and
--pages) are timed again on the province that database holds, e.g. once the machine is quiet.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reports.keys import SigningKeys

FAULTS = ("single-isp", "slow-uplink", "db-on-app-host", "no-power-redundancy")


def base_contents(folder: Path) -> dict[str, dict[str, bytes]]:
    """Each scenario's bundle as the project's writer makes it (once), as {path: bytes}."""
    from reports.verify import read_bundle
    from tests.reports.scenario_bundles import scenario_bundle

    keys = SigningKeys.generate()
    return {name: read_bundle(scenario_bundle(name, folder, keys)) for name in ("compliant", *FAULTS)}


from ihcheck.registry.province import signed  # noqa: E402  (the demo's re-signing: one copy)


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


@contextlib.contextmanager
def database(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    from tests.daemons import postgres

    with postgres(Path(tempfile.gettempdir())) as port:  # it makes (and removes) a cluster folder of its own
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"


def postgres_cpu(url: str) -> float:
    """CPU seconds PostgreSQL has spent so far (the postmaster listening on the URL's port, its live backends and
    those that ended): the share of intake a worker's own CPU time does not show. 0 when not found."""
    from urllib.parse import urlsplit

    import psutil

    port = urlsplit(url).port
    for proc in psutil.process_iter(["name"]):
        try:
            parent = proc.parent()
            if proc.info["name"] != "postgres" or (parent is not None and parent.name() == "postgres"):
                continue
            if not any(c.laddr.port == port and c.status == psutil.CONN_LISTEN for c in proc.net_connections("tcp")):
                continue
            own = proc.cpu_times()
            total = own.user + own.system + own.children_user + own.children_system
            for child in proc.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    t = child.cpu_times()
                    total += t.user + t.system
            return total
        except psutil.Error:
            continue
    return 0.0


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms   (n={len(ordered)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hospitals", type=int, default=1000)
    parser.add_argument("--bundles", type=int, default=52, help="bundles per hospital (weekly: 52 is a year)")
    parser.add_argument("--database", help="an existing PostgreSQL (default: start one from Debian's packages)")
    parser.add_argument("--queries", type=int, default=40, help="runs of each query for the percentiles")
    parser.add_argument("--workers", type=int, default=1, help="intake processes (>1: each week's bundles are made "
                        "first, into a spool folder, then taken in by this many processes at once)")
    parser.add_argument("--pages", type=int, default=0, help="then render the overview and a hospital page this many "
                        "times each (ihcheck.registry.web.perf, as benchmarks/registry_pages.py does) at this volume")
    parser.add_argument("--deadline", type=float, default=0, help="minutes: make no new week after this long; "
                        "the queries then run on what was taken in (a partial run says so)")
    parser.add_argument("--data", type=Path, help="keep the stored bundles in this folder (default: a temporary "
                        "one, removed); with --database, the pages benchmark can run on the same registry")
    parser.add_argument("--reuse", action="store_true", help="time the queries (and --pages) again on the province "
                        "--database and --data hold from an earlier run; nothing is taken in")
    args = parser.parse_args()
    if args.reuse and not (args.database and args.data):
        parser.error("--reuse needs --database and --data (the province's database and its stored bundles)")
    work = Path(tempfile.mkdtemp(prefix="ihcheck-bench-registry-"))
    try:
        with database(args.database) as url:
            run(args, work, url, args.data or work / "data")
    finally:
        import shutil

        shutil.rmtree(work, ignore_errors=True)  # the stored bundles: hundreds of MB at a province's scale


def run(args: argparse.Namespace, work: Path, url: str, data: Path) -> None:
    from ihcheck.registry.settings import configure, migrate

    os.environ.setdefault("IHCHECK_REGISTRY_UPLOADS_PER_HOUR", "1000000")
    configure(data=data, database=url)
    migrate()
    from ihcheck.registry.services import enrol

    if args.reuse:
        reuse(args)
        return
    bases = base_contents(work / "scenarios")
    now = datetime.now(UTC)
    first_week = now - timedelta(weeks=args.bundles)
    rng = random.Random(20261206)
    cities = ("广州", "深圳", "佛山", "东莞", "珠海", "汕头", "湛江", "江门", "惠州", "肇庆")
    total = args.hospitals * args.bundles
    print(f"registry benchmark: {args.hospitals} hospitals × {args.bundles} bundles = {total} into {url.split('@')[-1]}"
          f"; load average before {os.getloadavg()[0]:.2f}", flush=True)
    hospitals = []
    started = time.perf_counter()
    for n in range(args.hospitals):
        keys = SigningKeys.generate()
        hospital = enrol.enrol_hospital(name=f"模拟互联网医院 {n:04d}", uscc=f"91440101MA{n:08d}",
                                        city=cities[n % len(cities)], actor="bench",
                                        registered_on=date(2026, 1, 1) + timedelta(days=n % 300))
        enrol.add_key(hospital, " ".join(keys.public().fingerprints()), actor="bench",
                      valid_from=first_week - timedelta(days=1))
        hospitals.append((hospital, keys))
    print(f"  enrolled {args.hospitals} hospitals and keys in {time.perf_counter() - started:.1f} s", flush=True)

    if args.workers > 1:
        held = parallel_intake(args, work, url, bases, hospitals, first_week, rng)
    else:
        held = serial_intake(args, bases, hospitals, first_week, rng)
    query(args, [h.uscc for h, _ in hospitals], rng, held // args.hospitals)
    pages(args, held // args.hospitals)


def parallel_intake(args: argparse.Namespace, work: Path, url: str, bases: dict[str, dict[str, bytes]],
                    hospitals: list[tuple[Any, SigningKeys]], first_week: datetime, rng: random.Random) -> int:
    """A week at a time: the province's bundles of that week made into a spool folder (not timed), then taken
    in by N worker processes at once, as `ihcheck registry intake --workers N` does (services.workers: the
    enrolled key says whose a bundle is). Returns how many were taken in (fewer than planned after --deadline)."""
    import multiprocessing

    from django.conf import settings
    from django.db import connections

    from ihcheck.registry.services.workers import _start_worker

    spool = work / "spool"
    spool.mkdir()
    database = dict(connections["default"].settings_dict)
    connections.close_all()
    context = multiprocessing.get_context("spawn")
    total = args.hospitals * args.bundles
    wall = cpu = pg_cpu = 0.0
    done = 0
    started = time.monotonic()
    with context.Pool(args.workers, initializer=_start_worker,
                      initargs=(str(settings.IHCHECK_REGISTRY_DATA), database)) as pool:
        for week in range(args.bundles):
            if args.deadline and time.monotonic() - started > args.deadline * 60:
                print(f"  --deadline of {args.deadline} min reached after week {week}: {done} of {total} taken in; "
                      "the queries run on what is held", flush=True)
                break
            paths = []
            for hospital, keys in hospitals:
                scenario = FAULTS[rng.randrange(len(FAULTS))] if rng.random() < 0.2 else "compliant"
                path = spool / f"{hospital.uscc}-{week:02d}.tar.gz"
                path.write_bytes(signed(bases[scenario], keys, first_week + timedelta(weeks=week,
                                                                                      minutes=rng.randrange(600)),
                                        path.name.removesuffix(".tar.gz")))
                paths.append(str(path))
            t0, pg0 = time.perf_counter(), postgres_cpu(url)
            results = pool.map(_take_in, paths, chunksize=max(1, len(paths) // (8 * args.workers)))
            wall += time.perf_counter() - t0
            pg_cpu += postgres_cpu(url) - pg0
            cpu += sum(r[1] for r in results)
            assert all(r[0] for r in results), "a bundle was not taken in as new"
            done += len(results)
            for done_path in paths:
                Path(done_path).unlink()
            if week % max(1, args.bundles // 13) == 0 or week == args.bundles - 1:
                print(f"  week {week + 1:2d}: {done:6d} taken in, {done / wall:6.1f} bundles/s wall (intake only), "
                      f"CPU {cpu / done * 1000:4.1f} ms a bundle in the workers + {pg_cpu / done * 1000:4.1f} in "
                      f"PostgreSQL; worker RSS now "
                      f"{', '.join(f'{r:.0f}' for r in sorted({round(r[2]) for r in results}))} MB; "
                      f"load {os.getloadavg()[0]:.1f}", flush=True)
    print(f"intake: {done} bundles in {wall:.1f} s of intake with {args.workers} processes = "
          f"{done / wall:.1f} bundles/s wall; CPU a bundle {cpu / done * 1000:.1f} ms in the workers + "
          f"{pg_cpu / done * 1000:.1f} ms in PostgreSQL = {done / (cpu + pg_cpu):.1f} bundles per CPU second; peak RSS "
          f"of a worker {max(r[3] for r in results):.0f} MB", flush=True)
    return done


def _take_in(path: str) -> tuple[bool, float, float, float]:
    """In a worker: one bundle taken in; (new record, CPU seconds, RSS MB now, peak RSS MB)."""
    from ihcheck.registry.services.workers import take_one

    c0 = time.process_time()
    outcome = take_one(path, via="drop", actor="bench")
    return (outcome.created, time.process_time() - c0, rss_mb(),
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def serial_intake(args: argparse.Namespace, bases: dict[str, dict[str, bytes]],
                  hospitals: list[tuple[Any, SigningKeys]], first_week: datetime, rng: random.Random) -> int:
    """Each bundle made, then taken in and timed, one at a time: memory shows whether intake keeps anything."""
    from ihcheck.registry.services import intake

    total = args.hospitals * args.bundles
    intake_wall = intake_cpu = 0.0
    quarters = {max(1, total * q // 4) for q in (1, 2, 3, 4)}
    done = 0
    cpu0 = time.process_time()
    started = time.monotonic()
    for week in range(args.bundles):  # a week at a time across the province, as uploads would arrive
        if args.deadline and time.monotonic() - started > args.deadline * 60:
            print(f"  --deadline of {args.deadline} min reached after week {week}: {done} of {total} taken in",
                  flush=True)
            break
        for hospital, keys in hospitals:
            scenario = FAULTS[rng.randrange(len(FAULTS))] if rng.random() < 0.2 else "compliant"
            data = signed(bases[scenario], keys, first_week + timedelta(weeks=week, minutes=rng.randrange(600)),
                          f"{hospital.uscc}-{week:02d}")
            t0, c0 = time.perf_counter(), time.process_time()
            taken = intake.take(data, name=f"{hospital.uscc}-{week:02d}.tar.gz", via="http", actor="bench",
                                hospital=hospital)
            intake_wall += time.perf_counter() - t0
            intake_cpu += time.process_time() - c0
            assert taken.created
            done += 1
            if done in quarters:
                print(f"  {done:6d} taken in: {done / intake_wall:6.1f} bundles/s (intake only), "
                      f"RSS {rss_mb():6.0f} MB", flush=True)
    print(f"intake: {done} bundles in {intake_wall:.1f} s of intake = {done / intake_wall:.1f} bundles/s wall, "
          f"{done / intake_cpu:.1f} bundles/s per CPU second; whole run CPU {time.process_time() - cpu0:.0f} s; "
          f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB", flush=True)
    return done


def reuse(args: argparse.Namespace) -> None:
    """The queries and pages timed on a province held from an earlier run (its size read from the database)."""
    from ihcheck.registry.models import Bundle, Hospital

    hospitals = list(Hospital.objects.all())
    args.hospitals = len(hospitals)
    weeks = Bundle.objects.count() // max(1, len(hospitals))
    print(f"registry benchmark, reused: {len(hospitals)} hospitals × {weeks} bundles held; load average before "
          f"{os.getloadavg()[0]:.2f}", flush=True)
    query(args, [h.uscc for h in hospitals], random.Random(20261206), weeks)
    pages(args, weeks)


def pages(args: argparse.Namespace, weeks: int) -> None:
    """With --pages N: the overview and a hospital page rendered N times each (as benchmarks/registry_pages.py)."""
    if not args.pages:
        return
    from ihcheck.registry.web.perf import render_times, summary

    times = render_times(runs=args.pages)
    print(f"overview page (/, {args.hospitals} hospitals):  {summary(times['overview'])}")
    print(f"hospital page ({weeks} bundles):       {summary(times['hospital'])}", flush=True)


def query(args: argparse.Namespace, usccs: list[str], rng: random.Random, weeks: int) -> None:
    from ihcheck.registry.services import queries

    province = []
    for _ in range(args.queries):
        t0 = time.perf_counter()
        rows = queries.province()
        province.append(time.perf_counter() - t0)
    assert len(rows) == args.hospitals
    print(f"province query ({len(rows)} hospitals, verdict per rule):  {percentiles(province)}")
    history = []
    for _ in range(args.queries):
        uscc = rng.choice(usccs)
        t0 = time.perf_counter()
        timeline = queries.history(uscc)
        history.append(time.perf_counter() - t0)
    assert len(timeline["bundles"]) == weeks
    print(f"hospital history ({weeks} bundles, refusals, anchors, keys): {percentiles(history)}")
    print(f"load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
