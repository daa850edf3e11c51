"""The vault without Salesforce: intervals, snapshots, segments, hashes, blobs, keys."""

import pytest

from vault import selectors
from vault.codec import VaultKeyError
from vault.models import RecordVersion, Segment, Snapshot
from vault.services import (
    ObjectWriter,
    VaultBusy,
    VaultRecord,
    blob_put,
    mark_hard_deleted,
    snapshot_begin,
    snapshot_discard,
    snapshot_publish,
)

FIELDS = ["Id", "Name", "IsDeleted"]
State = RecordVersion.State


def rec(record_id: str, name: str, deleted: bool = False) -> VaultRecord:
    return VaultRecord(
        record_id=record_id,
        values=[record_id, name, deleted],
        state=State.SOFT_DELETED if deleted else State.PRESENT,
        owner_id="005000000000001AAA",
    )


def write(org, job, data_key, records, object_name="Account", publish=True):
    snapshot = snapshot_begin(org=org, job=job)
    writer = ObjectWriter(
        snapshot=snapshot, object_name=object_name, fields=FIELDS, data_key=data_key, job=job
    )
    result = writer.write(records)
    if publish:
        assert snapshot_publish(snapshot=snapshot, watermarks={object_name: "w"})
    return snapshot, result


def names_as_of(org, seq, data_key, object_name="Account"):
    rows = list(selectors.object_records_as_of(org=org, object_name=object_name, seq=seq))
    payloads = selectors.version_payloads(org=org, versions=rows, data_key=data_key)
    return {r.record_id: (r.state, payloads[r.pk]["Name"]) for r in rows}


def test_full_then_incremental_intervals(vault_org, data_key, make_job):
    s1, r1 = write(vault_org, make_job(), data_key, [rec(f"A{i}", f"n{i}") for i in range(5)])
    assert (r1.seen, r1.added, r1.changed, r1.deleted) == (5, 5, 0, 0)

    job2 = make_job()
    s2, r2 = write(
        vault_org,
        job2,
        data_key,
        [rec("A0", "n0"), rec("A1", "renamed"), rec("A2", "n2", deleted=True), rec("A9", "new")],
    )
    assert (r2.added, r2.changed, r2.deleted) == (1, 1, 1)
    assert s2.seq == s1.seq + 1

    before = names_as_of(vault_org, s1.seq, data_key)
    after = names_as_of(vault_org, s2.seq, data_key)
    assert before["A1"] == (State.PRESENT, "n1") and "A9" not in before
    assert after["A1"] == (State.PRESENT, "renamed")
    assert after["A2"] == (State.SOFT_DELETED, "n2")
    assert after["A9"] == (State.PRESENT, "new")
    counts = selectors.job_change_counts(job=job2)
    assert counts == {"Account": {"added": 1, "changed": 1, "deleted": 1}}
    history = selectors.record_versions(org=vault_org, object_name="Account", record_id="A1")
    assert [(v.valid_from, v.valid_to) for v in history] == [(s1.seq, s2.seq), (s2.seq, None)]


def test_unpublished_snapshot_is_invisible_and_discard_restores(vault_org, data_key, make_job):
    s1, _ = write(vault_org, make_job(), data_key, [rec("A1", "one"), rec("A2", "two")])
    before = names_as_of(vault_org, s1.seq, data_key)
    s2, _ = write(
        vault_org, make_job(), data_key, [rec("A1", "changed"), rec("A3", "x")], publish=False
    )
    mark_hard_deleted(snapshot=s2, object_name="Account", record_ids=["A2"], job=s2.job)
    assert selectors.published_seq(org=vault_org) == s1.seq
    assert names_as_of(vault_org, s1.seq, data_key) == before
    versions = selectors.record_versions(org=vault_org, object_name="Account", record_id="A1")
    assert [(v.valid_from, v.valid_to) for v in versions] == [(s1.seq, None)]

    snapshot_discard(snapshot=s2)
    assert Snapshot.objects.get(pk=s2.pk).status == Snapshot.Status.DISCARDED
    assert RecordVersion.objects.filter(valid_from=s2.seq).count() == 0
    assert RecordVersion.objects.filter(valid_to__isnull=True).count() == 2
    assert not Segment.objects.filter(snapshot=s2).exists()
    assert names_as_of(vault_org, s1.seq, data_key) == before


def test_rewriting_the_same_records_is_a_no_op(vault_org, data_key, make_job):
    job = make_job()
    snapshot = snapshot_begin(org=vault_org, job=job)
    writer = ObjectWriter(
        snapshot=snapshot, object_name="Account", fields=FIELDS, data_key=data_key, job=job
    )
    first = writer.write([rec("A1", "one"), rec("A2", "two")])
    again = writer.write([rec("A1", "one"), rec("A2", "two"), rec("A2", "two")])
    assert first.added == 2 and (again.added, again.changed) == (0, 0)
    assert snapshot_begin(org=vault_org, job=job) == snapshot  # resume: same snapshot
    assert RecordVersion.objects.count() == 2


def test_one_building_snapshot_per_org(vault_org, data_key, make_job):
    snapshot_begin(org=vault_org, job=make_job())
    with pytest.raises(VaultBusy):
        snapshot_begin(org=vault_org, job=make_job())


def test_hard_delete_closes_current_version(vault_org, data_key, make_job):
    write(vault_org, make_job(), data_key, [rec("A1", "one"), rec("A2", "two")])
    job = make_job()
    snapshot = snapshot_begin(org=vault_org, job=job)
    assert (
        mark_hard_deleted(snapshot=snapshot, object_name="Account", record_ids=["A2"], job=job) == 1
    )
    snapshot_publish(snapshot=snapshot)
    state, name = names_as_of(vault_org, snapshot.seq, data_key)["A2"]
    assert state == State.HARD_DELETED and name == "two"  # shows the fields it closed
    assert selectors.job_change_counts(job=job) == {
        "Account": {"added": 0, "changed": 0, "deleted": 1}
    }


def test_nothing_readable_in_database_or_storage(vault_org, data_key, make_job, vault_storage):
    from django.db import connection

    marker = "MARKER-6a1f0e2b-readable"
    write(vault_org, make_job(), data_key, [rec("A1", marker), rec("A2", "plain")])
    blob_put(org=vault_org, data_key=data_key, content=marker.encode() * 10)
    for path in vault_storage.rglob("*"):
        if path.is_file():
            assert marker.encode() not in path.read_bytes()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608
            for row in cursor.fetchall():
                assert marker not in repr(row)


def test_blobs_are_stored_once_per_content(vault_org, data_key):
    first, created = blob_put(org=vault_org, data_key=data_key, content=b"%PDF body")
    second, created_again = blob_put(org=vault_org, data_key=data_key, content=b"%PDF body")
    assert created and not created_again and first == second
    body = selectors.blob_read(org=vault_org, blob_key=first.storage_key, data_key=data_key)
    assert body == b"%PDF body"


def test_wrong_key_fails_clearly(vault_org, data_key, make_job):
    from common.crypto import new_data_key

    s1, _ = write(vault_org, make_job(), data_key, [rec("A1", "one")])
    rows = list(selectors.object_records_as_of(org=vault_org, object_name="Account", seq=s1.seq))
    with pytest.raises(VaultKeyError, match="cannot be decrypted"):
        selectors.version_payloads(org=vault_org, versions=rows, data_key=new_data_key())


def test_a_stalled_writer_cannot_write_into_a_discarded_snapshot(vault_org, data_key, make_job):
    from vault.services import SnapshotClosed

    job = make_job()
    snapshot = snapshot_begin(org=vault_org, job=job)
    writer = ObjectWriter(
        snapshot=snapshot, object_name="Account", fields=FIELDS, data_key=data_key, job=job
    )
    writer.write([rec("A1", "one")])
    snapshot_discard(snapshot=snapshot)
    with pytest.raises(SnapshotClosed):
        writer.write([rec("A2", "two")])
    with pytest.raises(SnapshotClosed):
        mark_hard_deleted(snapshot=snapshot, object_name="Account", record_ids=["A1"], job=job)
    with pytest.raises(SnapshotClosed):
        snapshot_begin(org=vault_org, job=job)  # the same job cannot start over
    assert not RecordVersion.objects.exists() and not Segment.objects.exists()
