"""Metadata backups for page tests, written through the vault's own services (no simulator).

    job = make_metadata_backup(org, {("ApexClass", "Foo"): {"classes/Foo.cls": b"..."}})

Each call is one finished Metadata Backup job with its own published snapshot; a
component left out of a later call is marked deleted (for the types that call lists).
"""

from django.conf import settings
from django.test import override_settings

from jobs.models import Job, JobObject
from jobs.services import job_create
from orgs.services import org_data_key
from vault.metadata_services import MetadataComponent, MetadataWriter, metadata_mark_deleted
from vault.services import snapshot_begin, snapshot_publish

USER_ID = "005000000000001AAA"


def component(metadata_type: str, full_name: str, files: dict[str, bytes], **properties):
    file_name = next(iter(files), "")
    values = {
        "id": "01p000000000001AAA",
        "fullName": full_name,
        "fileName": file_name,
        "type": metadata_type,
        "createdById": USER_ID,
        "createdByName": "Ada Admin",
        "createdDate": "2026-01-02T03:04:05.000Z",
        "lastModifiedById": USER_ID,
        "lastModifiedByName": "Ada Admin",
        "lastModifiedDate": "2026-01-02T03:04:05.000Z",
        "manageableState": "unmanaged",
        "namespacePrefix": "",
        **properties,
    }
    return MetadataComponent(
        metadata_type=metadata_type,
        full_name=full_name,
        file_name=file_name,
        properties=values,
        files=files,
        last_modified_by_id=USER_ID,
    )


def make_metadata_backup(
    org, components: dict[tuple[str, str], dict[str, bytes]], *, name: str = "Metadata backup"
) -> Job:
    job = job_create(org=org, operation="metadata_backup", name=name, settings={"metadata": True})
    assert job.claim()
    write_metadata(job, components)
    job.finish(Job.Status.COMPLETED)
    job.refresh_from_db()
    return job


def write_metadata(job: Job, components: dict, *, snapshot=None) -> None:
    org = job.org
    snapshot = snapshot or snapshot_begin(org=org, job=job)
    writer = MetadataWriter(snapshot=snapshot, data_key=org_data_key(org), job=job)
    result = writer.write([component(t, n, files) for (t, n), files in sorted(components.items())])
    deleted = metadata_mark_deleted(
        snapshot=snapshot,
        present=set(components),
        types={t for t, _ in components},
        job=job,
    )
    unit = JobObject.objects.create(job=job, object_name="Metadata")
    unit.claim()
    unit.save_progress(
        records=len(components),
        added=result.added,
        changed=result.changed,
        deleted=deleted,
        api_calls=3,
    )
    unit.complete()
    if snapshot.status == snapshot.Status.BUILDING:
        assert snapshot_publish(snapshot=snapshot)


# --- kwargs for tests/test_tenant_isolation.py ----------------------------------------


def isolation_version(a):
    """An ApexClass version written into tenant A's isolation backup job (which then
    counts as including metadata), made once per TenantA."""
    from tests.backups.factories import isolation_job

    if "metadata_version" not in a.__dict__:
        import tempfile

        from vault.models import MetadataComponentVersion, Snapshot

        job = isolation_job(a)
        folder = tempfile.mkdtemp(prefix="orgvault-isolation-")
        storage = {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": folder},
        }
        stores = {**settings.STORAGES, "default": storage, "vault": storage}
        # The job's snapshot is published: reopen it for this write (the vault refuses
        # to write into a closed snapshot), and write_metadata publishes it again.
        Snapshot.objects.filter(org=job.org, job=job).update(status=Snapshot.Status.BUILDING)
        snapshot = Snapshot.objects.get(org=job.org, job=job)
        with override_settings(STORAGES=stores):
            write_metadata(
                job, {("ApexClass", "Isolated"): {"classes/Isolated.cls": b"class Isolated {}"}},
                snapshot=snapshot,
            )  # fmt: skip
        Job.objects.filter(pk=job.pk).update(settings={**job.settings, "metadata": True})
        job.refresh_from_db()
        a.__dict__["metadata_version"] = MetadataComponentVersion.objects.get(
            org=job.org, full_name="Isolated"
        )
    return a.__dict__["metadata_version"]
