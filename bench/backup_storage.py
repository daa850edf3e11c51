"""Benchmark: vault storage after one full backup and 30 daily incrementals at 1% change.

    .venv/bin/python bench/backup_storage.py [--records 100000] [--days 30]

Generates a fresh org (under var/bench/backup-storage), backs it up in full, then 30
times: moves the simulator's clock one day, changes 1% of each object's records through
Bulk API 2.0, and runs an incremental Composite Backup. Prints the stored bytes
(published segments + blobs) against the full backup's. BENCH_STORAGE_RECORDS sets the
default size. Prints figures; never fails on a time.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from backup_support import ROOT, Bench, machine  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--records", type=int, default=int(os.environ.get("BENCH_STORAGE_RECORDS", "100000"))
    )
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--work", default=str(ROOT / "var" / "bench" / "backup-storage"))
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    print(f"Vault storage benchmark on {machine()}")
    with Bench(work, args.records) as bench:
        objects = bench.object_fields()
        full = bench.backup()
        full_bytes = bench.stored_bytes()
        print(
            f"  full backup: {full.result['records']:,} records, {full_bytes / 1e6:.2f} MB stored "
            f"({full_bytes / full.result['records']:.0f} bytes/record)"
        )
        started = time.monotonic()
        changed_total = 0
        for day in range(1, args.days + 1):
            bench.sim.advance_clock(days=1)
            changed_total += bench.change_fraction(objects, 0.01, f"day {day} change")
            run = bench.backup()
            if day % 10 == 0 or day == args.days:
                stored = bench.stored_bytes()
                print(
                    f"  day {day:>2}: {changed_total:,} changes so far, last incremental "
                    f"{run.seconds:.1f} s ({run.result['changed']:,} changed), stored "
                    f"{stored / 1e6:.2f} MB = {stored / full_bytes:.2f}x the full backup"
                )
        stored = bench.stored_bytes()
        versions = bench.db_query("SELECT count(*) FROM vault_recordversion")[0][0]
        print(
            f"  after {args.days} days: {stored / full_bytes:.2f}x the full backup's bytes, "
            f"{versions:,} record versions, {time.monotonic() - started:.0f} s for the "
            f"{args.days} days"
        )


if __name__ == "__main__":
    main()
