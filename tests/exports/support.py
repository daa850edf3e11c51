"""Run backups and exports inline and read an export's zip back."""

import csv
import io
import zipfile

from exports.engine import zip_stream
from exports.selectors import export_for_job
from exports.services import export_start
from jobs.services import job_run_inline
from tests.backups.starts import backup_run_inline, backup_start


def run_backup(org, **kwargs):
    return backup_run_inline(job=backup_start(org=org, enqueue=False, **kwargs))


def run_export(org, *, as_of_job, objects, **kwargs):
    job = export_start(org=org, as_of_job=as_of_job.pk, objects=objects, enqueue=False, **kwargs)
    return job_run_inline(job=job)


def export_zip(job) -> zipfile.ZipFile:
    export = export_for_job(job=job)
    assert export is not None and export.is_ready, job.error_message
    return zipfile.ZipFile(io.BytesIO(b"".join(zip_stream(export, org=job.org))))


def csv_rows(archive: zipfile.ZipFile, name: str) -> list[dict]:
    with archive.open(name) as handle:
        return list(csv.DictReader(io.TextIOWrapper(handle, encoding="utf-8", newline="")))
