"""django-q2 entry points: load by id, hand over to the runner."""

from jobs import runner


def job_prepare_task(job_id: int) -> None:
    runner.job_prepare(job_id)


def job_object_task(job_object_id: int) -> None:
    runner.job_object_run(job_object_id)


def jobs_reap_task() -> list[int]:
    """Run every minute by django-q2's scheduler (jobs/migrations/0008): a restarted
    cluster resumes a killed job by itself."""
    return runner.reap_stale_jobs()
