"""Immutable storage against moto's S3 server, which enforces Object Lock: segments and
blobs are written locked when the policy asks; an early delete is refused and reported
(retention keeps the object, erasure raises RecordsLocked before changing anything);
deleting the org is refused while its backups are locked or under legal hold; local
storage says plainly that it is not immutable."""

import datetime as dt

import pytest
from django.urls import reverse

from common.storage import StorageLocked, org_storage
from orgs.settings_services import OrgDeleteRefused, org_delete
from tests.vault.conftest import aws_client
from tests.vault.test_vault import FIELDS, names_as_of, rec
from vault.erasure import RecordsLocked, records_erase
from vault.holds import legal_hold_place
from vault.immutability import storage_immutability
from vault.models import RecordVersion, RetentionPolicy, Segment
from vault.retention import retention_sweep
from vault.services import ObjectWriter, blob_put, snapshot_begin, snapshot_publish


def backup(org, job, data_key, records):
    snapshot = snapshot_begin(org=org, job=job)
    ObjectWriter(
        snapshot=snapshot, object_name="Account", fields=FIELDS, data_key=data_key, job=job
    ).write(records)
    assert snapshot_publish(snapshot=snapshot)
    return snapshot


def lock(org, mode="GOVERNANCE", days=3):
    RetentionPolicy.objects.update_or_create(
        org=org, defaults={"mode": "days", "keep_days": 1, "lock_mode": mode, "lock_days": days}
    )


def test_segments_and_blobs_are_written_locked_and_an_early_delete_is_refused(
    s3_vault_org, data_key, make_job, moto_endpoint, locked_bucket
):
    org = s3_vault_org
    lock(org, "COMPLIANCE", 3)
    s1 = backup(org, make_job(), data_key, [rec("A1", "one"), rec("A2", "two")])
    blob, _ = blob_put(org=org, data_key=data_key, content=b"a locked body")
    s3 = aws_client(moto_endpoint, "s3")
    segment = Segment.objects.get(org=org)
    for key in (segment.storage_key, blob.storage_key):
        head = s3.head_object(Bucket=locked_bucket, Key=key)
        assert head["ObjectLockMode"] == "COMPLIANCE"
        days = (head["ObjectLockRetainUntilDate"] - dt.datetime.now(dt.UTC)).days
        assert 2 <= days <= 3
    # Even with the bucket's keys, the version cannot be deleted early.
    version = s3.head_object(Bucket=locked_bucket, Key=segment.storage_key)["VersionId"]
    with pytest.raises(s3.exceptions.ClientError):
        s3.delete_object(Bucket=locked_bucket, Key=segment.storage_key, VersionId=version)
    with pytest.raises(StorageLocked) as refused:
        org_storage(org).delete(segment.storage_key)
    assert refused.value.until > dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    assert "locked by S3 Object Lock until" in str(refused.value)
    assert names_as_of(org, s1.seq, data_key) == {
        "A1": ("present", "one"),
        "A2": ("present", "two"),
    }
    assert storage_immutability(org=org).immutable
    assert "COMPLIANCE".lower() in storage_immutability(org=org).sentence


def test_retention_keeps_and_reports_a_locked_segment(
    s3_vault_org, data_key, make_job, client_admin_a
):
    org = s3_vault_org
    lock(org, "GOVERNANCE", 2)
    s1 = backup(org, make_job(), data_key, [rec("A1", "old")])
    backup(org, make_job(), data_key, [rec("A1", "new")])
    now = dt.datetime.now(dt.UTC) + dt.timedelta(days=1, hours=1)  # past keep_days, in lock
    result = retention_sweep(org=org, data_key=data_key, now=now)
    assert result.plan.snapshots_expiring == [s1.seq]
    old = Segment.objects.get(org=org, snapshot=s1)
    assert result.locked == [old.storage_key]
    assert result.locked_until > now
    # Its versions are gone from the database; the locked file and its row stay, and
    # the next sweep after the lock deletes them.
    assert not RecordVersion.objects.filter(segment=old).exists()
    with org_storage(org).open(old.storage_key, "rb") as handle:
        assert handle.read(1)
    report = RetentionPolicy.objects.get(org=org).last_sweep_report
    assert report["locked"] == 1
    page = client_admin_a.get(reverse("vault:retention", args=[org.pk])).content.decode()
    until = result.locked_until.strftime("%Y-%m-%d %H:%M")
    assert f"It could not delete 1 file locked by S3 Object Lock until {until} UTC" in page
    assert "Immutable: every segment and blob is written with S3 Object Lock" in page


def test_erasure_of_a_locked_version_raises_records_locked_before_any_change(
    s3_vault_org, data_key, make_job
):
    org = s3_vault_org
    lock(org, "GOVERNANCE", 5)
    s1 = backup(org, make_job(), data_key, [rec("A1", "keep"), rec("A2", "erase me")])
    before = list(RecordVersion.objects.filter(org=org).values_list("pk", "segment_id"))
    with pytest.raises(RecordsLocked) as refused:
        records_erase(org=org, data_key=data_key, records={"Account": ["A2"]})
    assert refused.value.until > dt.datetime.now(dt.UTC) + dt.timedelta(days=4)
    assert list(RecordVersion.objects.filter(org=org).values_list("pk", "segment_id")) == before
    assert names_as_of(org, s1.seq, data_key)["A2"] == ("present", "erase me")


def test_org_deletion_is_refused_under_lock_and_under_legal_hold(
    s3_vault_org, data_key, make_job, admin_a
):
    org = s3_vault_org
    lock(org, "GOVERNANCE", 2)
    backup(org, make_job(), data_key, [rec("A1", "one")])
    from jobs.models import Job

    Job.objects.filter(org=org).update(status=Job.Status.COMPLETED)
    with pytest.raises(OrgDeleteRefused) as refused:
        org_delete(org=org, actor=admin_a)
    assert "locked by S3 Object Lock until" in str(refused.value)
    assert "cannot be deleted" in str(refused.value)
    legal_hold_place(org=org, actor=admin_a, reason="Litigation 12")
    with pytest.raises(OrgDeleteRefused) as held:
        org_delete(org=org, actor=admin_a)
    assert "legal hold" in str(held.value) and "Litigation 12" in str(held.value)
    assert Segment.objects.filter(org=org).exists()


def test_local_storage_says_it_is_not_immutable(vault_org):
    lock(vault_org, "COMPLIANCE", 30)
    state = storage_immutability(org=vault_org)
    assert not state.immutable
    assert state.sentence.startswith("Not immutable")


def test_managed_s3_storage_locks_only_the_orgs_that_ask(
    vault_org, data_key, make_job, moto_endpoint, locked_bucket, settings, tenant_a
):
    from django.core.files.storage import storages

    from tests.orgs.factories import make_org
    from tests.vault.conftest import S3_KEY_ID, S3_SECRET

    settings.STORAGES = {
        **settings.STORAGES,
        "vault": {
            "BACKEND": "common.storage.VaultS3Storage",
            "OPTIONS": {
                "bucket_name": locked_bucket,
                "endpoint_url": moto_endpoint,
                "access_key": S3_KEY_ID,
                "secret_key": S3_SECRET,
                "region_name": "us-east-1",
                "file_overwrite": True,
                "default_acl": None,
            },
        },
    }
    lock(vault_org, "GOVERNANCE", 2)
    locked_storage = org_storage(vault_org)
    other = make_org(tenant_a)
    assert locked_storage.object_lock == ("GOVERNANCE", 2)
    assert org_storage(other).object_lock is None  # the shared instance is not changed
    assert storages["vault"].object_lock is None
    backup(vault_org, make_job(), data_key, [rec("A1", "locked")])
    key = Segment.objects.get(org=vault_org).storage_key
    head = aws_client(moto_endpoint, "s3").head_object(Bucket=locked_bucket, Key=key)
    assert head["ObjectLockMode"] == "GOVERNANCE"
    assert not storage_immutability(org=other).immutable
    assert "S3 Object Lock is off" in storage_immutability(org=other).sentence


def test_rotation_on_a_locked_bucket_keeps_the_old_key_until_the_old_versions_expire(
    s3_vault_org, data_key, make_job, moto_endpoint, locked_bucket
):
    from orgs.key_models import OrgKey
    from orgs.key_services import org_key_add
    from orgs.keys import org_data_key
    from vault.rotation import KeyRotation, rotation_run, rotation_start

    org = s3_vault_org
    lock(org, "GOVERNANCE", 2)
    s1 = backup(org, make_job(), data_key, [rec("A1", "locked")])
    org_key_add(org=org, source="generated")
    rotation = rotation_run(rotation_start(org=org, enqueue=False))
    assert rotation.status == KeyRotation.Status.WAITING
    assert "locked by S3 Object Lock until" in rotation.message
    assert rotation.rewritten == 1
    # The current version is the new key's; the old version is still there, locked, so
    # the old key stays (retiring) and everything still reads.
    key = Segment.objects.get(org=org).storage_key
    page = aws_client(moto_endpoint, "s3").list_object_versions(Bucket=locked_bucket, Prefix=key)
    assert len(page["Versions"]) == 2
    assert OrgKey.objects.get(org=org, source="original").status == OrgKey.Status.RETIRING
    assert names_as_of(org, s1.seq, org_data_key(org)) == {"A1": ("present", "locked")}
