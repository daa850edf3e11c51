"""Export from archives: the records of every archive job finished within the dates, a
folder per archive job, equal to what the archive stored in the vault."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from exports.engine import cell
from exports.selectors import export_for_job
from exports.services import export_start
from jobs.models import Job
from jobs.services import job_run_inline
from orgs.services import org_data_key
from tests.archives.conftest import command, write_json
from tests.exports.support import csv_rows, export_zip, run_backup
from tests.fixtures.sfsim import sf_client
from vault.models import RecordVersion
from vault.selectors import version_payloads


def _archive(org, sf, tmp_path, marker: str, n: int) -> tuple[Job, set[str]]:
    ids = {sf.Contact.create({"LastName": f"{marker} {i}"})["id"] for i in range(n)}
    spec = {
        "name": f"Archive {marker}",
        "objects": [{"name": "Contact", "filter": {"soql": f"LastName LIKE '{marker}%'"}}],
    }
    command("archive_template_create", "--org", str(org.pk), "--from-json",
            write_json(tmp_path, spec, f"{marker}.json"))  # fmt: skip
    result = command("archive_run", "--org", str(org.pk), "--template", f"Archive {marker}",
                     "--wait", "--confirm", org.name)  # fmt: skip
    assert result["status"] == Job.Status.COMPLETED, result
    return Job.objects.get(pk=result["job_id"]), ids


def test_archives_between_two_dates_a_folder_per_archive_job(backup_org, sfsim, tmp_path):
    org = backup_org
    sf = sf_client(sfsim)
    assert run_backup(org).status == Job.Status.COMPLETED
    first, first_ids = _archive(org, sf, tmp_path, f"Exa{uuid.uuid4().hex[:8]}", 3)
    second, second_ids = _archive(org, sf, tmp_path, f"Exb{uuid.uuid4().hex[:8]}", 2)
    today = timezone.localdate()
    job = export_start(
        org=org, objects=["Contact"], archives_from=str(today - timedelta(days=1)),
        archives_to=str(today + timedelta(days=1)), enqueue=False,
    )  # fmt: skip
    job = job_run_inline(job=job)
    assert job.status == Job.Status.COMPLETED, job.error_message
    export = export_for_job(job=job)
    assert export.source_job_id is None
    archive = export_zip(job)
    assert sorted(archive.namelist()) == [
        f"Archive-{first.pk}/Contact/Contact-0001.csv",
        f"Archive-{second.pk}/Contact/Contact-0001.csv",
    ]
    for archived, ids in ((first, first_ids), (second, second_ids)):
        rows = csv_rows(archive, f"Archive-{archived.pk}/Contact/Contact-0001.csv")
        assert {r["Id"] for r in rows} == ids
        versions = list(RecordVersion.objects.filter(org=org, job=archived, record_id__in=ids))
        payloads = version_payloads(org=org, versions=versions, data_key=org_data_key(org))
        by_id = {p["Id"]: p for p in payloads.values()}
        for row in rows:
            assert row == {f: cell(by_id[row["Id"]].get(f)) for f in row}
    assert export.counts == {
        f"Archive-{first.pk}/Contact": 3,
        f"Archive-{second.pk}/Contact": 2,
    }


def test_archive_dates_say_what_is_wrong(backed_up):
    org, backup = backed_up
    with pytest.raises(ValueError, match="No archive job"):
        export_start(org=org, objects=["Contact"], archives_from="2020-01-01",
                     archives_to="2020-01-31", enqueue=False)  # fmt: skip
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        export_start(org=org, objects=["Contact"], archives_from="yesterday",
                     archives_to="2020-01-31", enqueue=False)  # fmt: skip
    with pytest.raises(ValueError, match="not both"):
        export_start(org=org, as_of_job=backup.pk, objects=["Contact"],
                     archives_from="2020-01-01", archives_to="2020-01-31", enqueue=False)  # fmt: skip
