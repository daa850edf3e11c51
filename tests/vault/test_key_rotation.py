"""Key rotation while a backup is writing: new data goes out with the new key at once,
the rotation job re-encrypts the rest in chunks (resumable, waiting for the backup that
began with the old key), every version reads back exactly, the old key is retired, and
a byte scan of storage and of every binary column of the database finds nothing the old
keys can open."""

import pytest
from django.apps import apps
from django.db import models

from common.crypto import (
    CryptoError,
    Keyring,
    data_key_id,
    decrypt,
    generate_tenant_key,
    unwrap_secret,
)
from orgs.key_models import OrgKey
from orgs.key_services import org_key_add, org_key_retire
from orgs.keys import OrgKeyError, _tenant_key_purpose, org_data_key
from tests.vault.test_vault import FIELDS, names_as_of, rec
from vault import selectors
from vault.metadata_selectors import metadata_unseal
from vault.metadata_services import MetadataComponent, MetadataWriter, sealed_aad_key
from vault.models import Blob, MetadataComponentVersion, RecordVersion, Segment
from vault.rotation import KeyRotation, key_usage, rotation_run, rotation_start, rotation_step
from vault.services import ObjectWriter, blob_put, snapshot_begin, snapshot_publish
from vault.verify import vault_verify


def _aads(org, storage_key: str = "") -> list[bytes]:
    """Every associated data an org ciphertext may carry."""
    aads = [b"org-data-key", f"org-hash-root:{org.pk}".encode()]
    if storage_key:
        aads.append(f"orgvault:{org.pk}:{storage_key}".encode())
    for mtype, name in MetadataComponentVersion.objects.filter(org=org).values_list(
        "metadata_type", "full_name"
    ):
        aads.append(f"orgvault:{org.pk}:{sealed_aad_key(org.pk, mtype, name)}".encode())
    return aads


def _opens(key: bytes, blob: bytes, aads: list[bytes]) -> bool:
    for aad in aads:
        try:
            decrypt(key, blob, aad)
            return True
        except CryptoError:
            continue
    return False


def byte_scan(org, root, old_keys: list[bytes]) -> list[str]:
    """What in storage or in the database an old key (data key or tenant key) opens, is
    named by, or holds in clear."""
    found = []
    old_ids = {data_key_id(k) for k in old_keys}
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        name = str(path.relative_to(root))
        if data[:1] == b"\x02" and data[1:9] in old_ids:
            found.append(f"file {name} names an old key")
        if any(k in data for k in old_keys):
            found.append(f"file {name} holds an old key in clear")
        file_aads = [f"orgvault:{org.pk}:{name}".encode()]
        if any(_opens(k, data, file_aads) for k in old_keys):
            found.append(f"file {name} opens with an old key")
    aads = _aads(org)
    for model in apps.get_models():
        binary = [
            f.attname for f in model._meta.concrete_fields if isinstance(f, models.BinaryField)
        ]
        if not binary:
            continue
        for row in model.objects.values_list("pk", *binary):
            for column, value in zip(binary, row[1:], strict=True):
                value = bytes(value or b"")
                if not value:
                    continue
                where = f"{model._meta.label}.{column} #{row[0]}"
                if value[:1] == b"\x02" and value[1:9] in old_ids:
                    found.append(f"{where} names an old key")
                if any(k in value for k in old_keys):
                    found.append(f"{where} holds an old key in clear")
                if value[:1] in (b"\x01", b"\x02") and any(
                    _opens(k, value, aads) for k in old_keys
                ):
                    found.append(f"{where} opens with an old key")
    return found


def component(name: str, body: bytes) -> MetadataComponent:
    return MetadataComponent(
        metadata_type="ApexClass",
        full_name=name,
        file_name=f"classes/{name}.cls",
        properties={"fullName": name},
        files={f"classes/{name}.cls": body},
    )


def writer(snapshot, data_key, job, object_name="Account"):
    return ObjectWriter(
        snapshot=snapshot, object_name=object_name, fields=FIELDS, data_key=data_key, job=job
    )


@pytest.fixture
def tenant_key(vault_org) -> bytes:
    return unwrap_secret(vault_org.tenant_key_wrapped, _tenant_key_purpose(vault_org.pk))


def test_rotate_while_a_backup_runs(
    vault_org, data_key, tenant_key, make_job, vault_storage, admin_a
):
    org = vault_org
    # Snapshot 1, all with the original key: records in two segments, a blob, metadata.
    job1 = make_job()
    s1 = snapshot_begin(org=org, job=job1)
    w = writer(s1, data_key, job1)
    w.write_batch([rec(f"A{i}", f"first {i}") for i in range(30)])
    w.write_batch([rec(f"B{i}", f"first {i}") for i in range(30)])
    old_blob, _ = blob_put(org=org, data_key=data_key, content=b"body written with key 1")
    MetadataWriter(snapshot=s1, data_key=data_key, job=job1).write(
        [component("Hello", b"class Hello {}")]
    )
    assert snapshot_publish(snapshot=s1)

    # A backup starts with the original key and writes its first batch ...
    job2 = make_job()
    s2 = snapshot_begin(org=org, job=job2)
    running = writer(s2, org_data_key(org), job2)
    running.write_batch([rec(f"A{i}", f"second {i}") for i in range(10)])

    # ... the admin adds a generated key: from now on new data uses it.
    new_key, shown = org_key_add(org=org, source="generated", actor=admin_a)
    assert len(shown) == 44 and new_key.status == OrgKey.Status.ACTIVE
    ring = org_data_key(org)
    assert isinstance(ring, Keyring) and bytes(ring) == data_key  # keyed hashes unchanged
    rotation = rotation_start(org=org, actor=admin_a, enqueue=False)
    objects = (
        Segment.objects.filter(org=org).count()
        + Blob.objects.filter(org=org).count()
        + MetadataComponentVersion.objects.filter(org=org).count()
    )
    assert rotation.total == objects == 3 + 2 + 1
    assert rotation_step(rotation, limit=1)  # one chunk of one segment
    rotation.refresh_from_db()
    assert (rotation.done, rotation.phase) == (1, "segments")

    # The backup goes on: its writer still holds the old key (a chunk in flight) ...
    running.write_batch([rec(f"B{i}", f"second {i}") for i in range(10)])
    late_blob, _ = blob_put(org=org, data_key=data_key, content=b"late body, old key")
    # ... and its next chunk opens the org's keys again: the new key writes.
    fresh = writer(s2, org_data_key(org), job2, object_name="Contact")
    fresh.write_batch([rec(f"C{i}", f"contact {i}") for i in range(10)])
    new_seg = Segment.objects.filter(org=org, object_name="Contact").get()
    with vault_storage.joinpath(new_seg.storage_key).open("rb") as handle:
        assert handle.read(9) == b"\x02" + data_key_id(ring.write_key)

    # The job runs on (resumable: a fresh object each step) and waits for that backup.
    rotation = rotation_run(KeyRotation.objects.get(pk=rotation.pk))
    assert rotation.status == KeyRotation.Status.WAITING
    assert OrgKey.objects.get(org=org, source="original").status == OrgKey.Status.RETIRING
    with pytest.raises(OrgKeyError):  # still in use: it cannot be retired yet by hand
        org_key_retire(org=org, key=new_key)
    assert snapshot_publish(snapshot=s2)
    rotation = rotation_run(rotation)
    assert rotation.status == KeyRotation.Status.DONE, rotation.message
    assert rotation.percent == 100

    # The old key is gone: retired, its wrapped keys erased, not in the keyring.
    original = OrgKey.objects.get(org=org, source="original")
    assert original.status == OrgKey.Status.RETIRED and original.retired_at
    assert bytes(original.tenant_key_wrapped) == b"" == bytes(original.data_key_wrapped)
    ring = org_data_key(org)
    assert data_key_id(data_key) not in ring.keys and list(ring.keys) == [ring.write_id]
    assert key_usage(org=org, keep_key_id=ring.write_id.hex()) == []

    # Every version reads back exactly with the new key alone.
    assert names_as_of(org, s1.seq, ring) == {
        **{f"A{i}": ("present", f"first {i}") for i in range(30)},
        **{f"B{i}": ("present", f"first {i}") for i in range(30)},
    }
    assert names_as_of(org, s2.seq, ring) == {
        **{f"A{i}": ("present", f"second {i}" if i < 10 else f"first {i}") for i in range(30)},
        **{f"B{i}": ("present", f"second {i}" if i < 10 else f"first {i}") for i in range(30)},
    }
    contacts = names_as_of(org, s2.seq, ring, object_name="Contact")
    assert contacts == {f"C{i}": ("present", f"contact {i}") for i in range(10)}
    for blob, body in ((old_blob, b"body written with key 1"), (late_blob, b"late body, old key")):
        assert selectors.blob_read(org=org, blob_key=blob.storage_key, data_key=ring) == body
    version = MetadataComponentVersion.objects.get(org=org)
    manifest = metadata_unseal(org=org, versions=[version], data_key=ring)[version.pk]
    assert manifest["properties"] == {"fullName": "Hello"}
    check = vault_verify(org=org, data_key=ring)
    assert check.ok, check.problems

    # The same records again are no change (the keyed hashes survived the rotation).
    job3 = make_job()
    s3 = snapshot_begin(org=org, job=job3)
    again = writer(s3, ring, job3).write_batch([rec(f"A{i}", f"second {i}") for i in range(10)])
    assert (again.added, again.changed) == (0, 0)
    assert blob_put(org=org, data_key=ring, content=b"late body, old key") == (late_blob, False)
    snapshot_publish(snapshot=s3)

    # The byte scan: nothing in storage or the database opens with the old keys.
    assert byte_scan(org, vault_storage, [data_key, tenant_key]) == []
    # ... while the scan does see the new key's work (it is not vacuous).
    assert byte_scan(org, vault_storage, [ring.write_key]) != []
    assert RecordVersion.objects.filter(org=org).count() == 60 + 20 + 10
    assert Blob.objects.filter(org=org).count() == 3  # two bodies and the class file
    assert "retired 1 key" in rotation.message


def test_a_second_rotation_and_a_pasted_key(vault_org, data_key, make_job, admin_a):
    org = vault_org
    job = make_job()
    s1 = snapshot_begin(org=org, job=job)
    writer(s1, data_key, job).write_batch([rec("A1", "one")])
    snapshot_publish(snapshot=s1)
    first, generated = org_key_add(org=org, source="generated", actor=admin_a)
    rotation_run(rotation_start(org=org, enqueue=False))
    pasted = generate_tenant_key()
    second, shown = org_key_add(org=org, source="pasted", key_text=pasted)
    assert shown == "" and second.source == "pasted"
    with pytest.raises(OrgKeyError):  # the same key twice is refused
        org_key_add(org=org, source="pasted", key_text=pasted)
    rotation = rotation_run(rotation_start(org=org, enqueue=False))
    assert rotation.status == KeyRotation.Status.DONE
    statuses = dict(OrgKey.objects.filter(org=org).values_list("source", "status"))
    assert statuses == {"original": "retired", "generated": "retired", "pasted": "active"}
    ring = org_data_key(org)
    assert names_as_of(org, s1.seq, ring) == {"A1": ("present", "one")}
    # The org row's envelope follows the active key: the pasted key opens the org.
    from orgs.services import org_check_tenant_key

    assert org_check_tenant_key(org=org, key_text=pasted) == ring
    with pytest.raises(OrgKeyError):
        org_check_tenant_key(org=org, key_text=generated)


def test_the_django_q_task_runs_the_chunks_to_the_end_and_audits(
    vault_org, data_key, make_job, monkeypatch, admin_a
):
    from django_q.conf import Conf

    from vault import rotation as rotation_module
    from vault.rotation import rotation_chunk_task

    org = vault_org
    job = make_job()
    s1 = snapshot_begin(org=org, job=job)
    w = writer(s1, data_key, job)
    for batch in range(5):
        w.write_batch([rec(f"A{batch}-{i}", f"n{i}") for i in range(3)])
    snapshot_publish(snapshot=s1)
    org_key_add(org=org, source="generated", actor=admin_a)
    rotation = rotation_start(org=org, actor=admin_a, enqueue=False)
    monkeypatch.setattr(Conf, "SYNC", True)  # django-q2 runs each queued chunk at once
    monkeypatch.setattr(rotation_module, "CHUNK", 2)  # 5 segments: three chunks
    rotation_chunk_task(rotation.pk)
    rotation.refresh_from_db()
    assert rotation.status == KeyRotation.Status.DONE, rotation.message
    assert (rotation.done, rotation.rewritten) == (5, 5)
    assert names_as_of(org, s1.seq, org_data_key(org))["A4-2"] == ("present", "n2")
    from tenants.models import AuditEvent

    actions = list(AuditEvent.objects.filter(tenant=org.tenant).values_list("action", flat=True))
    for action in (
        "org.key_added",
        "org.key_rotation_started",
        "org.key_retired",
        "org.key_rotated",
    ):
        assert action in actions


def test_a_receiver_of_key_retiring_keeps_the_old_key_until_it_has_resealed(
    vault_org, data_key, make_job, admin_a
):
    from vault.hooks import key_retiring

    org = vault_org
    job = make_job()
    s1 = snapshot_begin(org=org, job=job)
    writer(s1, data_key, job).write_batch([rec("A1", "one")])
    snapshot_publish(snapshot=s1)
    org_key_add(org=org, source="generated", actor=admin_a)
    asked = []

    def exports_still_sealed(*, org, data_key, old_key_ids):
        asked.append(old_key_ids)
        return ["Export 4 is sealed with the old key."] if len(asked) == 1 else []

    key_retiring.subscribe(exports_still_sealed)
    try:
        rotation = rotation_run(rotation_start(org=org, enqueue=False))
        assert rotation.status == KeyRotation.Status.WAITING
        assert "Export 4 is sealed with the old key." in rotation.message
        assert OrgKey.objects.get(org=org, source="original").status == OrgKey.Status.RETIRING
        rotation = rotation_run(rotation)
        assert rotation.status == KeyRotation.Status.DONE
    finally:
        key_retiring.unsubscribe(exports_still_sealed)
    assert asked == [[data_key_id(data_key).hex()]] * 2
    assert OrgKey.objects.get(org=org, source="original").status == OrgKey.Status.RETIRED


def test_a_stalled_rotation_resumes_at_its_cursor(vault_org, data_key, make_job, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone
    from django_q.conf import Conf

    from vault.rotation import rotation_resume_stale

    org = vault_org
    job = make_job()
    s1 = snapshot_begin(org=org, job=job)
    w = writer(s1, data_key, job)
    for batch in range(4):
        w.write_batch([rec(f"A{batch}-{i}", f"n{i}") for i in range(2)])
    snapshot_publish(snapshot=s1)
    org_key_add(org=org, source="generated")
    rotation = rotation_start(org=org, enqueue=False)
    assert rotation_step(rotation, limit=2)  # then the worker "dies": no next task
    rotation.refresh_from_db()
    assert (rotation.done, rotation.rewritten) == (2, 2)
    assert rotation_resume_stale() == 0  # not stale yet
    KeyRotation.objects.filter(pk=rotation.pk).update(
        updated_at=timezone.now() - timedelta(minutes=20)
    )
    monkeypatch.setattr(Conf, "SYNC", True)
    assert rotation_resume_stale() == 1
    rotation.refresh_from_db()
    assert rotation.status == KeyRotation.Status.DONE
    assert (rotation.done, rotation.rewritten) == (4, 4)  # the first two were not redone
