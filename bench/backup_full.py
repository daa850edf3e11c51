"""Benchmark: Composite Backup figures on a generated org (>= 8 objects).

    .venv/bin/python bench/backup_full.py [--records 100000,1000000] [--work var/bench/backup]

For each size: generates the org (cached under --work), serves it with the simulator,
creates a fresh OrgVault deployment (SQLite + local storage), then measures through
`manage.py backup_run --wait` (a separate process, as a worker would run it):

- merely downloading every object's Bulk API 2.0 CSV (the floor),
- the full backup: records/s and the ratio to the download,
- an incremental backup after 1% of the records changed (rows read, time vs full),
- a Composite & Sync backup (time vs full),
- peak RSS of the backup process at each size (one process; the full backup is also
  timed with BENCH_WORKERS processes, default: the number of cores, which the
  incremental and Composite & Sync runs use too).

Prints figures; never fails on a time. BENCH_RECORDS sets the default sizes.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from backup_support import ROOT, Bench, machine  # noqa: E402

DEFAULT_SIZES = os.environ.get("BENCH_RECORDS", "100000")
WORKERS = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 2)))


def measure(work: Path, records: int) -> dict:
    print(f"\n== {records:,} records ==")
    with Bench(work, records) as bench:
        objects = bench.object_fields()
        download_s, rows = bench.download_only(objects)
        print(f"  objects with records: {len(objects)}; rows in the org: {rows:,}")
        print(
            f"  download only (Bulk API 2.0 CSV): {download_s:.1f} s ({rows / download_s:,.0f} rows/s)"
        )

        single = bench.backup(workers=1)
        print(
            f"  full backup, 1 process: {single.seconds:.1f} s, "
            f"{single.result['records'] / single.seconds:,.0f} records/s, "
            f"ratio to download {single.seconds / download_s:.2f}x, peak RSS {single.peak_mb:.0f} MB"
        )
        bench.reset()
        full = bench.backup(workers=WORKERS)
        full_rate = full.result["records"] / full.seconds
        print(
            f"  full backup, {WORKERS} processes: {full.seconds:.1f} s, "
            f"{full.result['records']:,} records, {full_rate:,.0f} records/s, ratio to download "
            f"{full.seconds / download_s:.2f}x, {full.result['api_calls']} API calls, "
            f"peak RSS {full.peak_mb:.0f} MB"
        )
        full_bytes = bench.stored_bytes()
        print(f"  stored after full: {full_bytes / 1e6:.1f} MB")

        changed = bench.change_fraction(objects, 0.01, "bench change")
        incremental = bench.backup(workers=WORKERS)
        read = bench.rows_read(incremental.result["job_id"])
        print(
            f"  incremental after {changed:,} changes (1%): {incremental.seconds:.1f} s "
            f"({incremental.seconds / full.seconds:.1%} of full), rows read {read:,}, "
            f"changed {incremental.result['changed']:,}, "
            f"stored +{(bench.stored_bytes() - full_bytes) / 1e6:.2f} MB, "
            f"peak RSS {incremental.peak_mb:.0f} MB"
        )

        job_id = incremental.result["job_id"]
        objects_read, objects_changed = bench.db_query(
            "SELECT COUNT(*), SUM(CASE WHEN added + changed + deleted > 0 THEN 1 ELSE 0 END) "  # noqa: S608
            f"FROM jobs_jobobject WHERE job_id = {int(job_id)}"
        )[0]
        print(
            f"  incremental API calls: {incremental.result['api_calls']} for {objects_read} "
            f"objects where {objects_changed} changed (target <= 2 x changed + 6 = "
            f"{2 * objects_changed + 6})"
        )

        sync = bench.backup(sync=True, workers=WORKERS)
        print(
            f"  composite & sync: {sync.seconds:.1f} s ({sync.seconds / full.seconds:.1%} of full), "
            f"hard deletes found {sync.result['deleted']}, peak RSS {sync.peak_mb:.0f} MB"
        )
        return {
            "records": full.result["records"],
            "download_s": download_s,
            "full_s": full.seconds,
            "full_rate": full_rate,
            "ratio": full.seconds / download_s,
            "incremental_s": incremental.seconds,
            "sync_s": sync.seconds,
            "peak_mb": single.peak_mb,
            "single_rate": single.result["records"] / single.seconds,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", default=DEFAULT_SIZES, help="comma-separated sizes")
    parser.add_argument("--work", default=str(ROOT / "var" / "bench" / "backup"))
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    print(f"Composite Backup benchmark on {machine()}")
    results = [measure(work, int(size)) for size in args.records.split(",")]
    print("\nsummary:")
    for r in results:
        print(
            f"  {r['records']:>9,} records: full {r['full_rate']:,.0f} rec/s "
            f"({r['single_rate']:,.0f} in 1 process) "
            f"(x{r['ratio']:.2f} of download), incremental {r['incremental_s'] / r['full_s']:.1%}, "
            f"sync {r['sync_s'] / r['full_s']:.1%}, peak RSS {r['peak_mb']:.0f} MB"
        )


if __name__ == "__main__":
    main()
