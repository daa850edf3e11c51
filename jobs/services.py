"""Writes for jobs: create, log, abort, enqueue. The runner (jobs/runner.py) does the rest.

- `job_create(*, org, operation, name, settings=None, trigger=MANUAL, created_by=None,
  description="") -> Job` — a queued job; call `job_enqueue` to run it.
- `job_enqueue(*, job) -> None` — hands the job to the django-q2 workers after commit.
- `job_request_abort(*, job) -> bool` — the Abort button: a queued job stops at once, a
  running one at its next checkpoint (between chunks). True if a stop was requested.
- `job_log(*, job, message, level=INFO, job_object=None) -> JobLog`
"""

from django.db import transaction
from django_q.tasks import async_task

from jobs.models import Job, JobLog, JobObject, JobSettings


@transaction.atomic
def job_create(
    *,
    org,
    operation: str,
    name: str,
    settings: JobSettings | dict | None = None,
    trigger: str = Job.Trigger.MANUAL,
    created_by=None,
    description: str = "",
) -> Job:
    if isinstance(settings, JobSettings):
        settings = settings.to_json()
    return Job.objects.create(
        org=org,
        tenant_id=org.tenant_id,
        operation=operation,
        name=name.strip()[:200] or Job.Operation(operation).label,
        description=description,
        settings=JobSettings.from_json(settings).to_json(),
        trigger=trigger,
        created_by=created_by,
    )


def job_enqueue(*, job: Job) -> None:
    """Start the job on a worker once the surrounding transaction commits (ids only)."""
    job_id = job.pk
    transaction.on_commit(
        lambda: async_task("jobs.tasks.job_prepare_task", job_id, task_name=f"job-{job_id}")
    )


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
