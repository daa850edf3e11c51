"""vault.erasure over records written straight into the vault: blobs only the erased
records referenced are deleted, a blob another record still names is kept, and the
other records of the same segments read back unchanged."""

from common.storage import org_storage
from orgs.services import org_data_key
from tests.backups.conftest import backup_org, vault_storage  # noqa: F401 — fixtures
from vault.erasure import records_erase
from vault.models import Blob, RecordVersion, Segment
from vault.selectors import version_payloads
from vault.services import ObjectWriter, VaultRecord, blob_put, snapshot_begin, snapshot_publish
from vault.verify import vault_verify


def write(org, key, rows):
    snapshot = snapshot_begin(org=org, job=None)
    writer = ObjectWriter(
        snapshot=snapshot, object_name="Attachment", fields=["Id", "Name", "Body"],
        data_key=key, job=None,
    )  # fmt: skip
    writer.write([VaultRecord(record_id=rid, values=[rid, name, body]) for rid, name, body in rows])
    snapshot_publish(snapshot=snapshot)


def test_erasure_deletes_only_blobs_nobody_else_references(backup_org, vault_storage):  # noqa: F811
    org = backup_org
    key = org_data_key(org)
    own, _ = blob_put(org=org, data_key=key, content=b"only the erased record's body")
    shared, _ = blob_put(org=org, data_key=key, content=b"a body two records share")
    write(org, key, [
        ("00P000000000001AAA", "erase-me.txt", own.storage_key),
        ("00P000000000002AAA", "keep-me.txt", shared.storage_key),
        ("00P000000000003AAA", "also-erase.txt", shared.storage_key),
    ])  # fmt: skip
    write(org, key, [("00P000000000001AAA", "erase-me-v2.txt", own.storage_key)])
    kept = list(RecordVersion.objects.filter(org=org, record_id="00P000000000002AAA"))
    before = version_payloads(org=org, versions=kept, data_key=key)

    result = records_erase(
        org=org, data_key=key,
        records={"Attachment": ["00P000000000001AAA", "00P000000000003AAA"]},
    )  # fmt: skip

    assert result.objects == {"Attachment": {"records": 2, "versions": 3}}
    assert result.segments_rewritten == 1 and result.segments_deleted == 1
    assert result.blobs_deleted == 1
    assert not Blob.objects.filter(pk=own.pk).exists()
    assert not org_storage(org).exists(own.storage_key)
    assert Blob.objects.filter(pk=shared.pk).exists()
    assert Segment.objects.filter(org=org, object_name="Attachment").count() == 1
    after = version_payloads(
        org=org, versions=list(RecordVersion.objects.filter(pk__in=[v.pk for v in kept])),
        data_key=key,
    )  # fmt: skip
    assert after == before and after[kept[0].pk]["Name"] == "keep-me.txt"
    report = vault_verify(org=org, data_key=key)
    assert report.ok, report.problems
