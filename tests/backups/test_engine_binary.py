"""Binary Objects: Attachment.Body and ContentVersion.VersionData are downloaded per
record and stored once per content, encrypted; without the setting they are left out."""

import base64

from backups.job_settings import JobSettings
from jobs.models import Job, JobObject
from orgs.services import org_data_key
from tests.backups import engine_support
from tests.backups.starts import backup_run_inline, backup_start
from tests.fixtures.sfsim import sf_client
from vault import selectors
from vault.models import Blob, RecordVersion

_fast_retries = engine_support._fast_retries
backup_org = engine_support.backup_org


def run_backup(org, **kwargs) -> Job:
    return backup_run_inline(job=backup_start(org=org, enqueue=False, **kwargs))


def payload(org, object_name: str, record_id: str) -> dict:
    version = RecordVersion.objects.get(
        org=org, object_name=object_name, record_id=record_id, valid_to__isnull=True
    )
    return selectors.version_payloads(org=org, versions=[version], data_key=org_data_key(org))[
        version.pk
    ]


def test_binary_bodies_are_stored_once_per_content(backup_org, sfsim, vault_storage):
    sf = sf_client(sfsim)
    parent = sf.Account.create({"Name": "Binary parent"})["id"]
    body = b"%PDF-1.4 binary test body \x00\x01\x02" * 50
    encoded = base64.b64encode(body).decode()
    first = sf.Attachment.create({"Name": "a.pdf", "ParentId": parent, "Body": encoded})["id"]
    second = sf.Attachment.create({"Name": "b.pdf", "ParentId": parent, "Body": encoded})["id"]
    version = sf.ContentVersion.create(
        {"Title": "Spec", "PathOnClient": "spec.txt", "VersionData": encoded}
    )["id"]

    skipped = run_backup(backup_org)
    assert skipped.status == Job.Status.COMPLETED, skipped.error_message
    assert not JobObject.objects.filter(job=skipped, object_name="Attachment").exists()

    job = run_backup(backup_org, settings=JobSettings(binary_objects=True))
    assert job.status == Job.Status.COMPLETED, job.error_message
    key_a = payload(backup_org, "Attachment", first)["Body"]
    key_b = payload(backup_org, "Attachment", second)["Body"]
    key_v = payload(backup_org, "ContentVersion", version)["VersionData"]
    assert key_a == key_b == key_v  # the same bytes are stored once
    assert Blob.objects.filter(org=backup_org, storage_key=key_a).count() == 1
    data_key = org_data_key(backup_org)
    assert selectors.blob_read(org=backup_org, blob_key=key_a, data_key=data_key) == body
    stored = (vault_storage / key_a).read_bytes()
    assert body[:20] not in stored and len(stored) > 0
