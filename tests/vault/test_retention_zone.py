"""Retention counts days in the tenant's time zone: two backups on the same UTC day but
on different local days are each their day's last backup."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from tests.vault.test_vault import FIELDS, names_as_of, rec
from vault.models import RecordVersion, RetentionPolicy, Snapshot
from vault.retention import kept_seqs, retention_plan, retention_sweep
from vault.services import ObjectWriter, snapshot_begin, snapshot_publish

TIMES = [
    datetime(2025, 3, 10, 3, 0, tzinfo=UTC),  # Los Angeles: 9 March, 20:00
    datetime(2025, 3, 10, 9, 0, tzinfo=UTC),  # 10 March, 02:00
    datetime(2025, 3, 10, 23, 0, tzinfo=UTC),  # 10 March, 16:00
]
NOW = datetime(2025, 3, 11, 12, 0, tzinfo=UTC)


def test_daily_snapshots_are_the_tenants_days(vault_org, data_key, make_job):
    vault_org.tenant.time_zone = "America/Los_Angeles"
    vault_org.tenant.save(update_fields=["time_zone"])
    seqs = []
    for n, at in enumerate(TIMES):
        job = make_job()
        snapshot = snapshot_begin(org=vault_org, job=job)
        ObjectWriter(
            snapshot=snapshot, object_name="Account", fields=FIELDS, data_key=data_key, job=job
        ).write([rec("A1", f"backup {n}")])
        snapshot_publish(snapshot=snapshot)
        Snapshot.objects.filter(pk=snapshot.pk).update(published_at=at)
        seqs.append(snapshot.seq)
    policy = RetentionPolicy.objects.create(
        org=vault_org, mode="gfs", daily_days=7, weekly_weeks=0, monthly_months=0,
        keep_latest=False,
    )  # fmt: skip
    snapshots = list(zip(seqs, TIMES, strict=True))
    assert kept_seqs(policy=policy, snapshots=snapshots, now=NOW) == {seqs[2]}  # UTC days
    zone = ZoneInfo("America/Los_Angeles")
    assert kept_seqs(policy=policy, snapshots=snapshots, now=NOW, tz=zone) == {seqs[0], seqs[2]}

    plan = retention_plan(org=vault_org, policy=policy, now=NOW)
    assert plan.snapshots_expiring == [seqs[1]]
    retention_sweep(org=vault_org, data_key=data_key, now=NOW)
    assert names_as_of(vault_org, seqs[0], data_key) == {"A1": ("present", "backup 0")}
    assert names_as_of(vault_org, seqs[2], data_key) == {"A1": ("present", "backup 2")}
    assert sorted(
        RecordVersion.objects.filter(org=vault_org).values_list("valid_from", flat=True)
    ) == [seqs[0], seqs[2]]
