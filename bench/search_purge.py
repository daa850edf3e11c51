# ruff: noqa: S608  (SQL on the bench's own SQLite file, built from ints)
"""Benchmark: search a vault for one Email (blind index vs a full scan), purge 100 records.

    .venv/bin/python bench/search_purge.py [--records 1000000] [--incrementals 30]
                                           [--work var/bench/search]

Generates the org (cached under --work), backs it up in full, builds the blind index
as the task queued after a backup does (`search_index_build`, timed), then runs
--incrementals incremental backups each after 0.1% of the records changed (the "30
daily incrementals" of the issue) and indexes them. Then, each as a separate
`manage.py` process, as a worker runs it:

- `search_run --object Contact --filter "Email = '...'"`: the indexed path (keyed
  tokens; decrypts only the candidates' segments). Target: <= 1 s at 1M records.
- `search_run --filter "Title = '...'"`: the full-scan path (every Contact segment).
- `purge_run SEARCH --records <100 Contact Ids> --wait`: seconds, segments rewritten,
  bytes rewritten (from the purge certificate).

Prints figures (seconds, peak RSS, index build times); never fails on a time.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from backup_support import ROOT, Bench, Run, machine  # noqa: E402

DEFAULT_SIZES = os.environ.get("BENCH_RECORDS", "1000000")
INCREMENTALS = int(os.environ.get("BENCH_INCREMENTALS", "30"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 2)))
PURGED = 100


def in_job(run: Run) -> float:
    """Seconds between the job's start and its end (without the process's start-up)."""
    from datetime import datetime

    started, finished = run.result.get("started_at"), run.result.get("finished_at")
    if not started or not finished:
        return float("nan")
    return (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds()


def quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def a_contact(bench: Bench) -> dict:
    """A Contact near the middle of the org, with an Email and a Title."""
    session, base = bench._session()
    total = session.get(base + "query/", params={"q": "SELECT COUNT() FROM Contact"}).json()
    offset = min(2000, max(0, total["totalSize"] // 2))
    soql = (
        "SELECT Id, Email, Title FROM Contact WHERE Email != null AND Title != null "
        f"ORDER BY Id LIMIT 1 OFFSET {offset}"
    )
    records = session.get(base + "query/", params={"q": soql}).json()["records"]
    return records[0]


def index_build(bench: Bench, label: str) -> None:
    """What the index task queued after each backup does, timed (no worker runs here)."""
    started = time.monotonic()
    built = json.loads(bench.manage("search_index_build", "--org", str(bench.org_id), "--json"))
    entries = bench.db_query("SELECT count(*) FROM search_blindindexentry")[0][0]
    print(f"{label}: {time.monotonic() - started:.1f} s, {sum(built['entries'].values()):,} "
          f"index rows written, {entries:,} in all")  # fmt: skip


def search(bench: Bench, filter_text: str) -> Run:
    return bench.measured(
        "search_run", "--org", str(bench.org_id), "--object", "Contact",
        "--filter", filter_text, "--wait", "--json",
    )  # fmt: skip


def measure(work: Path, records: int, incrementals: int) -> None:
    print(f"\n== {records:,} records, {incrementals} incrementals ==")
    with Bench(work, records) as bench:
        objects = bench.object_fields()
        full = bench.backup(workers=WORKERS)
        print(f"  full backup: {full.seconds:.1f} s (the blind index follows it, next line)")
        index_build(bench, "  index of the full backup (the task a worker runs after it)")
        started = time.monotonic()
        for day in range(incrementals):
            bench.change_fraction(objects, 0.001, f"bench day {day}")
            bench.backup(workers=WORKERS)
        print(f"  {incrementals} incrementals: {time.monotonic() - started:.1f} s")
        index_build(bench, f"  index of the {incrementals} incrementals")
        segments = bench.db_query(
            "SELECT count(*), coalesce(sum(byte_size), 0) FROM vault_segment "
            "WHERE object_name = 'Contact'"
        )[0]
        print(f"  Contact: {segments[0]:,} segments, {segments[1] / 1e6:.1f} MB sealed")
        person = a_contact(bench)

        indexed = search(bench, f"Email = '{quoted(person['Email'])}'")
        found = indexed.result["search"]
        print(f"  search Email (blind index: {found['used_index']}): {in_job(indexed):.2f} s in "
              f"the job ({indexed.seconds:.2f} s with the process), {found['counts']} matched, "
              f"peak RSS {indexed.peak_mb:.0f} MB")  # fmt: skip
        scan = search(bench, f"Title = '{quoted(person['Title'])}'")
        scanned = scan.result["search"]
        print(f"  search Title (blind index: {scanned['used_index']}): {in_job(scan):.2f} s in "
              f"the job ({scan.seconds:.2f} s with the process), {scanned['counts']} matched, "
              f"peak RSS {scan.peak_mb:.0f} MB")  # fmt: skip

        # 100 Contacts to purge: a prefix search (indexed) over last names.
        wide = search(bench, "LastName LIKE 'S%'")
        search_id = wide.result["search"]["id"]
        results = json.loads(
            bench.db_query(f"SELECT results FROM search_search WHERE id = {int(search_id)}")[0][0]
        )
        ids = sorted(results.get("Contact", {}))[:PURGED]
        bench.db_query(
            "INSERT INTO search_purgesettings (org_id, require_approval) "
            f"VALUES ({int(bench.org_id)}, 0)"
        )
        purge = bench.measured(
            "purge_run", str(search_id), "--records", ",".join(ids), "--no-children",
            "--wait", "--json",
        )  # fmt: skip
        certificate = purge.result["certificate"]
        versions = sum(o["versions"] for o in certificate["objects"].values())
        print(
            f"  purge {len(ids)} Contacts ({versions} versions): {in_job(purge):.1f} s in the "
            f"job ({purge.seconds:.1f} s with the process), "
            f"{certificate['segments_rewritten']} segments rewritten "
            f"({certificate['bytes_rewritten'] / 1e6:.1f} MB), "
            f"{certificate['segments_deleted']} deleted, "
            f"{certificate['index_rows_deleted']:,} index rows deleted, "
            f"peak RSS {purge.peak_mb:.0f} MB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", default=DEFAULT_SIZES, help="comma-separated sizes")
    parser.add_argument("--incrementals", type=int, default=INCREMENTALS)
    parser.add_argument("--work", default=str(ROOT / "var" / "bench" / "search"))
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    print(f"Search and purge benchmark on {machine()}")
    for size in args.records.split(","):
        measure(work, int(size), args.incrementals)


if __name__ == "__main__":
    main()
