"""search's hook receivers (subscribed in SearchConfig.ready)."""

from django_q.tasks import async_task

from jobs.models import Job
from search.blind_index import pending_segments


def on_job_finished(*, job: Job, **_) -> None:
    """jobs.hooks.job_finished: a job that wrote segments (a backup, an archive, a
    purge's rewrite) leaves them to be indexed; queue the task that does it."""
    if job.org_id is None or not pending_segments(org=job.org).exists():
        return
    async_task("search.tasks.index_pending_task", job.org_id, task_name=f"search-index-{job.pk}")
