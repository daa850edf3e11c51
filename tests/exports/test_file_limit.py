"""The default limit of 10,000 records per CSV file, with a vault holding 10,001 Accounts
(written through the vault's writer), and the Parquet file holding the same rows."""

import io

import pyarrow.parquet as pq

from exports.job_settings import RECORDS_PER_FILE
from exports.services import export_start
from jobs.services import job_create, job_run_inline
from orgs.services import org_data_key
from tests.exports.support import csv_rows, export_zip
from vault.services import ObjectWriter, VaultRecord, snapshot_begin, snapshot_publish

TOTAL = RECORDS_PER_FILE + 1


def test_ten_thousand_records_per_file_and_parquet_equals_csv(backup_org):
    org = backup_org
    backup = job_create(org=org, operation="composite_backup", name="Backup")
    assert backup.claim()
    snapshot = snapshot_begin(org=org, job=backup)
    ids = [f"001{n:012d}AAA" for n in range(TOTAL)]
    ObjectWriter(
        snapshot=snapshot, object_name="Account", fields=["Id", "Name", "NumberOfEmployees"],
        data_key=org_data_key(org), job=backup,
    ).write(VaultRecord(rid, [rid, f"Account {n}", n]) for n, rid in enumerate(ids))  # fmt: skip
    assert snapshot_publish(snapshot=snapshot)
    backup.finish("completed")

    csv_job = job_run_inline(
        job=export_start(org=org, as_of_job=backup.pk, objects=["Account"], enqueue=False)
    )
    assert csv_job.settings["records_per_file"] == RECORDS_PER_FILE == 10_000
    archive = export_zip(csv_job)
    assert sorted(archive.namelist()) == ["Account/Account-0001.csv", "Account/Account-0002.csv"]
    first = csv_rows(archive, "Account/Account-0001.csv")
    second = csv_rows(archive, "Account/Account-0002.csv")
    assert (len(first), len(second)) == (10_000, 1)
    rows = first + second
    assert sorted(r["Id"] for r in rows) == ids

    parquet_job = job_run_inline(
        job=export_start(
            org=org, as_of_job=backup.pk, objects=["Account"], format="parquet", enqueue=False
        )
    )
    table = pq.read_table(io.BytesIO(export_zip(parquet_job).read("Account/Account.parquet")))
    assert table.num_rows == TOTAL
    by_id = {r["Id"]: r for r in table.to_pylist()}
    for row in rows:
        parquet = by_id[row["Id"]]
        assert row["Name"] == parquet["Name"]
        assert row["NumberOfEmployees"] == str(parquet["NumberOfEmployees"])
