"""The queued path: backup_start hands the job to django-q2 after commit, the job fans
out one task per object, and the last object's task publishes the snapshot."""

from django_q.conf import Conf

from jobs.models import Job, JobObject
from tests.backups import engine_support
from tests.backups.engine_support import org_counts
from tests.backups.starts import backup_start
from vault import selectors

_fast_retries = engine_support._fast_retries
backup_org = engine_support.backup_org


def test_queued_backup_fans_out_per_object(
    backup_org, sfsim, monkeypatch, django_capture_on_commit_callbacks
):
    delivered = []
    monkeypatch.setattr(Conf, "SYNC", True)  # django-q2 runs each task as it is queued

    import django_q.tasks

    real_async = django_q.tasks.async_task

    def recording_async(func, *args, **kwargs):
        delivered.append((func, args))
        return real_async(func, *args, **kwargs)

    monkeypatch.setattr("jobs.services.async_task", recording_async)
    with django_capture_on_commit_callbacks(execute=True):
        job = backup_start(org=backup_org)
    job.refresh_from_db()
    assert job.status == Job.Status.COMPLETED, job.error_message
    objects = list(JobObject.objects.filter(job=job))
    assert delivered[0] == ("jobs.tasks.job_prepare_task", (job.pk,))
    assert sorted(args[0] for func, args in delivered[1:]) == sorted(o.pk for o in objects)
    assert {func for func, _ in delivered[1:]} == {"jobs.tasks.job_object_task"}
    assert selectors.snapshot_for_job(job=job).status == "published"
    totals = {o.object_name: o.records for o in objects if o.records}
    assert totals == org_counts(sfsim, totals)


def test_a_second_backup_of_the_org_waits_its_turn_instead_of_failing(backup_org):
    """Both system schedules due at once: the second job waits (queued, said once) while
    the first writes its snapshot, and the reaper starts it when the first is done."""
    from datetime import timedelta

    from django.utils import timezone

    from jobs import runner
    from jobs.models import JobLog

    first = backup_start(org=backup_org, enqueue=False)
    second = backup_start(org=backup_org, sync=True, enqueue=False)
    runner.job_prepare(first.pk)  # prepared, its objects handed to the (absent) workers
    for _ in range(2):
        runner.job_prepare(second.pk)
    second.refresh_from_db()
    assert second.status == Job.Status.QUEUED
    waiting = JobLog.objects.filter(job=second, message__startswith="Waiting: ")
    assert waiting.count() == 1
    assert f"Job {first.pk} is still writing a backup of this org" in waiting.get().message

    runner.dispatch(first, inline=True)
    first.refresh_from_db()
    assert first.status == Job.Status.COMPLETED
    Job.objects.filter(pk=second.pk).update(created_at=timezone.now() - timedelta(minutes=1))
    assert runner.reap_stale_jobs(inline=True) == [second.pk]
    second.refresh_from_db()
    assert second.status == Job.Status.COMPLETED, second.error_message
    assert not JobLog.objects.filter(job=second, message__contains="never reached")
