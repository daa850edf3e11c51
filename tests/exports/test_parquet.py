"""The Parquet option: one typed file per object holding exactly what the CSV holds."""

import io

import pyarrow.parquet as pq

from exports.models import Export
from exports.parquet import convert
from exports.selectors import export_for_job
from tests.exports.support import csv_rows, export_zip, run_export


def test_parquet_equals_csv_with_typed_columns(backed_up):
    org, backup = backed_up
    fields = ["Id", "Name", "NumberOfEmployees", "AnnualRevenue", "CreatedDate", "IsDeleted"]
    csv_job = run_export(org, as_of_job=backup, objects=["Account"], fields={"Account": fields})
    parquet_job = run_export(
        org, as_of_job=backup, objects=["Account"], fields={"Account": fields}, format="parquet"
    )
    assert export_for_job(job=parquet_job).format == Export.Format.PARQUET
    archive = export_zip(parquet_job)
    assert archive.namelist() == ["Account/Account.parquet"]
    table = pq.read_table(io.BytesIO(archive.read("Account/Account.parquet")))
    types = {f.name: str(f.type) for f in table.schema}
    assert types == {
        "Id": "string",
        "Name": "string",
        "NumberOfEmployees": "int64",
        "AnnualRevenue": "double",
        "CreatedDate": "timestamp[ms, tz=UTC]",
        "IsDeleted": "bool",
    }
    by_id = {row["Id"]: row for row in table.to_pylist()}
    rows = csv_rows(export_zip(csv_job), "Account/Account-0001.csv")
    assert len(rows) == len(by_id) > 0
    kinds = {"NumberOfEmployees": "int", "AnnualRevenue": "double", "IsDeleted": "boolean"}
    for row in rows:
        parquet_row = by_id[row["Id"]]
        for field in ("Id", "Name", "NumberOfEmployees", "AnnualRevenue", "IsDeleted"):
            assert parquet_row[field] == convert(row[field], kinds.get(field, "string")), field
        created = convert(row["CreatedDate"], "datetime")
        assert parquet_row["CreatedDate"] == created
