"""A new operation needs no edit of jobs/ or schedules/: the toy app registers one,
and it is started, run, scheduled and seen to end through the "job finished" hook."""

from datetime import UTC, datetime, time

import pytest
from django.test.utils import modify_settings
from django.urls import reverse

from jobs import registry
from jobs.models import Job
from jobs.selectors import job_summary
from jobs.services import job_run_inline, job_start
from schedules.recurrence import RecurrenceSpec
from schedules.scheduler import scheduler_tick
from schedules.services import ScheduleError, schedule_create
from tests.jobs.toy_app.apps import FINISHED


@pytest.fixture
def toy_app():
    FINISHED.clear()
    with modify_settings(INSTALLED_APPS={"append": "tests.jobs.toy_app"}):
        yield
    registry.unregister("toy_count")


def test_a_registered_operation_runs_and_fires_the_job_finished_hook(toy_app, org_a):
    job = job_start(org=org_a, operation="toy_count", settings={"rounds": 3}, enqueue=False)
    assert (job.name, job.get_operation_display()) == ("Toy count", "Toy Count")
    job = job_run_inline(job=job)
    assert job.status == Job.Status.COMPLETED
    assert (job.records, job.added) == (30, 30)
    assert [(job.pk, Job.Status.COMPLETED)] == FINISHED
    assert job_summary(job, objects=True)["objects"][0]["object"] == "Round 1"


def test_its_configure_refuses_bad_settings_before_any_job(toy_app, org_a):
    with pytest.raises(ValueError, match="1 to 5 rounds"):
        job_start(org=org_a, operation="toy_count", settings={"rounds": 9})
    assert not Job.objects.exists()


def test_it_is_scheduled_and_the_scheduler_runs_it(toy_app, org_a):
    schedule = schedule_create(
        org=org_a,
        name="Nightly toy",
        operation="toy_count",
        settings={"rounds": 2},
        recurrence=RecurrenceSpec(
            frequency="daily", run_at=time(1), start_date=datetime(2026, 1, 1).date()
        ),
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )
    with pytest.raises(ScheduleError, match="1 to 5 rounds"):
        schedule_create(
            org=org_a,
            name="Too many",
            operation="toy_count",
            settings={"rounds": 7},
            recurrence=schedule.spec,
        )
    (job,) = scheduler_tick(now=datetime(2026, 1, 2, 2, tzinfo=UTC))
    assert (job.operation, job.name, job.trigger) == ("toy_count", "Nightly toy", "user_schedule")
    job = job_run_inline(job=job)
    assert job.status == Job.Status.COMPLETED and job.records == 20
    assert [(job.pk, Job.Status.COMPLETED)] == FINISHED


def test_its_job_page_shows_its_own_tabs(toy_app, org_a, client_admin_a):
    job = job_run_inline(job=job_start(org=org_a, operation="toy_count", enqueue=False))
    page = client_admin_a.get(reverse("jobs:job", args=[org_a.pk, job.pk])).content.decode()
    assert ">Rounds</a>" in page and ">Overview</a>" in page and ">Logs</a>" in page
    assert ">Data</a>" not in page  # backups' tabs are backups' own
    assert "Toy Count" in page


def test_a_failing_hook_receiver_never_changes_the_job(toy_app, org_a):
    from jobs import hooks

    def broken(*, job):
        raise RuntimeError("the notification service is down")

    hooks.job_finished.subscribe(broken)
    try:
        job = job_run_inline(job=job_start(org=org_a, operation="toy_count", enqueue=False))
    finally:
        hooks.job_finished.unsubscribe(broken)
    assert job.status == Job.Status.COMPLETED
    assert [(job.pk, Job.Status.COMPLETED)] == FINISHED


def test_jobs_and_schedules_import_no_operation_app():
    """Every app that registers an operation is out of bounds for jobs/ and schedules/
    (the import-linter layers contract in pyproject.toml says the same for all apps)."""
    import ast
    from pathlib import Path

    operation_apps = {kind.handler.split(".")[0] for kind in registry.operations()}
    assert "backups" in operation_apps
    root = Path(__file__).resolve().parents[2]
    found = []
    for app in ("jobs", "schedules"):
        for path in (root / app).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                found += [
                    f"{path.relative_to(root)}: {name}"
                    for name in names
                    if name.split(".")[0] in operation_apps
                ]
    assert found == []
