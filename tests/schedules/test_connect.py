"""Connecting an org gives it its two system schedules; the scheduler command runs a pass."""

import json
from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from backups.operations import DEFAULT_COMPOSITE, DEFAULT_SYNC
from jobs.models import Job
from orgs.models import Org
from schedules.models import Schedule
from tests.schedules.factories import make_user_schedule


def test_connecting_an_org_creates_its_two_system_schedules(sfsim, tenant_a):
    creds = sfsim.credentials[0]
    out = StringIO()
    call_command(
        "org_connect",
        "--tenant",
        "tenant a",
        "--name",
        "Scheduled",
        "--login-url",
        creds["login_url"],
        "--username",
        creds["username"],
        "--password",
        creds["password"],
        "--client-id",
        creds["client_id"],
        "--client-secret",
        creds["client_secret"],
        "--ca-bundle",
        sfsim.ca_path,
        "--generate-key",
        "--json",
        stdout=out,
    )
    org = Org.objects.get(pk=json.loads(out.getvalue())["org_id"])
    schedules = Schedule.objects.filter(org=org)
    assert {(s.name, s.kind, s.operation, s.frequency) for s in schedules} == {
        (DEFAULT_COMPOSITE, "system", "composite_backup", "daily"),
        (DEFAULT_SYNC, "system", "composite_sync_backup", "monthly"),
    }
    now = timezone.now()
    for schedule in schedules:
        assert now < schedule.next_run_at <= now + timedelta(days=32)


def test_scheduler_once_queues_due_runs(org_a):
    schedule = make_user_schedule(org_a)
    Schedule.objects.filter(pk=schedule.pk).update(
        next_run_at=timezone.now() - timedelta(minutes=1)
    )
    out = StringIO()
    call_command("scheduler", "--once", "--json", stdout=out)
    result = json.loads(out.getvalue())
    job = Job.objects.get(org=org_a)
    assert result == {"queued_job_ids": [job.pk], "reaped_job_ids": []}
    assert job.trigger == Job.Trigger.USER_SCHEDULE
    schedule.refresh_from_db()
    assert schedule.next_run_at > timezone.now() and schedule.last_job == job
