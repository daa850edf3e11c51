"""Benchmark: Composite Backup figures on a generated org (>= 8 objects).

    .venv/bin/python bench/backup_full.py [--records 1000000] [--scale 5000000]
                                          [--work var/bench/backup] [--profile PATH]

For each size: generates the org (cached under --work), serves it with the simulator,
creates a fresh OrgVault deployment (SQLite + local storage), then measures through
`manage.py backup_run --wait` (a separate process, as a worker would run it):

- merely downloading every object's Bulk API 2.0 CSV (the floor: the better of two),
- the full backup in 1 process, in BENCH_WORKERS processes (default: the number of
  cores) and in 2 x BENCH_WORKERS: records/s and the ratio to the download,
- an incremental backup after 1% of the records changed (rows read, API calls, time vs
  full: the processes' and the jobs' own, as a running worker spends it),
- a Composite & Sync backup (time vs full),
- the same full backup on PostgreSQL + S3 (a moto server on loopback) against SQLite +
  local folder (BENCH_POSTGRES names the server; --no-production skips it),
- peak RSS of the backup process (1 process).

--scale N then times one full backup of an N-record org in 1 process: records/s against
the first size's, and its peak RSS (memory must stay flat as the org grows).
--profile PATH adds a cProfile run of the 1-process full backup at the first size and
prints where its time goes (not a timing figure: the profiler slows it).

Prints figures; never fails on a time. BENCH_RECORDS, BENCH_SCALE and BENCH_PROFILE set
the defaults.
"""

from __future__ import annotations

import argparse
import os
import pstats
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from backup_support import ROOT, Bench, ProductionStack, machine  # noqa: E402

DEFAULT_SIZES = os.environ.get("BENCH_RECORDS", "1000000")
DEFAULT_SCALE = int(os.environ.get("BENCH_SCALE", "5000000"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 2)))


def measure(work: Path, records: int, *, production: bool, profile: str) -> dict:
    print(f"\n== {records:,} records ==")
    with Bench(work, records) as bench:
        objects = bench.object_fields()
        # The floor, measured twice (one download varied by a third between runs): the best.
        download_s, rows = min(bench.download_only(objects) for _ in range(2))
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
            f"peak RSS {full.peak_mb:.0f} MB; the job itself {full.job_seconds:.1f} s"
        )
        full_bytes = bench.stored_bytes()
        print(f"  stored after full: {full_bytes / 1e6:.1f} MB")
        if profile:
            print_profile(bench, profile)
        bench.reset()
        more = bench.backup(workers=2 * WORKERS)
        print(
            f"  full backup, {2 * WORKERS} processes: {more.seconds:.1f} s, "
            f"{more.result['records'] / more.seconds:,.0f} records/s, ratio to download "
            f"{more.seconds / download_s:.2f}x (on {os.cpu_count()} cores: the overhead "
            "of more processes than cores)"
        )
        stack_ratio = 0.0
        if production:
            with ProductionStack() as stack:
                bench.use(stack)
                moto_before, postgres_before = stack.service_cpu()
                on_stack = bench.backup(workers=WORKERS)
                moto_after, postgres_after = stack.service_cpu()
                bench.use(None)
            stack_ratio = on_stack.seconds / full.seconds
            print(
                f"  full backup, {WORKERS} processes, PostgreSQL + S3 (moto): "
                f"{on_stack.seconds:.1f} s, ratio to SQLite + local folder {stack_ratio:.2f}x, "
                f"peak RSS {on_stack.peak_mb:.0f} MB; CPU meanwhile: the backup "
                f"{on_stack.cpu:.1f} s, moto {moto_after - moto_before:.1f} s, PostgreSQL "
                f"{postgres_after - postgres_before:.1f} s (SQLite + local folder: the backup "
                f"{full.cpu:.1f} s)"
            )
        else:
            bench.reset()
        bench.backup(workers=WORKERS)  # the full backup the incremental follows
        full_bytes = bench.stored_bytes()

        changed = bench.change_fraction(objects, 0.01, "bench change")
        incremental = bench.backup(workers=WORKERS)
        read = bench.rows_read(incremental.result["job_id"])
        print(
            f"  incremental after {changed:,} changes (1%): {incremental.seconds:.1f} s "
            f"({incremental.seconds / full.seconds:.1%} of full; the job itself "
            f"{incremental.job_seconds:.1f} s, {incremental.job_seconds / full.job_seconds:.1%} "
            f"of the full job's), rows read {read:,}, "
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
            f"{sync.result['api_calls']} API calls, hard deletes found {sync.result['deleted']}, "
            f"peak RSS {sync.peak_mb:.0f} MB"
        )
        return {
            "records": full.result["records"],
            "download_s": download_s,
            "full_s": full.seconds,
            "full_rate": full_rate,
            "ratio": full.seconds / download_s,
            "incremental_s": incremental.seconds,
            "incremental_job_share": incremental.job_seconds / full.job_seconds,
            "sync_s": sync.seconds,
            "peak_mb": single.peak_mb,
            "single_rate": single.result["records"] / single.seconds,
            "single_ratio": single.seconds / download_s,
            "stack_ratio": stack_ratio,
        }


def print_profile(bench: Bench, path: str) -> None:
    """The 1-process full backup under cProfile: the functions with the most own time."""
    bench.reset()
    run = bench.measured("backup_run", "--org", str(bench.org_id), "--wait", "--json", profile=path)
    print(f"  profile of the full backup, 1 process ({run.seconds:.1f} s under cProfile):")
    stats = pstats.Stats(path)
    rows = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[:20]
    for (filename, line, function), (_, calls, own, cumulative, _) in rows:
        where = f"{Path(filename).name}:{line}({function})" if line else function
        print(f"    {own:7.2f} s own {cumulative:7.2f} s cum {calls:>10,} calls  {where}")


def measure_scale(work: Path, records: int, reference: dict) -> dict:
    """One full backup of a bigger org in 1 process: its rate against the reference
    size's, and its peak RSS."""
    print(f"\n== {records:,} records (scale) ==")
    with Bench(work, records) as bench:
        run = bench.backup(workers=1)
    rate = run.result["records"] / run.seconds
    print(
        f"  full backup, 1 process: {run.seconds:.1f} s, {run.result['records']:,} records, "
        f"{rate:,.0f} records/s = {rate / reference['single_rate']:.0%} of the "
        f"{reference['records']:,}-record rate, peak RSS {run.peak_mb:.0f} MB "
        f"(was {reference['peak_mb']:.0f} MB)"
    )
    return {"records": run.result["records"], "rate": rate, "peak_mb": run.peak_mb}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", default=DEFAULT_SIZES, help="comma-separated sizes")
    parser.add_argument("--scale", type=int, default=DEFAULT_SCALE, help="0: skip")
    parser.add_argument("--work", default=str(ROOT / "var" / "bench" / "backup"))
    parser.add_argument("--no-production", action="store_true", help="skip PostgreSQL + S3")
    parser.add_argument(
        "--profile", default=os.environ.get("BENCH_PROFILE", ""), help="cProfile output file"
    )
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    print(f"Composite Backup benchmark on {machine()}")
    results = [
        measure(work, int(size), production=not args.no_production, profile=args.profile)
        for size in args.records.split(",")
    ]
    scale = measure_scale(work, args.scale, results[0]) if args.scale else None
    print("\nsummary:")
    for r in results:
        stack = f", PostgreSQL + S3 x{r['stack_ratio']:.2f}" if r["stack_ratio"] else ""
        print(
            f"  {r['records']:>9,} records: full {r['full_rate']:,.0f} rec/s "
            f"(x{r['ratio']:.2f} of download; 1 process {r['single_rate']:,.0f} rec/s, "
            f"x{r['single_ratio']:.2f}), incremental {r['incremental_s'] / r['full_s']:.1%} "
            f"({r['incremental_job_share']:.1%} job to job), "
            f"sync {r['sync_s'] / r['full_s']:.1%}{stack}, peak RSS {r['peak_mb']:.0f} MB"
        )
    if scale:
        print(
            f"  {scale['records']:>9,} records: 1 process {scale['rate']:,.0f} rec/s "
            f"({scale['rate'] / results[0]['single_rate']:.0%} of the first size's), "
            f"peak RSS {scale['peak_mb']:.0f} MB"
        )


if __name__ == "__main__":
    main()
