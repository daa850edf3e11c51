"""A job never hangs in "queued": a task that never reached the broker (the scheduler
was killed between saving the run and sending it, or the broker was down) is sent again
by the reaper, which the scheduler loop and every qcluster run."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jobs import runner
from jobs import services as job_services
from jobs.models import Job, JobLog
from jobs.registry import OperationType


@pytest.fixture
def toy_operation():
    from jobs import registry

    registry.register(
        OperationType(name="toy_lost", label="Toy", handler="tests.jobs.test_runner.FakeHandler")
    )
    yield
    registry.unregister("toy_lost")


@pytest.fixture
def sent(monkeypatch) -> list[tuple]:
    """The tasks handed to the broker (the real one: ORM or Redis), as (function, args)."""
    calls: list[tuple] = []
    real = job_services.async_task

    def recording(func, *args, **kwargs):
        calls.append((func, args))
        return real(func, *args, **kwargs)

    monkeypatch.setattr(job_services, "async_task", recording)
    return calls


def _age(job: Job, seconds: int) -> None:
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(seconds=seconds))


def test_a_job_saved_but_never_sent_is_sent_by_the_reaper(
    org_a, toy_operation, sent, django_capture_on_commit_callbacks
):
    # What a scheduler killed after its commit leaves: the row, and no task behind it.
    job = job_services.job_start(org=org_a, operation="toy_lost", enqueue=False)
    assert runner.reap_stale_jobs() == []  # just created: its sender may still be at work
    _age(job, 60)
    with django_capture_on_commit_callbacks(execute=True):
        assert runner.reap_stale_jobs() == [job.pk]
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED and job.enqueued_at is not None
    assert sent == [("jobs.tasks.job_prepare_task", (job.pk,))]
    assert (
        JobLog.objects.filter(job=job, message__contains="never reached the workers").count() == 1
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert runner.reap_stale_jobs() == []  # sent: not again


def test_a_broker_that_is_down_leaves_the_job_for_the_reaper(
    org_a, toy_operation, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(job_services, "async_task", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        job = job_services.job_start(org=org_a, operation="toy_lost")  # no exception
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED and job.enqueued_at is None
    monkeypatch.undo()
    _age(job, 60)
    real = job_services.async_task
    sent = []
    monkeypatch.setattr(
        job_services, "async_task", lambda func, *a, **k: sent.append(a) or real(func, *a, **k)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert runner.reap_stale_jobs() == [job.pk]
    assert sent == [(job.pk,)]
    job.refresh_from_db()
    assert job.enqueued_at is not None


def test_the_reaper_runs_a_lost_job_inline_to_the_end(org_a, toy_operation):
    job = job_services.job_start(org=org_a, operation="toy_lost", enqueue=False)
    _age(job, 60)
    assert runner.reap_stale_jobs(inline=True) == [job.pk]
    job.refresh_from_db()
    assert job.status == Job.Status.COMPLETED


def test_every_qcluster_reaps_every_minute(db):
    from django_q.models import Schedule

    reaper = Schedule.objects.get(func="jobs.tasks.jobs_reap_task")
    assert (reaper.schedule_type, reaper.minutes, reaper.repeats) == (Schedule.MINUTES, 1, -1)
