"""analytics' receivers of lower apps' hooks (subscribed in AnalyticsConfig.ready)."""

from analytics.services import job_stats_record


def record_job_stats(*, job, **_kwargs) -> None:
    """jobs.hooks.job_finished: write the job's per-object aggregates."""
    job_stats_record(job=job)
