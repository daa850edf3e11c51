"""Exports against a real backup of the simulator: the zip holds exactly the vault's
records as of the chosen backup, split, filtered and sealed at rest."""

import io
import json
import re
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from exports.engine import cell
from exports.models import Export
from exports.selectors import export_for_job
from exports.services import export_sweep_expired
from jobs.models import Job
from orgs.services import org_data_key
from tests.exports.support import csv_rows, export_zip, run_backup, run_export
from tests.fixtures.sfsim import sf_client
from vault.selectors import object_records_as_of, snapshot_for_job, version_payloads


def vault_rows(org, job, object_name: str) -> dict[str, dict]:
    seq = snapshot_for_job(job=job).seq
    versions = list(
        object_records_as_of(org=org, object_name=object_name, seq=seq, include_gone=False)
    )
    payloads = version_payloads(org=org, versions=versions, data_key=org_data_key(org))
    return {p["Id"]: p for p in payloads.values()}


def test_zip_equals_the_vault_as_of_the_backup_even_after_a_change(backed_up, sfsim):
    org, first = backed_up
    sf = sf_client(sfsim)
    contact_id = sf.query("SELECT Id, Title FROM Contact ORDER BY Id LIMIT 1")["records"][0]["Id"]
    before = vault_rows(org, first, "Contact")[contact_id]["Title"]
    sf.Contact.update(contact_id, {"Title": "Changed After The Backup"})
    second = run_backup(org)
    assert second.status == Job.Status.COMPLETED, second.error_message

    job = run_export(org, as_of_job=first, objects=["Account", "Contact"])
    assert job.status == Job.Status.COMPLETED, job.error_message
    export = export_for_job(job=job)
    assert re.fullmatch(r"download-Simulated_org-\d{8}-\d{6}\.zip", export.file_name)
    assert export.expires_at - export.ready_at == timedelta(days=7)
    archive = export_zip(job)

    for name in ("Account", "Contact"):
        expected = vault_rows(org, first, name)
        rows = csv_rows(archive, f"{name}/{name}-0001.csv")
        assert export.counts[name] == len(expected) == len(rows) > 0
        assert {row["Id"] for row in rows} == set(expected)
        for row in rows:
            payload = expected[row["Id"]]
            assert row == {field: cell(payload.get(field)) for field in row}
    contact = next(
        r for r in csv_rows(archive, "Contact/Contact-0001.csv") if r["Id"] == contact_id
    )
    assert contact["Title"] == cell(before) != "Changed After The Backup"
    # An export as of the second backup shows the new value.
    latest = export_zip(run_export(org, as_of_job=second, objects=["Contact"]))
    rows = csv_rows(latest, "Contact/Contact-0001.csv")
    assert next(r for r in rows if r["Id"] == contact_id)["Title"] == "Changed After The Backup"


def test_files_hold_at_most_records_per_file_and_nothing_is_stored_in_clear(
    backed_up, vault_storage
):
    org, backup = backed_up
    expected = vault_rows(org, backup, "Account")
    job = run_export(org, as_of_job=backup, objects=["Account"], records_per_file=7)
    archive = export_zip(job)
    names = sorted(archive.namelist())
    assert names == [f"Account/Account-{n:04d}.csv" for n in range(1, len(names) + 1)]
    sizes = [len(csv_rows(archive, name)) for name in names]
    assert all(size == 7 for size in sizes[:-1]) and 1 <= sizes[-1] <= 7
    assert sum(sizes) == len(expected)
    # Only the sealed zip is left in storage, and no record value is readable in it.
    stored = [p for p in vault_storage.rglob("*") if p.is_file() and "/exports/" in str(p)]
    assert [p.name for p in stored] == [export_for_job(job=job).file_name + ".sealed"]
    name = next(p["Name"] for p in expected.values() if p.get("Name"))
    assert name.encode() not in stored[0].read_bytes()
    assert b"PK\x03\x04" not in stored[0].read_bytes()


def test_filters_and_fields(backed_up):
    org, backup = backed_up
    expected = vault_rows(org, backup, "Account")
    some = sorted(p["Name"] for p in expected.values() if p.get("Name"))[:2]
    condition = f"Name IN ('{some[0]}', '{some[1]}')"
    job = run_export(
        org,
        as_of_job=backup,
        objects=["Account"],
        filters={"Account": condition},
        fields={"Account": ["Id", "Name"]},
    )
    rows = csv_rows(export_zip(job), "Account/Account-0001.csv")
    assert sorted(r["Name"] for r in rows) == some
    assert all(list(r) == ["Id", "Name"] for r in rows)
    assert export_for_job(job=job).counts == {"Account": 2}


def test_bad_requests_say_what_is_wrong(backed_up):
    import pytest

    org, backup = backed_up
    with pytest.raises(ValueError, match="not valid SOQL"):
        run_export(org, as_of_job=backup, objects=["Account"], filters={"Account": "Name = "})
    with pytest.raises(ValueError, match="holds no records of Nope__c"):
        run_export(org, as_of_job=backup, objects=["Nope__c"])
    with pytest.raises(ValueError, match="no published snapshot"):
        run_export(org, as_of_job=Job(pk=999999), objects=["Account"])


def test_expired_file_is_deleted_by_the_sweep(backed_up, vault_storage):
    org, backup = backed_up
    job = run_export(org, as_of_job=backup, objects=["Account"])
    export = export_for_job(job=job)
    stored = vault_storage / export.storage_key
    assert stored.exists()
    assert export_sweep_expired(now=timezone.now() + timedelta(days=6)) == 0
    assert stored.exists()
    assert export_sweep_expired(now=timezone.now() + timedelta(days=7, seconds=1)) == 1
    assert not stored.exists()
    export.refresh_from_db()
    assert export.deleted_at is not None and not export.is_ready
    assert export_sweep_expired(now=timezone.now() + timedelta(days=8)) == 0


def test_export_run_command(backed_up):
    org, backup = backed_up
    out = io.StringIO()
    call_command(
        "export_run", "--org", str(org.pk), "--as-of-job", str(backup.pk),
        "--objects", "Account,Contact", "--filter", "Account:Name LIKE 'A%'",
        "--wait", "--json", stdout=out,
    )  # fmt: skip
    result = json.loads(out.getvalue())
    assert result["status"] == "completed"
    export = Export.objects.get(job_id=result["job_id"])
    assert result["export"]["path"] == export.storage_key
    expected = vault_rows(org, backup, "Account")
    starting_a = [p for p in expected.values() if (p.get("Name") or "").startswith("A")]
    assert result["export"]["counts"] == {
        "Account": len(starting_a),
        "Contact": len(vault_rows(org, backup, "Contact")),
    }


def test_records_are_read_one_segment_at_a_time(backed_up, monkeypatch):
    from exports import selectors
    from vault.models import Segment

    org, backup = backed_up
    decoded = []
    original = selectors._decode
    monkeypatch.setattr(
        selectors, "_decode", lambda *args: decoded.append(args[2].pk) or original(*args)
    )
    seq = snapshot_for_job(job=backup).seq
    records = selectors.records_as_of(
        org=org, object_name="Account", seq=seq, data_key=org_data_key(org)
    )
    first = next(records)
    assert first["Id"] and len(decoded) == 1
    rest = list(records)
    segments = set(
        Segment.objects.filter(org=org, object_name="Account").values_list("pk", flat=True)
    )
    assert len(decoded) == len(set(decoded)) == len(segments)
    assert len(rest) + 1 == len(vault_rows(org, backup, "Account"))


def test_a_failed_export_leaves_no_file(backed_up, vault_storage, monkeypatch):
    from exports.engine import ExportHandler

    org, backup = backed_up
    original = ExportHandler._write_csv_parts

    def fail_on_contact(self, ctx, org, storage, parts, name, fields, records):
        if name == "Contact":
            raise OSError("disk full")
        return original(self, ctx, org, storage, parts, name, fields, records)

    monkeypatch.setattr(ExportHandler, "_write_csv_parts", fail_on_contact)
    job = run_export(org, as_of_job=backup, objects=["Account", "Contact"])
    assert job.status == Job.Status.ERROR
    assert job.logs.filter(message__contains="Contact failed: disk full").exists()
    export = export_for_job(job=job)
    assert not export.is_ready and export.storage_key == ""
    assert not [p for p in vault_storage.rglob("*") if p.is_file() and "/exports/" in str(p)]


def test_export_run_says_what_is_wrong(backed_up):
    import pytest
    from django.core.management.base import CommandError

    org, backup = backed_up
    with pytest.raises(CommandError, match="holds no records of Nope__c"):
        call_command(
            "export_run", "--org", str(org.pk), "--as-of-job", str(backup.pk),
            "--objects", "Nope__c", "--wait", stdout=io.StringIO(),
        )  # fmt: skip
    with pytest.raises(CommandError, match='takes OBJECT:"text"'):
        call_command(
            "export_run", "--org", str(org.pk), "--as-of-job", str(backup.pk),
            "--objects", "Account", "--filter", "no colon", stdout=io.StringIO(),
        )  # fmt: skip
