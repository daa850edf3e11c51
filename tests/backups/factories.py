"""Jobs and vault content for page tests, built through the engine's own services
(job_create, the vault writer, JobObject transitions, job_log) — no simulator needed.

    org = make_org(tenant)
    job = make_backup(org, {"Account": [("001...", {"Name": "Acme"}), ...]})

Record payloads are written with FIELDS (Id, Name, Phone, IsDeleted); a record given
as (id, {"Name": ..., "Phone": ...}) gets the missing fields filled in.
"""

from django.conf import settings
from django.test import override_settings

from common import crypto
from jobs.models import Job, JobLog, JobObject
from jobs.services import job_create, job_log
from orgs.models import Org
from orgs.services import org_data_key
from vault.models import RecordVersion
from vault.services import (
    ObjectWriter,
    VaultRecord,
    mark_hard_deleted,
    snapshot_begin,
    snapshot_publish,
)

FIELDS = ["Id", "Name", "Phone", "IsDeleted"]
OWNER = "005000000000001AAA"


def record_id(prefix: str, n: int) -> str:
    """A Salesforce-looking 18-character id."""
    return f"{prefix}{n:012d}AAA"[:18].ljust(18, "A")


def make_org(tenant, name: str = "Org A") -> Org:
    """A connected org with a real key envelope (org_data_key opens it)."""
    tenant_key = crypto.parse_tenant_key(crypto.generate_tenant_key())
    org = Org.objects.create(
        tenant=tenant,
        name=name,
        org_type=Org.OrgType.PRODUCTION,
        login_url="https://login.salesforce.com",
        status=Org.Status.CONNECTED,
        key_fingerprint=crypto.key_fingerprint(tenant_key),
        tenant_key_wrapped=b"",
        data_key_wrapped=crypto.wrap_data_key(tenant_key, crypto.new_data_key()),
    )
    org.tenant_key_wrapped = crypto.wrap_secret(tenant_key, f"tenant-key:{org.pk}")
    org.save(update_fields=["tenant_key_wrapped"])
    return org


def _vault_record(rid: str, values: dict) -> VaultRecord:
    row = {"Id": rid, "Name": "", "Phone": None, "IsDeleted": False, **values}
    state = RecordVersion.State.SOFT_DELETED if row["IsDeleted"] else RecordVersion.State.PRESENT
    return VaultRecord(record_id=rid, values=[row[f] for f in FIELDS], state=state, owner_id=OWNER)


def make_backup(
    org: Org,
    objects: dict[str, list[tuple[str, dict]]],
    *,
    name: str = "Nightly backup",
    hard_deleted: dict[str, list[str]] | None = None,
    status: str = Job.Status.COMPLETED,
    logs: list[str] = (),
) -> Job:
    """A finished backup job that wrote `objects` into a new published snapshot."""
    job = job_create(org=org, operation="composite_backup", name=name)
    assert job.claim()
    data_key = org_data_key(org)
    snapshot = snapshot_begin(org=org, job=job)
    for object_name in sorted(set(objects) | set(hard_deleted or {})):
        job_object = JobObject.objects.create(job=job, object_name=object_name)
        job_object.claim()
        writer = ObjectWriter(
            snapshot=snapshot, object_name=object_name, fields=FIELDS, data_key=data_key, job=job
        )
        records = objects.get(object_name, [])
        result = writer.write(_vault_record(rid, values) for rid, values in records)
        gone = mark_hard_deleted(
            snapshot=snapshot,
            object_name=object_name,
            record_ids=(hard_deleted or {}).get(object_name, []),
            job=job,
        )
        job_object.save_progress(
            records=result.seen,
            added=result.added,
            changed=result.changed,
            deleted=result.deleted + gone,
            size_bytes=result.stored_bytes,
            api_calls=1,
        )
        job_log(job=job, job_object=job_object, message=f"Saved {result.seen} {object_name}")
        job_object.complete()
        job.add_counters(
            records=result.seen,
            added=result.added,
            changed=result.changed,
            deleted=result.deleted + gone,
            size_bytes=result.stored_bytes,
            api_calls=1,
        )
    for message in logs:
        job_log(job=job, message=message, level=JobLog.Level.WARNING)
    assert snapshot_publish(snapshot=snapshot)
    job.finish(status)
    job.refresh_from_db()
    return job


def make_running_job(org: Org, name: str = "Running backup") -> Job:
    job = job_create(org=org, operation="composite_backup", name=name)
    assert job.claim()
    JobObject.objects.create(job=job, object_name="Account").claim()
    JobObject.objects.create(job=job, object_name="Contact")
    job_log(job=job, message="Job started")
    return job


# --- kwargs for tests/test_tenant_isolation.py (one object set per TenantA) ------------


def isolation_job(a):
    """A finished backup of `a.org` with one Account record, made once per TenantA.

    The isolation test has no storage fixture, so the segment goes to a throw-away
    folder; the pages then say the stored fields cannot be read, which is all the
    404 check needs (the owner gets the page, the outsider 404)."""
    if "backup_job" not in a.__dict__:
        import tempfile

        folder = tempfile.mkdtemp(prefix="orgvault-isolation-")
        storage = {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": folder},
        }
        stores = {**settings.STORAGES, "default": storage, "vault": storage}
        with override_settings(STORAGES=stores):
            a.__dict__["backup_job"] = make_backup(
                a.org, {"Account": [(record_id("001", 1), {"Name": "Isolated"})]}
            )
    return a.__dict__["backup_job"]
