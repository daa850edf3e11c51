"""Benchmark: export an org as of its last backup to a CSV zip and to Parquet.

    .venv/bin/python bench/export_zip.py [--records 1000000] [--incrementals 30]
                                         [--work var/bench/export]

Generates the org (cached under --work, shared layout with bench/backup_full.py),
backs it up in full, then runs --incrementals incremental backups each after 0.1% of
the records changed (the "30 daily incrementals" of the issue), and measures
`manage.py export_run --as-of-job <last> --objects <every object> --wait --json` in a
separate process, as a worker runs it: seconds, records/s, the sealed zip's size and
the peak RSS of the export process, for CSV then Parquet. Target from the issue:
1,000,000 records in <= 30 s with RSS <= 300 MB. Prints figures; never fails on a time.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from backup_support import ROOT, Bench, Run, machine  # noqa: E402

DEFAULT_SIZES = os.environ.get("BENCH_RECORDS", "1000000")
WORKERS = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 2)))


def export(bench: Bench, job_id: int, objects: list[str], fmt: str) -> Run:
    return bench.measured(
        "export_run", "--org", str(bench.org_id), "--as-of-job", str(job_id),
        "--objects", ",".join(objects), "--format", fmt, "--wait", "--json",
    )  # fmt: skip


def measure(work: Path, records: int, incrementals: int) -> None:
    print(f"\n== {records:,} records, {incrementals} incrementals ==")
    with Bench(work, records) as bench:
        objects = bench.object_fields()
        last = bench.backup(workers=WORKERS)
        print(f"  full backup: {last.seconds:.1f} s")
        for day in range(incrementals):
            bench.change_fraction(objects, 0.001, f"bench day {day}")
            last = bench.backup(workers=WORKERS)
        job_id = last.result["job_id"]
        # Every object the backups stored (the org may hold some a backup skips).
        stored = {row[0] for row in bench.db_query(
            "SELECT DISTINCT object_name FROM vault_recordversion")}  # fmt: skip
        for fmt in ("csv", "parquet"):
            run = export(bench, job_id, sorted(set(objects) & stored), fmt)
            exported = sum(run.result["export"]["counts"].values())
            print(
                f"  export {fmt}: {run.seconds:.1f} s, {exported:,} records "
                f"({exported / run.seconds:,.0f} records/s), "
                f"{run.result['export']['byte_size'] / 1e6:.1f} MB sealed, "
                f"peak RSS {run.peak_mb:.0f} MB"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", default=DEFAULT_SIZES, help="comma-separated sizes")
    parser.add_argument("--incrementals", type=int, default=30)
    parser.add_argument("--work", default=str(ROOT / "var" / "bench" / "export"))
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    print(f"Export benchmark on {machine()}")
    for size in args.records.split(","):
        measure(work, int(size), args.incrementals)


if __name__ == "__main__":
    main()
