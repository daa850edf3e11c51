"""The vault's own share of a full backup: what storing one record costs when nothing is
read from Salesforce (SQLite + local folder, the embedded defaults).

    .venv/bin/python bench/run.py vault_write      # BENCH_VAULT_RECORDS (default 1,000,000)

A private deployment gets generated Contact-like records (15 typed values: text, email,
phone, numbers, booleans, dates, datetimes, nulls, a long text), Ids in ascending order as
a Bulk API result brings them, written through `ObjectWriter` in the engine's batches (the
records are made outside the timing). It prints microseconds per record for:

- the whole vault write: values line (JSON), keyed hash, segment sealed and saved, and the
  version rows with their indexes;
- the version rows alone (`_insert_versions`, timed around each batch's call);
- the same rows into the same table stripped of its indexes (a second org, written after
  the indexes are dropped): what the indexes add.

These are the floor under a full backup's time. Divide by the Bulk CSV download's time
per row (`backup_full.py`'s first figure, in the same `make bench` run) to see the least
"full backup ÷ download" a 1-process backup can reach with one indexed row per version,
before any CSV is parsed. Benchmarks print; they never fail on a time.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages_support import deployment  # noqa: E402

FIELDS = [
    "Id", "FirstName", "LastName", "Email", "Phone", "Title", "AccountId", "OwnerId",
    "Birthdate", "HasOptedOutOfEmail", "NumberOfEmployees__c", "Score__c",
    "Description", "IsDeleted", "SystemModstamp",
]  # fmt: skip


def main() -> None:
    records = int(os.environ.get("BENCH_VAULT_RECORDS", "1000000"))
    with deployment("bench-vault-write-") as (user, org):
        _run(org, records)


def _records(count: int):
    from sfsim.ids import make_id
    from vault.services import VaultRecord

    description = "Met at the regional conference; follow up about renewal. " * 4
    for n in range(count):
        record_id = make_id("003", "5A", n + 1)
        stamp = f"2026-11-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:{n % 59:02d}.000Z"
        values = [
            record_id,
            f"Ada{n % 997}",
            f"Lovelace-Ünal {n}",
            f"person{n}@example.com",
            f"+1 415 555 {n % 10000:04d}",
            None if n % 3 else "Director of Operations",
            make_id("001", "5A", n // 10 + 1),
            "0055A0000000001AAA",
            f"19{50 + n % 50}-0{1 + n % 9}-1{n % 10}",
            n % 2 == 0,
            n % 5000,
            n / 7,
            description if n % 4 == 0 else None,
            False,
            stamp,
        ]
        yield VaultRecord(record_id=record_id, values=values, last_modified=stamp)


def _write(org, count: int) -> tuple[float, float]:
    """(seconds for the whole write, seconds inside `_insert_versions`) of `count` records."""
    from jobs.services import job_create
    from orgs.keys import org_data_key
    from vault import services
    from vault.services import BATCH_SIZE, BatchResult, ObjectWriter, batched, snapshot_begin

    job = job_create(org=org, operation="composite_backup", name="Bench")
    snapshot = snapshot_begin(org=org, job=job)
    writer = ObjectWriter(
        snapshot=snapshot, object_name="Contact", fields=FIELDS,
        data_key=org_data_key(org), job=job,
    )  # fmt: skip
    inserting = [0.0]
    insert_versions = services._insert_versions

    def timed(rows):
        begun = time.perf_counter()
        insert_versions(rows)
        inserting[0] += time.perf_counter() - begun

    services._insert_versions = timed
    seconds, result = 0.0, BatchResult()
    try:
        # The records are made outside the timing: only the writer's own work is measured.
        for batch in batched(_records(count), BATCH_SIZE):
            begun = time.perf_counter()
            result.add(writer.write_batch(batch))
            seconds += time.perf_counter() - begun
    finally:
        services._insert_versions = insert_versions
    assert result.added == count, result
    return seconds, inserting[0]


def _drop_indexes() -> list[str]:
    from django.db import connection

    from vault.models import RecordVersion

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
            "AND sql IS NOT NULL",
            [RecordVersion._meta.db_table],
        )
        names = [name for (name,) in cursor.fetchall()]
        for name in names:
            cursor.execute(f'DROP INDEX "{name}"')
    return names


def _run(org, count: int) -> None:
    from tests.backups.factories import make_org

    def per_record(seconds: float) -> str:
        return f"{seconds / count * 1e6:5.1f} µs a record"

    print(f"  {count:,} records of {len(FIELDS)} fields into the vault (SQLite + local folder)")
    whole, inserting = _write(org, count)
    print(f"  whole vault write:                  {whole:6.1f} s, {per_record(whole)}")
    print(f"    of which the version rows:        {inserting:6.1f} s, {per_record(inserting)}")
    dropped = _drop_indexes()
    bare_whole, bare_inserting = _write(make_org(org.tenant, "Bench org 2"), count)
    print(
        f"  version rows, table without its {len(dropped)} indexes: "
        f"{bare_inserting:.1f} s, {per_record(bare_inserting)} (whole write {bare_whole:.1f} s)"
    )
    print(
        f"  the indexes add {per_record(inserting - bare_inserting)}; "
        f"everything but the rows: {per_record(whole - inserting)}"
    )


if __name__ == "__main__":
    main()
