"""The runner with a stand-in handler: claims, fan-out, errors, abort, recovery."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jobs import runner
from jobs.models import Job, JobLog, JobObject
from jobs.services import job_create, job_enqueue, job_request_abort

CALLS: list[tuple] = []


class FakeHandler:
    """Three objects; `fail` and `abort_at` make one of them misbehave."""

    fail: str | None = None
    abort_at: str | None = None

    def prepare(self, ctx):
        CALLS.append(("prepare", ctx.job.pk))
        for name in ("Account", "Contact", "Lead"):
            JobObject.objects.get_or_create(job=ctx.job, object_name=name)

    def process(self, ctx, job_object):
        CALLS.append(("process", job_object.object_name))
        if job_object.object_name == self.fail:
            raise ValueError("INVALID_FIELD: No such column 'Foo' on entity 'Contact'")
        if job_object.object_name == self.abort_at:
            job_request_abort(job=ctx.job)
            ctx.checkpoint()
        job_object.save_progress(records=10, added=10, api_calls=2, size_bytes=100)

    def finish(self, ctx, status):
        CALLS.append(("finish", status))


@pytest.fixture
def handler(monkeypatch):
    from jobs import registry
    from jobs.registry import OperationType

    CALLS.clear()
    FakeHandler.fail = None
    FakeHandler.abort_at = None
    registry.register(
        OperationType(
            name="fake_count", label="Fake Count", handler="tests.jobs.test_runner.FakeHandler"
        )
    )
    yield FakeHandler
    registry.unregister("fake_count")


@pytest.fixture
def job(org_a, handler):
    return job_create(org=org_a, operation="fake_count", name="Fake count 1")


def test_claim_is_exclusive(job):
    other = Job.objects.get(pk=job.pk)
    assert job.claim() is True
    assert other.claim() is False
    assert Job.objects.get(pk=job.pk).status == Job.Status.IN_PROGRESS


def test_inline_run_completes_and_rolls_up_counters(job):
    runner.job_prepare(job.pk, inline=True)
    job.refresh_from_db()
    assert job.status == Job.Status.COMPLETED
    assert (job.records, job.added, job.api_calls, job.size_bytes) == (30, 30, 6, 300)
    assert CALLS.count(("finish", Job.Status.COMPLETED)) == 1
    assert set(JobObject.objects.filter(job=job).values_list("status", flat=True)) == {"completed"}
    runner.job_prepare(job.pk, inline=True)  # a re-delivered task does nothing
    assert [c for c in CALLS if c[0] == "prepare"] == [("prepare", job.pk)]


def test_failing_object_puts_job_in_error_with_readable_log(job, handler):
    handler.fail = "Contact"
    runner.job_prepare(job.pk, inline=True)
    job.refresh_from_db()
    assert job.status == Job.Status.ERROR
    contact = JobObject.objects.get(job=job, object_name="Contact")
    assert contact.status == JobObject.Status.EXCEPTION
    assert "No such column 'Foo'" in contact.error_message
    errors = JobLog.objects.filter(job=job, level=JobLog.Level.ERROR)
    assert any("Contact failed: INVALID_FIELD" in line.message for line in errors)
    assert JobObject.objects.get(job=job, object_name="Lead").status == "completed"
    assert ("finish", Job.Status.ERROR) in CALLS


def test_abort_stops_between_chunks(job, handler):
    handler.abort_at = "Account"
    runner.job_prepare(job.pk, inline=True)
    job.refresh_from_db()
    assert job.status == Job.Status.ABORTED
    assert ("process", "Contact") not in CALLS
    assert ("finish", Job.Status.ABORTED) in CALLS


def test_abort_of_a_queued_job_is_immediate(job):
    job_request_abort(job=job)
    job.refresh_from_db()
    assert job.status == Job.Status.ABORTED and job.finished_at is not None
    runner.job_prepare(job.pk, inline=True)
    assert CALLS == []


def _crash(job, object_name="Contact"):
    """What a SIGKILL leaves behind: in progress, one object half done, heartbeat old."""
    job.claim()
    FakeHandler().prepare(runner.JobContext(job))
    JobObject.objects.filter(job=job, object_name="Account").update(status="completed")
    JobObject.objects.filter(job=job, object_name=object_name).update(
        status="in_progress", cursor={"locator": "2000"}
    )
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=5))


def test_reaper_resumes_once_from_saved_cursor(job):
    _crash(job)
    assert runner.reap_stale_jobs(inline=True) == [job.pk]
    job.refresh_from_db()
    assert job.status == Job.Status.COMPLETED and job.resumes == 1
    assert ("process", "Account") not in CALLS  # completed work is not redone
    assert JobObject.objects.get(job=job, object_name="Contact").cursor == {"locator": "2000"}
    assert JobLog.objects.filter(job=job, message__contains="resuming").exists()


def test_reaper_ends_a_job_that_stopped_twice(job):
    _crash(job)
    Job.objects.filter(pk=job.pk).update(resumes=1)
    assert runner.reap_stale_jobs() == [job.pk]
    job.refresh_from_db()
    assert job.status == Job.Status.ERROR
    assert "The worker running this job stopped" in job.error_message
    assert "the job was ended" in job.error_message
    assert ("finish", Job.Status.ERROR) in CALLS
    assert not JobObject.objects.filter(job=job, status__in=["queued", "in_progress"]).exists()


def test_reaper_leaves_fresh_jobs_alone(job):
    job.claim()
    assert runner.reap_stale_jobs() == []


def test_enqueue_passes_ids_after_commit(job, monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr("jobs.services.async_task", lambda *args, **kw: sent.append(args))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job_enqueue(job=job)
    assert sent == []
    for callback in callbacks:
        callback()
    assert sent == [("jobs.tasks.job_prepare_task", job.pk)]


def test_a_redelivered_object_task_does_not_run_twice(job):
    job.claim()
    FakeHandler().prepare(runner.JobContext(job))
    account = JobObject.objects.get(job=job, object_name="Account")
    assert account.claim() is True  # the first delivery is running it
    runner.job_object_run(account.pk)  # the same task delivered again
    assert ("process", "Account") not in CALLS
    assert JobObject.objects.get(pk=account.pk).status == JobObject.Status.IN_PROGRESS


def test_checkpoint_heartbeats_at_most_once_a_second_and_sees_abort_at_once(job):
    job.claim()
    ctx = runner.JobContext(job)
    old = timezone.now() - timedelta(minutes=5)
    job.heartbeat_at = old
    Job.objects.filter(pk=job.pk).update(heartbeat_at=old)
    ctx.checkpoint()  # the last heartbeat is old: written now
    written = Job.objects.get(pk=job.pk).heartbeat_at
    assert written > old

    Job.objects.filter(pk=job.pk).update(heartbeat_at=old)
    ctx.checkpoint()  # a heartbeat less than a second ago: no write this time
    assert Job.objects.get(pk=job.pk).heartbeat_at == old

    job_request_abort(job=job)
    with pytest.raises(runner.JobAborted):
        ctx.checkpoint()  # the status is read at every checkpoint
