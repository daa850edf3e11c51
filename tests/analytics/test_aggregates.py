"""The aggregates behind the Analytics pages: written when a real job ends, rebuilt by
`analytics_backfill`, and the date ranges the pages read them with."""

import io
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from analytics.models import JobObjectStat, JobStat
from analytics.ranges import range_from_query
from jobs.models import Job, JobLog, JobObject
from tests.analytics.factories import make_history
from tests.backups.conftest import vault_storage  # noqa: F401 — fixture
from tests.backups.engine_support import connect_org
from tests.backups.factories import make_org
from tests.fixtures.sfsim import sf_client


def _backup(org, *args: str) -> Job:
    out = io.StringIO()
    call_command("backup_run", "--org", str(org.pk), "--wait", "--json", *args, stdout=out)
    return Job.objects.get(pk=json.loads(out.getvalue())["job_id"])


@pytest.mark.django_db(transaction=True)
def test_a_finished_backup_leaves_its_aggregates(tenant_a, sfsim, vault_storage, monkeypatch):  # noqa: F811
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", sfsim.ca_path)
    org = connect_org(sfsim, tenant_a, name="Analytics org")
    full = _backup(org)
    assert full.status == Job.Status.COMPLETED, full.error_message
    sf = sf_client(sfsim)
    new_id = sf.Account.create({"Name": "Analytics Co"})["id"]
    sf.Account.update(new_id, {"Name": "Analytics Co, renamed"})
    contact = sf.query("SELECT Id FROM Contact ORDER BY Id LIMIT 1")["records"][0]["Id"]
    sf.Contact.delete(contact)
    second = _backup(org, "--name", "Incremental")
    assert second.status == Job.Status.COMPLETED, second.error_message

    stat = JobStat.objects.get(job=second)
    assert (stat.added, stat.changed, stat.deleted) == (
        second.added,
        second.changed,
        second.deleted,
    )
    assert stat.operation == second.operation and stat.status == "completed"
    assert stat.rest_calls + stat.bulk_calls == second.api_calls > 0
    assert stat.duration_seconds == (second.finished_at - second.started_at).total_seconds()
    first_stat = JobStat.objects.get(job=full)
    assert stat.stored_bytes == first_stat.stored_bytes + stat.size_bytes > 0
    # The org's daily limit, from the quota guard's line at the job's start.
    log = JobLog.objects.get(job=second, message__startswith="API use at the start")
    assert stat.rest_limit == 100_000 and f"of {stat.rest_limit:,} calls today" in log.message
    for unit in JobObject.objects.filter(job=second):
        row = JobObjectStat.objects.get(job_stat=stat, object_name=unit.object_name)
        assert (row.records, row.added, row.changed, row.deleted, row.size_bytes) == (
            unit.records,
            unit.added,
            unit.changed,
            unit.deleted,
            unit.size_bytes,
        )
        before = JobObjectStat.objects.filter(
            job_stat=first_stat, object_name=unit.object_name
        ).first()
        assert row.stored_bytes == (before.stored_bytes if before else 0) + unit.size_bytes
    contacts = JobObjectStat.objects.get(job_stat=stat, object_name="Contact")
    assert contacts.deleted == 1


def test_backfill_rebuilds_the_same_aggregates(db, tenant_a):
    org = make_org(tenant_a)
    make_history(org, days=10, objects=4)
    before = list(
        JobObjectStat.objects.order_by("job_stat__job_id", "object_name").values_list(
            "object_name", "day", "records", "added", "stored_bytes"
        )
    )
    JobStat.objects.all().delete()
    out = io.StringIO()
    call_command("analytics_backfill", "--org", str(org.pk), stdout=out)
    assert "Recorded the aggregates of 10 finished job(s)." in out.getvalue()
    call_command("analytics_backfill", stdout=io.StringIO())  # again, for every org
    after = list(
        JobObjectStat.objects.order_by("job_stat__job_id", "object_name").values_list(
            "object_name", "day", "records", "added", "stored_bytes"
        )
    )
    assert after == before and len(after) == 40
    account = [row for row in after if row[0] == "Account"]
    assert account[-1][4] == 100_000 + 9 * 2048  # the full backup's bytes, then nine increments


def test_backfill_names_a_missing_org(db):
    with pytest.raises(CommandError, match="There is no org with id 999"):
        call_command("analytics_backfill", "--org", "999")


def test_a_job_still_running_has_no_aggregates(db, tenant_a):
    from analytics.services import job_stats_record

    org = make_org(tenant_a)
    job = Job.objects.create(
        operation="composite_backup",
        name="Running",
        tenant=tenant_a,
        org=org,
        status=Job.Status.IN_PROGRESS,
    )
    assert job_stats_record(job=job) is None
    assert not JobStat.objects.exists()


TODAY = date(2026, 3, 31)


@pytest.mark.parametrize(
    ("query", "start", "end", "problem"),
    [
        ({}, date(2026, 3, 25), TODAY, ""),
        ({"range": "30d"}, date(2026, 3, 2), TODAY, ""),
        ({"range": "12m"}, date(2025, 3, 31), TODAY, ""),
        (
            {"range": "custom", "start": "2026-01-01", "end": "2026-01-31"},
            date(2026, 1, 1),
            date(2026, 1, 31),
            "",
        ),
        (
            {"range": "custom", "start": "2024-01-01", "end": "2026-01-31"},
            date(2025, 1, 31),
            date(2026, 1, 31),
            "at most 12 months",
        ),
        (
            {"range": "custom", "start": "2026-02-01", "end": "2026-01-01"},
            date(2026, 3, 25),
            TODAY,
            "start date is after the end date",
        ),
        (
            {"range": "custom", "start": "yesterday"},
            date(2026, 3, 25),
            TODAY,
            "needs a start and an end date",
        ),
        ({"range": "forever"}, date(2026, 3, 25), TODAY, 'There is no range "forever"'),
    ],
)
def test_date_ranges(query, start, end, problem):
    rng, message = range_from_query(query, today=TODAY)
    assert (rng.start, rng.end) == (start, end)
    assert (problem in message) if problem else message == ""
    assert len(rng.days) == (end - start).days + 1 <= 366
