"""Writes for jobs: start, create, log, abort, enqueue. The runner (jobs/runner.py) does the rest.

- `job_start(*, org, operation, name="", settings=None, trigger=MANUAL, created_by=None,
  description="", enqueue=True, **params) -> Job` — every operation starts here: its
  registered `configure` checks the request and gives the job's settings and default name
  (ValueError with a message for the user when it is not valid); the job is queued.
- `job_run_inline(*, job, workers=1) -> Job` — run a queued job in this process (`--wait`).
- `job_create(*, org, operation, name, settings=None, trigger=MANUAL, created_by=None,
  description="") -> Job` — a queued job row; call `job_enqueue` to run it.
- `job_enqueue(*, job) -> None` — hands the job to the django-q2 workers after commit.
- `job_request_abort(*, job) -> bool` — the Abort button: a queued job stops at once, a
  running one at its next checkpoint (between chunks). True if a stop was requested.
- `job_requeue(*, job, stale_after) -> bool` — the admin's "Re-queue stuck job": a queued
  job, or an in-progress one silent for `stale_after`, is queued and enqueued again.
- `job_log(*, job, message, level=INFO, job_object=None) -> JobLog`
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_q.tasks import async_task

from jobs import registry
from jobs.models import Job, JobLog, JobObject
from jobs.registry import JobConfig
from tenants.audit import Action, audit_record

logger = logging.getLogger(__name__)
NAME_MAX = Job._meta.get_field("name").max_length


def job_start(
    *,
    org,
    operation: str,
    name: str = "",
    settings: dict | None = None,
    trigger: str = Job.Trigger.MANUAL,
    created_by=None,
    description: str = "",
    enqueue: bool = True,
    **params,
) -> Job:
    kind = registry.get(operation)
    settings = dict(settings or {})
    if kind.configure is not None:
        config = kind.configure(org=org, settings=settings, **params)
    else:
        config = JobConfig(settings=settings, name=kind.label)
    with transaction.atomic():
        job = job_create(
            org=org,
            operation=operation,
            name=name or config.name,
            settings=config.settings,
            trigger=trigger,
            created_by=created_by,
            description=description,
        )
        job_log(job=job, message=config.message or f"{kind.label} queued.")
        audit_record(
            tenant=org.tenant_id,
            action=Action.JOB_STARTED,
            actor=created_by,
            target=f"Job {job.pk}",
            detail={"operation": operation, "org": org.pk, "trigger": trigger},
        )
        if enqueue:
            job_enqueue(job=job)
    return job


def job_run_inline(*, job: Job, workers: int = 1) -> Job:
    """Run a queued job in this process; with `workers` > 1 its units run in that many
    forked processes (a file or server database only: an in-memory test database runs
    them one after the other)."""
    from jobs.runner import job_prepare

    job_prepare(job.pk, inline=True, workers=workers)
    job.refresh_from_db()
    return job


@transaction.atomic
def job_create(
    *,
    org,
    operation: str,
    name: str,
    settings: dict | None = None,
    trigger: str = Job.Trigger.MANUAL,
    created_by=None,
    description: str = "",
) -> Job:
    return Job.objects.create(
        org=org,
        tenant_id=org.tenant_id,
        operation=operation,
        # A name longer than the column is cut, never a database error.
        name=name.strip()[:NAME_MAX] or registry.label(operation),
        description=description,
        settings=dict(settings or {}),
        trigger=trigger,
        created_by=created_by,
    )


def job_enqueue(*, job: Job) -> None:
    """Start the job on a worker once the surrounding transaction commits (ids only).

    A broker that refuses the task leaves the job queued with no `enqueued_at`: the
    reaper (jobs.runner.reap_stale_jobs) hands it over again, so it never hangs."""
    job_id = job.pk

    def send() -> None:
        try:
            async_task("jobs.tasks.job_prepare_task", job_id, task_name=f"job-{job_id}")
        except Exception:
            logger.exception("job %s could not be handed to the broker; the reaper retries", job_id)
            return
        Job.objects.filter(pk=job_id).update(enqueued_at=timezone.now())

    transaction.on_commit(send)


def job_object_enqueue(*, job_object_ids: list[int]) -> None:
    def send() -> None:
        for job_object_id in job_object_ids:
            async_task(
                "jobs.tasks.job_object_task", job_object_id, task_name=f"job-object-{job_object_id}"
            )

    transaction.on_commit(send)


def job_log(
    *,
    job: Job,
    message: str,
    level: str = JobLog.Level.INFO,
    job_object: JobObject | None = None,
) -> JobLog:
    return JobLog.objects.create(job=job, job_object=job_object, level=level, message=message)


def job_request_abort(*, job: Job) -> bool:
    if job.is_final:
        return False
    job.request_abort()
    job_log(job=job, message="Abort requested.", level=JobLog.Level.WARNING)
    return True


@transaction.atomic
def job_requeue(*, job: Job, stale_after: timedelta) -> bool:
    """Support staff's "Re-queue stuck job" (Django admin): a queued job whose task may be
    lost, or an in-progress one with no heartbeat for `stale_after`, is handed to the
    workers again. Never claimed or stopped while preparing: queued and enqueued (the
    runner's claim makes a second delivery a no-op; prepare is idempotent). Stopped while
    running its objects: those in progress go back to the queue and resume from their
    saved cursors, as the reaper resumes them. False, changing nothing, for a final job
    or one whose worker is alive."""
    now = timezone.now()
    live = Q(status=Job.Status.IN_PROGRESS, heartbeat_at__gte=now - stale_after)
    open_job = Job.objects.filter(pk=job.pk, status__in=[Job.Status.QUEUED, Job.Status.IN_PROGRESS])
    if not open_job.exclude(live).update(heartbeat_at=now):
        return False
    job.refresh_from_db()
    job_log(job=job, message="Re-queued by support staff.", level=JobLog.Level.WARNING)
    if job.status == Job.Status.QUEUED or not JobObject.objects.filter(job=job).exists():
        Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED)
        job.status = Job.Status.QUEUED
        job_enqueue(job=job)
        return True
    JobObject.objects.filter(job=job, status=JobObject.Status.IN_PROGRESS).update(
        status=JobObject.Status.QUEUED
    )
    from jobs.runner import dispatch  # the runner imports this module

    transaction.on_commit(lambda: dispatch(job, inline=False))
    return True
