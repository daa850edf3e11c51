"""Reads of jobs, always scoped: by an `org` obtained through
orgs.selectors.org_get(tenant=..., org_id=...), or by a `job` obtained through
`job_get` below. A foreign tenant's id raises Http404.

Functions for pages:

- `job_get(*, org, job_id) -> Job` (Http404 if not this org's job)
- `job_list(*, org, operations=None, statuses=None, date_from=None, date_to=None,
  search="") -> QuerySet[Job]` — newest first; `operations` / `statuses` are lists of
  registered operation names / Job.Status values; dates are `datetime.date` (inclusive, days in
  the active time zone: the tenant's, see tenants/middleware.py);
  `search` matches the name (case-insensitive).
- `job_recent(*, org, days=14) -> QuerySet[Job]` — jobs created in the last `days`.
- `job_objects(*, job, status=None, search="", order="object_name") -> QuerySet[JobObject]`
  — `order` is one of JOB_OBJECT_ORDERS (prefix "-" for descending).
- `job_object_get(*, job, object_name) -> JobObject` (Http404)
- `job_object_status_counts(*, job) -> dict` — {"total": n, "queued": n,
  "in_progress": n, "exception": n, "completed": n} in one query.
- `job_logs(*, job, job_object=None, level=None) -> QuerySet[JobLog]` — oldest first.
"""

from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.utils import timezone

from jobs.models import Job, JobLog, JobObject

JOB_OBJECT_ORDERS = (
    "object_name",
    "records",
    "added",
    "changed",
    "deleted",
    "size_bytes",
    "api_calls",
    "status",
)


def job_get(*, org, job_id: int) -> Job:
    return get_object_or_404(Job.objects.select_related("org", "created_by"), org=org, pk=job_id)


def job_list(
    *,
    org,
    operations: list[str] | None = None,
    statuses: list[str] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    search: str = "",
):
    jobs = Job.objects.filter(org=org)
    if operations:
        jobs = jobs.filter(operation__in=operations)
    if statuses:
        jobs = jobs.filter(status__in=statuses)
    start = _midnight(date_from) if date_from else None
    if start is not None:
        jobs = jobs.filter(created_at__gte=start)
    # Up to the day after, at midnight in the viewer's zone (the last day has no day after).
    end = _midnight(date_to + timedelta(days=1)) if date_to and date_to < date.max else None
    if end is not None:
        jobs = jobs.filter(created_at__lt=end)
    if search.strip():
        jobs = jobs.filter(name__icontains=search.strip())
    return jobs.order_by("-created_at", "-id")


def _midnight(day: date) -> datetime | None:
    """Midnight of `day` in the active zone, or None when that moment is outside the
    calendar in UTC (year 1 east of Greenwich, year 9999 west): no job is that old or that
    late, so the bound filters nothing."""
    moment = datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
    try:
        moment.astimezone(UTC)
    except OverflowError:
        return None
    return moment


def job_recent(*, org, days: int = 14):
    since = timezone.now() - timedelta(days=days)
    return Job.objects.filter(org=org, created_at__gte=since).order_by("created_at")


def job_objects(*, job, status: str | None = None, search: str = "", order: str = "object_name"):
    rows = JobObject.objects.filter(job=job)
    if status:
        rows = rows.filter(status=status)
    if search.strip():
        rows = rows.filter(object_name__icontains=search.strip())
    if order.lstrip("-") not in JOB_OBJECT_ORDERS:
        order = "object_name"
    return rows.order_by(order, "object_name")


def job_object_get(*, job, object_name: str) -> JobObject:
    return get_object_or_404(JobObject, job=job, object_name=object_name)


def job_object_status_counts(*, job) -> dict[str, int]:
    counts = {status: 0 for status in JobObject.Status.values}
    for row in JobObject.objects.filter(job=job).values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    counts["total"] = sum(counts.values())
    return counts


def job_logs(*, job, job_object: JobObject | None = None, level: str | None = None):
    rows = JobLog.objects.filter(job=job).select_related("job_object")
    if job_object is not None:
        rows = rows.filter(job_object=job_object)
    if level:
        rows = rows.filter(level=level)
    return rows.order_by("id")


def active_job_ids(*, org) -> list[int]:
    """Ids of the org's queued or running jobs (orgs.hooks.org_active_jobs)."""
    return list(
        Job.objects.filter(org=org, status__in=[Job.Status.QUEUED, Job.Status.IN_PROGRESS])
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def job_summary(job: Job, *, objects: bool = False, logs: bool = False) -> dict:
    """A job as JSON: `backup_run --json`, `job_show --json` and the overview's figures.
    `kept` is False when the job's data was discarded (it ended without completing)."""
    data = {
        "job_id": job.pk,
        "org_id": job.org_id,
        "operation": job.operation,
        "name": job.name,
        "trigger": job.trigger,
        "status": job.status,
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "records": job.records,
        "added": job.added,
        "changed": job.changed,
        "deleted": job.deleted,
        "size_bytes": job.size_bytes,
        "api_calls": job.api_calls,
        "error": job.error_message,
        "settings": job.settings,
    }
    if objects:
        data["objects"] = [
            {
                "object": o.object_name,
                "status": o.status,
                "method": o.method,
                "records": o.records,
                "added": o.added,
                "changed": o.changed,
                "deleted": o.deleted,
                "size_bytes": o.size_bytes,
                "api_calls": o.api_calls,
                "error": o.error_message,
            }
            for o in JobObject.objects.filter(job=job).order_by("object_name")
        ]
    if logs:
        data["logs"] = [
            {"at": line.created_at.isoformat(), "level": line.level, "message": line.message}
            for line in JobLog.objects.filter(job=job).order_by("id")
        ]
    return data
