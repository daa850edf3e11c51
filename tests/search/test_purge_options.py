"""A purge's options and its reach outside the vault: export files that may hold the
records are deleted; the suppression list keeps purged records out of later backups;
"delete in Salesforce" deletes them in the org (sObject Collections) too."""

import uuid

from exports.models import Export
from exports.selectors import export_for_job
from jobs.services import job_run_inline
from orgs.services import org_data_key
from search.models import Purge, PurgeSettings
from search.services import purge_request
from tenants.models import AuditEvent
from tests.exports.support import csv_rows, export_zip, run_export
from tests.fixtures.sfsim import sf_client
from tests.search.support import run_backup, run_search
from vault.models import RecordVersion
from vault.suppression import SuppressedRecord, suppression_hash


def _purge(org, search, actor, **options) -> Purge:
    PurgeSettings.objects.update_or_create(org=org, defaults={"require_approval": False})
    purge = purge_request(search=search, actor=actor, enqueue=False, **options)
    job = job_run_inline(job=purge.job)
    assert job.status == "completed", job.error_message
    purge.refresh_from_db()
    assert purge.status == Purge.Status.DONE
    # The tenant's audit log proves it, without an Id or a value.
    event = AuditEvent.objects.get(action="purge.done", target=f"Purge {purge.pk}")
    assert event.detail["objects"] == purge.certificate["objects"]
    assert event.actor == actor
    for ids in search.results.values():
        assert not any(rid in str(event.detail) for rid in ids)
    return purge


def test_exports_that_may_hold_the_records_are_deleted(marked, admin_a, vault_storage):
    org, marker = marked["org"], marked["marker"]
    first, last = marked["jobs"][0], marked["jobs"][-1]
    holding = run_export(org, as_of_job=first, objects=["Contact"])
    # As of the last backup the Contact is in the Recycle Bin: still exported, so held.
    binned = run_export(org, as_of_job=last, objects=["Contact"])
    accounts = run_export(org, as_of_job=first, objects=["Account"])
    rows = csv_rows(export_zip(holding), "Contact/Contact-0001.csv")
    assert any(row["Email"] == marker for row in rows)
    rows = csv_rows(export_zip(binned), "Contact/Contact-0001.csv")
    assert any(row["Id"] == marked["contact_id"] for row in rows)
    gone = {job.pk: export_for_job(job=job).storage_key for job in (holding, binned)}
    kept_key = export_for_job(job=accounts).storage_key
    assert all((vault_storage / key).exists() for key in gone.values())

    search = run_search(org, "Contact", f"Email = '{marker}'")
    purge = _purge(org, search, admin_a, include_children=False)

    assert purge.certificate["exports_deleted"] == 2
    for job_id, key in gone.items():
        export = Export.objects.get(job_id=job_id)
        assert export.deleted_at is not None and not export.is_ready
        assert not (vault_storage / key).exists()
    assert Export.objects.get(job=accounts).deleted_at is None
    assert (vault_storage / kept_key).exists()
    assert export_zip(accounts).namelist() == ["Account/Account-0001.csv"]


def test_suppressed_records_are_not_stored_by_later_backups(backup_org, sfsim, admin_a):
    org = backup_org
    sf = sf_client(sfsim)
    token = uuid.uuid4().hex[:8]
    person = sf.Contact.create({"LastName": f"Gone{token}", "Email": f"gone-{token}@x.example"})
    other = sf.Contact.create({"LastName": f"Stays{token}", "Email": f"stays-{token}@x.example"})
    assert run_backup(org).status == "completed"
    search = run_search(org, "Contact", f"Email = 'gone-{token}@x.example'")
    purge = _purge(org, search, admin_a, suppress=True)
    assert purge.certificate["suppressed"] == 1
    # Keyed hashes of the Ids only.
    row = SuppressedRecord.objects.get(org=org)
    assert bytes(row.id_hash) == suppression_hash(org_data_key(org), "Contact", person["id"])
    assert person["id"].encode() not in bytes(row.id_hash)

    # Both change in Salesforce: the next backup reads both and stores only the other.
    sf.Contact.update(person["id"], {"Title": "Changed"})
    sf.Contact.update(other["id"], {"Title": "Changed"})
    job = run_backup(org)
    assert job.status == "completed", job.error_message
    assert not RecordVersion.objects.filter(org=org, record_id=person["id"]).exists()
    assert RecordVersion.objects.filter(org=org, record_id=other["id"], job=job).exists()
    # A backup that reads every record again does not bring it back either.
    full = run_backup(org, sync=True)
    assert full.status == "completed", full.error_message
    assert not RecordVersion.objects.filter(org=org, record_id=person["id"]).exists()


def test_delete_in_salesforce_deletes_them_in_the_org_and_suppresses(backup_org, sfsim, admin_a):
    org = backup_org
    sf = sf_client(sfsim)
    token = uuid.uuid4().hex[:8]
    person = sf.Contact.create({"LastName": f"Del{token}", "Email": f"del-{token}@x.example"})
    case = sf.Case.create({"Subject": f"Case {token}", "ContactId": person["id"]})
    assert run_backup(org).status == "completed"
    search = run_search(org, "Contact", f"Email = 'del-{token}@x.example'", children=["Case"])
    purge = _purge(org, search, admin_a, delete_in_salesforce=True)
    assert purge.certificate["salesforce"]["deleted"] == 2
    assert purge.certificate["salesforce"]["failed"] == 0
    assert purge.certificate["salesforce"]["api_calls"] == 2
    assert purge.certificate["suppressed"] == 2
    soql = f"SELECT Id, IsDeleted FROM Contact WHERE Id = '{person['id']}'"  # noqa: S608
    alive = sf.query_all(soql)["records"]
    assert alive == []
    binned = sf.query_all(soql, include_deleted=True)["records"]
    assert [r["IsDeleted"] for r in binned] == [True]
    # The next backup sees them in the Recycle Bin and stores nothing of them.
    job = run_backup(org)
    assert job.status == "completed", job.error_message
    assert not RecordVersion.objects.filter(
        org=org, record_id__in=[person["id"], case["id"]]
    ).exists()


def test_a_salesforce_refusal_leaves_the_purge_done_and_says_so(backup_org, sfsim_faults, admin_a):
    org = backup_org
    sf = sf_client(sfsim_faults)
    token = uuid.uuid4().hex[:8]
    person = sf.Contact.create({"LastName": f"Ref{token}", "Email": f"ref-{token}@x.example"})
    assert run_backup(org).status == "completed"
    search = run_search(org, "Contact", f"Email = 'ref-{token}@x.example'")
    sfsim_faults.set_faults(
        {"route": "/services/data/*/composite/sobjects", "method": "DELETE", "kind": "http500",
         "count": 0}
    )  # fmt: skip
    purge = _purge(org, search, admin_a, delete_in_salesforce=True)
    assert purge.certificate["salesforce"] == {"deleted": 0, "failed": 1, "api_calls": 0}
    assert not RecordVersion.objects.filter(org=org, record_id=person["id"]).exists()
    assert any(
        "could not be deleted in Salesforce" in line.message for line in purge.job.logs.all()
    )
    assert SuppressedRecord.objects.filter(org=org).count() == 1
