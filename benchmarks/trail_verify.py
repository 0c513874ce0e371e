"""Verify time of a 1,000,000-record hash-chained audit log (`ihcheck trail verify`), intact and with one byte changed.

Writes a log of visit events like the simulated hospital's (~230 bytes a record), then times
`probes.trail.verify` on it three ways: intact, with one byte changed near the end (the verifier
must read everything before it), and bytes-only (`parse=True`). Prints seconds and records/s.

    .venv/bin/python benchmarks/trail_verify.py [--records 1000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from pathlib import Path

from probes.trail import TrailWriter, verify

EVENTS = ("visit.start", "visit.consent", "visit.prescription", "visit.end")


def write_log(path: Path, records: int) -> None:
    with path.open("wb", buffering=1 << 20) as out:
        writer = TrailWriter(out)
        for i in range(records):
            writer.append(at=f"2026-02-{1 + i % 28:02d}T09:{i % 60:02d}:00+08:00", event=EVENTS[i % 4],
                          visit=f"V{i // 4:07d}", actor=f"physician-{i % 97:03d}",
                          data={"specialty": "儿童生长发育", "channel": "video"})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="write the log here and keep it")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="trail-bench-")) if args.keep is None else args.keep
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        log = workdir / "audit.jsonl"
        started = time.perf_counter()
        write_log(log, args.records)
        size = log.stat().st_size
        print(f"wrote {args.records:,} records ({size / 1e6:.1f} MB) in {time.perf_counter() - started:.2f} s")

        for label, kwargs in (("intact", {}), ("intact, every record parsed as JSON", {"parse": True})):
            started, cpu = time.perf_counter(), time.process_time()
            result = verify(log, **kwargs)  # type: ignore[arg-type]
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            assert result.intact and result.records == args.records, result
            print(f"verify {label}: {elapsed:.2f} s wall, {cpu:.2f} s CPU ({args.records / elapsed:,.0f} records/s)")

        data = bytearray(log.read_bytes())
        position = random.Random(15).randrange(int(size * 0.99), size - 1)
        while data[position] in b"\n":
            position -= 1
        data[position] ^= 0x01
        tampered = workdir / "tampered.jsonl"
        tampered.write_bytes(bytes(data))
        line = data.count(b"\n", 0, position) + 1
        started, cpu = time.perf_counter(), time.process_time()
        result = verify(tampered)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert result.broken is not None and result.broken.line == line, (result.broken, line)
        print(f"verify with byte {position:,} flipped: {elapsed:.2f} s wall, {cpu:.2f} s CPU, "
              f"found: {result.broken.describe()}")
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
