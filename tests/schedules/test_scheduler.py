"""The scheduler with a controlled clock: `scheduler_tick(now=...)`, nothing sleeps."""

import json
import os
import sqlite3
import subprocess
import sys
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command

from backups.operations import DEFAULT_COMPOSITE, DEFAULT_SYNC
from jobs.models import Job
from schedules.models import Schedule
from schedules.scheduler import scheduler_tick
from schedules.services import (
    ScheduleError,
    schedule_create_system_defaults,
    schedule_delete,
)
from tests.schedules.factories import make_user_schedule

JULY_1 = datetime(2025, 7, 1, 0, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def schedule(org_a):
    return make_user_schedule(org_a, now=JULY_1)  # daily at 03:00 UTC from 1 Jul


def test_a_due_run_queues_one_job_with_the_schedule_trigger(org_a, schedule):
    assert schedule.next_run_at == datetime(2025, 7, 1, 3, tzinfo=UTC)
    assert scheduler_tick(now=datetime(2025, 7, 1, 2, 59, tzinfo=UTC)) == []

    now = datetime(2025, 7, 1, 3, 0, 10, tzinfo=UTC)
    [job] = scheduler_tick(now=now)
    schedule.refresh_from_db()
    assert (job.org, job.operation, job.name) == (
        org_a,
        "composite_backup",
        schedule.name,
    )
    assert (job.trigger, job.status) == (Job.Trigger.USER_SCHEDULE, Job.Status.QUEUED)
    assert schedule.last_job == job and schedule.last_run_at == now
    assert schedule.next_run_at == datetime(2025, 7, 2, 3, tzinfo=UTC)
    assert scheduler_tick(now=now + timedelta(seconds=15)) == []  # the same run never again
    assert job.logs.filter(
        message="Started by the user schedule 'Nightly extra', due at 2025-07-01 03:00 UTC."
    ).exists()


def test_a_run_that_fails_to_queue_is_retried_and_does_not_block_others(org_a, monkeypatch):
    from schedules import scheduler

    first = make_user_schedule(org_a, name="Breaks", now=JULY_1)
    second = make_user_schedule(org_a, name="Works", now=JULY_1, run_at=time(3, 5))
    real_start = scheduler.job_start

    def start(**kwargs):
        if kwargs["name"] == "Breaks":
            raise RuntimeError("database went away")
        return real_start(**kwargs)

    monkeypatch.setattr(scheduler, "job_start", start)
    now = datetime(2025, 7, 1, 4, 0, tzinfo=UTC)
    assert [job.name for job in scheduler_tick(now=now)] == ["Works"]
    first.refresh_from_db()
    assert first.next_run_at == datetime(2025, 7, 1, 3, tzinfo=UTC)  # not claimed: retried
    monkeypatch.setattr(scheduler, "job_start", real_start)
    assert [job.name for job in scheduler_tick(now=now)] == ["Breaks"]
    second.refresh_from_db()
    assert second.next_run_at == datetime(2025, 7, 2, 3, 5, tzinfo=UTC)


def test_after_downtime_a_missed_run_runs_once(schedule):
    # The scheduler was down for five days: five slots were missed.
    later = datetime(2025, 7, 6, 12, 0, tzinfo=UTC)
    jobs = scheduler_tick(now=later)
    assert len(jobs) == 1
    schedule.refresh_from_db()
    assert schedule.next_run_at == datetime(2025, 7, 7, 3, tzinfo=UTC)  # first slot after now
    assert scheduler_tick(now=later + timedelta(minutes=1)) == []
    assert Job.objects.count() == 1


def test_system_schedules_queue_system_triggered_jobs_of_their_operation(org_a):
    schedule_create_system_defaults(org=org_a, now=JULY_1)
    jobs = scheduler_tick(now=datetime(2025, 8, 1, 12, tzinfo=UTC))
    assert sorted((j.operation, j.trigger) for j in jobs) == [
        ("composite_backup", Job.Trigger.SYSTEM_SCHEDULE),
        ("composite_sync_backup", Job.Trigger.SYSTEM_SCHEDULE),
    ]


def test_org_with_scheduled_backups_off_runs_nothing_and_does_not_pile_up(org_a, schedule):
    org_a.scheduled_backups_enabled = False
    org_a.save(update_fields=["scheduled_backups_enabled"])
    assert scheduler_tick(now=datetime(2025, 7, 3, 12, tzinfo=UTC)) == []
    schedule.refresh_from_db()
    assert schedule.next_run_at == datetime(2025, 7, 4, 3, tzinfo=UTC)  # the slot was skipped
    assert schedule.last_run_at is None and Job.objects.count() == 0

    org_a.scheduled_backups_enabled = True
    org_a.save(update_fields=["scheduled_backups_enabled"])
    assert scheduler_tick(now=datetime(2025, 7, 3, 12, 1, tzinfo=UTC)) == []  # no stale burst
    assert len(scheduler_tick(now=datetime(2025, 7, 4, 3, tzinfo=UTC))) == 1


def test_a_disabled_schedule_does_not_run(schedule):
    Schedule.objects.filter(pk=schedule.pk).update(enabled=False)
    assert scheduler_tick(now=datetime(2025, 7, 2, 12, tzinfo=UTC)) == []


def test_system_schedules_are_created_once_and_cannot_be_deleted(org_a):
    first = schedule_create_system_defaults(org=org_a, now=JULY_1)
    again = schedule_create_system_defaults(org=org_a, now=JULY_1 + timedelta(days=3))
    assert [s.pk for s in first] == [s.pk for s in again]
    system = Schedule.objects.filter(org=org_a, kind=Schedule.Kind.SYSTEM)
    assert dict(system.values_list("name", "frequency")) == {
        DEFAULT_COMPOSITE: "daily",
        DEFAULT_SYNC: "monthly",
    }
    for schedule in system:
        with pytest.raises(ScheduleError, match="cannot be deleted"):
            schedule_delete(schedule=schedule)
    assert system.count() == 2


def test_user_schedule_can_be_deleted(org_a, schedule):
    schedule_delete(schedule=schedule)
    assert not Schedule.objects.filter(pk=schedule.pk).exists()


SETUP = """
from datetime import UTC, datetime, time
from tenants.models import Tenant
from tests.backups.factories import make_org
from tests.schedules.factories import make_user_schedule
org = make_org(Tenant.objects.create(name="Race"))
july_1 = datetime(2025, 7, 1, tzinfo=UTC)
for n in range({count}):
    make_user_schedule(org, name=f"Schedule {{n}}", now=july_1, run_at=time(3, n))
"""
TICK = """
import json, time
from datetime import UTC, datetime
from schedules.scheduler import scheduler_tick
while time.time() < {start}:
    time.sleep(0.005)
jobs = scheduler_tick(now=datetime(2025, 7, 1, 4, 0, tzinfo=UTC))
print(json.dumps([job.pk for job in jobs]))
"""


def test_two_scheduler_processes_at_once_queue_each_due_run_exactly_once(tmp_path):
    """Two real processes on one SQLite file tick at the same instant."""
    env = {**os.environ, "ORGVAULT_VAR_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    env.pop("DATABASE_URL", None)
    count = 40

    def manage(*args):
        return subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    for args in (("migrate", "--noinput"), ("shell", "-c", SETUP.format(count=count))):
        out, err = manage(*args).communicate(timeout=300)
        assert "Error" not in err, err[-2000:]
    start = clock.time() + 4  # both processes are up by then; they tick together
    ticks = [manage("shell", "-c", TICK.format(start=start)) for _ in range(2)]
    results = []
    for tick in ticks:
        out, err = tick.communicate(timeout=120)
        assert tick.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1]))

    queued = results[0] + results[1]
    assert len(queued) == len(set(queued)) == count
    with sqlite3.connect(tmp_path / "orgvault.sqlite3") as db:
        assert db.execute("select count(*) from jobs_job").fetchone() == (count,)
        due = db.execute("select count(*) from schedules_schedule where last_job_id is null")
        assert due.fetchone() == (0,)


def test_a_scheduler_that_read_a_run_late_does_not_queue_it_again(org_a, schedule):
    """The race made explicit: B reads the due run, A claims and queues it, B claims."""
    from schedules import scheduler

    now = datetime(2025, 7, 1, 3, 1, tzinfo=UTC)
    seen_by_b = Schedule.objects.get(pk=schedule.pk).next_run_at
    assert len(scheduler_tick(now=now)) == 1  # scheduler A
    assert scheduler._run_once(schedule.pk, seen_by_b, now) is None  # scheduler B, too late
    assert Job.objects.count() == 1


def test_schedule_list_command_prints_json(org_a, schedule, capsys):
    import json

    schedule_create_system_defaults(org=org_a, now=JULY_1)
    call_command("schedule_list", "--org", str(org_a.pk), "--json")
    data = json.loads(capsys.readouterr().out)
    names = [row["name"] for row in data["schedules"]]
    assert names == [DEFAULT_COMPOSITE, DEFAULT_SYNC, schedule.name]
    row = data["schedules"][2]
    assert (row["kind"], row["frequency"], row["run_at"]) == ("user", "daily", "03:00")
    assert row["sentence"].startswith("This backup is planned to run every 1 day(s) at 3:00 AM")
    assert data["scheduled_backups_enabled"] is True


def test_schedule_list_command_names_an_unknown_org(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No org has id 999999"):
        call_command("schedule_list", "--org", "999999")


def test_start_date_in_the_future_waits_for_it(org_a):
    schedule = make_user_schedule(org_a, now=JULY_1, start_date=date(2025, 7, 20))
    assert schedule.next_run_at == datetime(2025, 7, 20, 3, tzinfo=UTC)
