"""Rotation under load, end to end: a real backup against the simulator (simple-
salesforce over HTTPS) is running when an Admin adds a new key; the rotation job runs
chunks while the backup writes. Afterwards every version reads back exactly as before,
the old key is retired, and a byte scan of storage and the database finds nothing
encrypted with the old data key or the old tenant key."""

from common.crypto import unwrap_secret
from jobs.models import Job
from orgs.key_models import OrgKey
from orgs.key_services import org_key_add
from orgs.keys import _tenant_key_purpose, org_data_key
from tests.backups import engine_support
from tests.backups.starts import backup_run_inline, backup_start
from tests.fixtures.sfsim import sf_client
from tests.vault.test_key_rotation import byte_scan
from vault import selectors
from vault.models import RecordVersion
from vault.rotation import KeyRotation, rotation_latest, rotation_run, rotation_start, rotation_step
from vault.verify import vault_verify

_fast_retries = engine_support._fast_retries


def every_payload(org, data_key) -> dict[int, dict]:
    versions = list(RecordVersion.objects.filter(org=org).exclude(segment=None))
    return selectors.version_payloads(org=org, versions=versions, data_key=data_key)


def test_rotation_while_a_backup_runs(db, tenant_a, sfsim, vault_storage, monkeypatch, admin_a):
    from backups.engine import object_backup

    org = engine_support.connect_org(sfsim, tenant_a, name="Rotated org")
    old_data_key = org_data_key(org)
    old_tenant_key = unwrap_secret(org.tenant_key_wrapped, _tenant_key_purpose(org.pk))
    first = backup_run_inline(job=backup_start(org=org, enqueue=False))
    assert first.status == Job.Status.COMPLETED
    before = every_payload(org, old_data_key)
    assert len(before) > 50

    client = sf_client(sfsim)
    created = client.Account.create({"Name": "Written during the rotation"})["id"]
    real_write = object_backup.ObjectBackup.write_rows
    calls = {"n": 0}

    def write_and_rotate(self, rows):
        calls["n"] += 1
        if calls["n"] == 1:  # the backup is writing: the Admin adds a key now
            org_key_add(org=org, source="generated", actor=admin_a)
            rotation = rotation_start(org=org, actor=admin_a, enqueue=False)
            assert rotation_step(rotation, limit=5)
        elif calls["n"] % 3 == 0:  # the rotation job keeps going between pages
            rotation_step(rotation_latest(org=org), limit=5)
        real_write(self, rows)

    monkeypatch.setattr(object_backup.ObjectBackup, "write_rows", write_and_rotate)
    second = backup_run_inline(job=backup_start(org=org, sync=True, enqueue=False))
    assert second.status == Job.Status.COMPLETED, second.error_message
    assert calls["n"] >= 1
    rotation = rotation_run(rotation_latest(org=org))
    assert rotation.status == KeyRotation.Status.DONE, rotation.message
    assert rotation.rewritten > 0

    ring = org_data_key(org)
    assert OrgKey.objects.get(org=org, source="original").status == OrgKey.Status.RETIRED
    assert list(ring.keys) == [ring.write_id]
    after = every_payload(org, ring)
    assert {pk: after[pk] for pk in before} == before  # every old version, exactly
    mine = RecordVersion.objects.get(org=org, object_name="Account", record_id=created)
    assert after[mine.pk]["Name"] == "Written during the rotation"
    check = vault_verify(org=org, data_key=ring)
    assert check.ok, check.problems
    assert byte_scan(org, vault_storage, [bytes(old_data_key), old_tenant_key]) == []
