"""Retention over a controlled clock: daily snapshots made directly with the vault's
services; the sweep keeps exactly what the policy promises (readable, verified) and
removes the rest from the database and storage; nothing under legal hold goes."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.vault.test_vault import FIELDS, names_as_of, rec
from vault import selectors
from vault.holds import legal_hold_place
from vault.models import Blob, RecordVersion, RetentionPolicy, Segment, Snapshot
from vault.retention import kept_seqs, retention_plan, retention_policy, retention_sweep
from vault.services import (
    ObjectWriter,
    VaultRecord,
    blob_put,
    mark_hard_deleted,
    snapshot_begin,
    snapshot_publish,
)
from vault.verify import vault_verify

START = datetime(2025, 1, 1, 2, 0, tzinfo=UTC)
Mode = RetentionPolicy.Mode


def daily(org, job, data_key, day: int, records, *, files=None, hard_deleted=()):
    snapshot = snapshot_begin(org=org, job=job)
    if records:
        ObjectWriter(
            snapshot=snapshot, object_name="Account", fields=FIELDS, data_key=data_key, job=job
        ).write(records)
    if files:
        ObjectWriter(
            snapshot=snapshot,
            object_name="Attachment",
            fields=["Id", "Body"],
            data_key=data_key,
            job=job,
        ).write(files)
    if hard_deleted:
        mark_hard_deleted(
            snapshot=snapshot, object_name="Account", record_ids=hard_deleted, job=job
        )
    assert snapshot_publish(snapshot=snapshot)
    Snapshot.objects.filter(pk=snapshot.pk).update(published_at=START + timedelta(days=day))
    return snapshot.seq


def stored_files(root) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def history(vault_org, data_key, make_job):
    """400 daily backups: A1 renamed every day, A2 never changes, A3 hard-deleted on day
    50; an Attachment whose body changes on day 1 (the first body is then unreferenced)."""
    body_0, _ = blob_put(org=vault_org, data_key=data_key, content=b"first body")
    body_1, _ = blob_put(org=vault_org, data_key=data_key, content=b"second body")
    seqs = {}
    for day in range(400):
        records = [rec("A1", f"day {day}")]
        files, gone = None, ()
        if day == 0:
            records += [rec("A2", "steady"), rec("A3", "doomed")]
            files = [VaultRecord(record_id="00P1", values=["00P1", body_0.storage_key])]
        if day == 1:
            files = [VaultRecord(record_id="00P1", values=["00P1", body_1.storage_key])]
        if day == 50:
            gone = ("A3",)
        seqs[day] = daily(
            vault_org, make_job(), data_key, day, records, files=files, hard_deleted=gone
        )
    return seqs, body_0, body_1


def save_policy(org, **values) -> RetentionPolicy:
    policy, _ = RetentionPolicy.objects.update_or_create(org=org, defaults=values)
    return policy


def test_keep_30_days_over_400_daily_backups(vault_org, data_key, history, vault_storage):
    seqs, body_0, body_1 = history
    save_policy(vault_org, mode=Mode.DAYS, keep_days=30, keep_latest=True)
    now = START + timedelta(days=399, hours=1)
    plan = retention_plan(org=vault_org, policy=retention_policy(org=vault_org), now=now)
    assert plan.snapshots_expiring == [seqs[d] for d in range(370)]
    # A1's versions of days 0..369 go; A3's last present version stays (keep latest).
    assert plan.versions == {"Account": 370, "Attachment": 1}

    result = retention_sweep(org=vault_org, data_key=data_key, now=now)
    kept = [seqs[d] for d in range(370, 400)]
    published = set(
        Snapshot.objects.filter(org=vault_org, status="published").values_list("seq", flat=True)
    )
    assert published == set(kept)
    assert Snapshot.objects.filter(org=vault_org, status="expired").count() == 370
    # Every kept snapshot reads back exactly.
    for day in range(370, 400):
        names = names_as_of(vault_org, seqs[day], data_key)
        assert names["A1"] == ("present", f"day {day}")
        assert names["A2"] == ("present", "steady")
    a1 = selectors.record_versions(org=vault_org, object_name="Account", record_id="A1")
    assert [v.valid_from for v in a1] == kept
    a3 = selectors.record_versions(org=vault_org, object_name="Account", record_id="A3")
    assert [(v.valid_from, v.state) for v in a3] == [
        (seqs[0], "present"),
        (seqs[50], "hard_deleted"),
    ]
    payload = selectors.version_payloads(org=vault_org, versions=a3[:1], data_key=data_key)
    assert payload[a3[0].pk]["Name"] == "doomed"
    # The rest is gone from the database and from storage.
    assert RecordVersion.objects.filter(org=vault_org, record_id="A1").count() == 30
    assert list(Blob.objects.filter(org=vault_org)) == [body_1]
    assert result.blobs_deleted == 1
    keys = set(Segment.objects.filter(org=vault_org).values_list("storage_key", flat=True))
    assert keys | {body_1.storage_key} == stored_files(vault_storage)
    assert len(keys) == 1 + 1 + 30  # day 0 (A2, A3), day 1 (attachment), days 370..399
    assert vault_verify(org=vault_org, data_key=data_key).ok


def test_gfs_keeps_the_last_backup_of_each_day_week_and_month(vault_org, history):
    seqs, _, _ = history
    policy = RetentionPolicy(
        org=vault_org, mode=Mode.GFS, daily_days=7, weekly_weeks=4, monthly_months=12
    )
    now = START + timedelta(days=399, hours=1)
    snapshots = [(seq, START + timedelta(days=day)) for day, seq in seqs.items()]
    kept = kept_seqs(policy=policy, snapshots=snapshots, now=now)

    expected = {seqs[d] for d in range(393, 400)}  # the last 7 days
    by_week, by_month = {}, {}
    for day, seq in seqs.items():
        at = START + timedelta(days=day)
        if at >= now - timedelta(weeks=4):
            by_week[at.isocalendar()[:2]] = seq
        if at >= now - timedelta(days=12 * 31):
            by_month[(at.year, at.month)] = seq
    expected |= set(by_week.values()) | set(by_month.values())
    assert kept == expected
    # Month ends inside 12 × 31 days are kept (2025-01-31 is day 30), other days are not.
    assert seqs[30] in kept and seqs[58] in kept and seqs[29] not in kept
    assert seqs[385] not in kept  # 2026-01-21: neither a day, a week's nor a month's last
    assert len(kept) == len(expected) < 30


def test_nothing_under_legal_hold_is_dropped(vault_org, data_key, admin_a, history, tenant_a):
    seqs, _, _ = history
    vault_org.tenant = tenant_a
    save_policy(vault_org, mode=Mode.DAYS, keep_days=30, keep_latest=False)
    now = START + timedelta(days=399, hours=1)
    legal_hold_place(
        org=vault_org, actor=admin_a, reason="Case 7", object_name="Account", record_id="A1"
    )
    retention_sweep(org=vault_org, data_key=data_key, now=now)
    assert RecordVersion.objects.filter(org=vault_org, record_id="A1").count() == 400
    # Not held: A3's old present version goes without "keep latest".
    assert not RecordVersion.objects.filter(record_id="A3", state="present").exists()
    assert vault_verify(org=vault_org, data_key=data_key).ok

    legal_hold_place(org=vault_org, actor=admin_a, reason="Whole org")
    before = RecordVersion.objects.count()
    save_policy(vault_org, mode=Mode.DAYS, keep_days=1, keep_latest=False)
    result = retention_sweep(org=vault_org, data_key=data_key, now=now + timedelta(days=30))
    assert result.plan.held_whole_org and RecordVersion.objects.count() == before


def test_a_mostly_dead_segment_is_rewritten_with_its_live_rows(
    vault_org, data_key, make_job, vault_storage
):
    daily(vault_org, make_job(), data_key, 0, [rec(f"A{i}", f"v0 {i}") for i in range(10)])
    last = daily(vault_org, make_job(), data_key, 40, [rec(f"A{i}", f"v1 {i}") for i in range(8)])
    old = Segment.objects.get(snapshot__seq=1)
    save_policy(vault_org, mode=Mode.DAYS, keep_days=5, keep_latest=False)
    plan = retention_plan(
        org=vault_org, policy=retention_policy(org=vault_org), now=START + timedelta(days=41)
    )
    assert (plan.segments_rewritten, plan.segments_deleted, plan.total_versions) == (1, 0, 8)
    retention_sweep(org=vault_org, data_key=data_key, now=START + timedelta(days=41))
    assert not Segment.objects.filter(pk=old.pk).exists()
    assert not (vault_storage / old.storage_key).exists()
    fresh = Segment.objects.get(snapshot__seq=1)
    assert fresh.record_count == 2
    names = names_as_of(vault_org, last, data_key)
    assert names["A8"] == ("present", "v0 8") and names["A9"] == ("present", "v0 9")
    assert names["A0"] == ("present", "v1 0")
    assert vault_verify(org=vault_org, data_key=data_key).ok


def test_keep_all_drops_nothing(vault_org, data_key, make_job):
    for day in range(5):
        daily(vault_org, make_job(), data_key, day, [rec("A1", f"d{day}")])
    result = retention_sweep(org=vault_org, data_key=data_key, now=START + timedelta(days=900))
    assert result.plan.empty and RecordVersion.objects.count() == 5


def test_the_daily_sweep_is_scheduled_and_applies_saved_policies(vault_org, data_key, make_job):
    from django_q.models import Schedule

    from vault.tasks import vault_retention_sweep_all_task

    schedule = Schedule.objects.get(func="vault.tasks.vault_retention_sweep_all_task")
    assert schedule.schedule_type == Schedule.DAILY and schedule.repeats == -1
    for day in range(3):
        daily(vault_org, make_job(), data_key, day, [rec("A1", f"d{day}")])
    assert vault_retention_sweep_all_task() == 0  # no saved policy: nothing to do
    save_policy(vault_org, mode=Mode.DAYS, keep_days=1, keep_latest=False)
    assert vault_retention_sweep_all_task() == 1  # START is long past: only the newest stays
    assert [v.valid_from for v in RecordVersion.objects.filter(org=vault_org)] == [3]
    assert RetentionPolicy.objects.get(org=vault_org).last_swept_at is not None


def test_archived_records_outlive_every_policy(vault_org, data_key, make_job, vault_storage):
    """An archive's versions are the only copy of records deleted from Salesforce: a
    policy of 30 days keeps them a year later, and the archive's snapshot stays published."""
    daily(vault_org, make_job(), data_key, 0, [rec("A1", "kept in Salesforce")])
    archived = VaultRecord(
        record_id="A9",
        values=["A9", "archived and deleted from Salesforce", False],
        state=RecordVersion.State.ARCHIVED,
    )
    archive_seq = daily(vault_org, make_job(), data_key, 1, [archived])
    for day in range(2, 400):  # later backups see A9 gone from the org
        gone = ("A9",) if day == 2 else ()
        daily(vault_org, make_job(), data_key, day, [rec("A1", f"day {day}")], hard_deleted=gone)
    save_policy(vault_org, mode=Mode.DAYS, keep_days=30, keep_latest=False)
    now = START + timedelta(days=399, hours=1)

    plan = retention_plan(org=vault_org, policy=retention_policy(org=vault_org), now=now)
    assert archive_seq not in plan.snapshots_expiring
    retention_sweep(org=vault_org, data_key=data_key, now=now)

    assert Snapshot.objects.get(org=vault_org, seq=archive_seq).status == "published"
    versions = selectors.record_versions(org=vault_org, object_name="Account", record_id="A9")
    archived_versions = [v for v in versions if v.state == RecordVersion.State.ARCHIVED]
    assert len(archived_versions) == 1
    payload = selectors.version_payloads(
        org=vault_org, versions=archived_versions, data_key=data_key
    )
    assert payload[archived_versions[0].pk]["Name"] == "archived and deleted from Salesforce"
    assert vault_verify(org=vault_org, data_key=data_key).ok
