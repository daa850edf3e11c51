# ruff: noqa: S608  (SOQL built from described field names)
"""Benchmark: `sfsim load --generate N` speed and Account streaming through query_rows.

Usage: python bench/sfsim_generate.py [N] [DATA_DIR]   (default N = 1,000,000; a temp dir)
Prints records/s for generation and for query_rows over Account, and peak RSS.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sfsim.loaders import load  # noqa: E402
from sfsim.store import Simulator  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    data_dir = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(tempfile.mkdtemp(prefix="sfsim-"))
    sim = Simulator(data_dir)
    org = sim.ensure_default_org()
    started = time.perf_counter()
    counts = load(sim, org, generate=total, seed=1)
    elapsed = time.perf_counter() - started
    made = sum(v for k, v in counts.items() if k != "objects")
    print(f"generate: {made:,} records in {elapsed:.1f} s = {made / elapsed:,.0f} records/s")
    print(f"  per object: {counts}")
    admin = org.user(org.admin_id())
    fields = ", ".join(
        f["name"] for f in org.describe("Account")["fields"] if f["type"] not in ("address",)
    )
    for label, soql in (
        ("Account, all fields", f"SELECT {fields} FROM Account"),
        (
            "Account, 12 fields",
            "SELECT Id, Name, Type, Industry, BillingCity, BillingCountry, "
            "Phone, AnnualRevenue, Rating, OwnerId, CreatedDate, SystemModstamp FROM Account",
        ),
    ):
        started = time.perf_counter()
        header, rows = org.query_rows(soql, include_deleted=False, user=admin)
        n = sum(1 for _ in rows)
        elapsed = time.perf_counter() - started
        print(
            f"query_rows {label} ({len(header)} columns): {n:,} rows in {elapsed:.2f} s = "
            f"{n / elapsed:,.0f} rows/s"
        )
        started = time.perf_counter()
        header_line, lines = org.query_csv_lines(soql, include_deleted=False, user=admin)
        size = sum(len(line) for line in lines)
        elapsed = time.perf_counter() - started
        print(
            f"query_csv_lines {label}: {n:,} lines ({size / 1e6:,.0f} MB) in {elapsed:.2f} s "
            f"= {n / elapsed:,.0f} lines/s"
        )
    started = time.perf_counter()
    cursor = org.query(
        "SELECT Id, Name, Industry, AnnualRevenue, CreatedDate FROM Account",
        include_deleted=False,
        user=admin,
    )
    pages = 0
    done = False
    while not done:
        _records, done = cursor.next_page()
        pages += 1
    elapsed = time.perf_counter() - started
    print(
        f"query (REST JSON pages of 2,000): {cursor.total_size:,} records, {pages} pages in "
        f"{elapsed:.2f} s = {cursor.total_size / elapsed:,.0f} records/s"
    )
    print(f"peak RSS: {peak_rss_mb():,.0f} MB; data dir: {data_dir}")


if __name__ == "__main__":
    main()
