"""Writes of the analytics aggregates (analytics/models.py)."""

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from analytics.models import JobObjectStat, JobStat
from jobs.models import Job, JobLog, JobObject

# The quota guard's line at a job's start (salesforce/quota.py ApiQuota.summary).
REST_USE = re.compile(r"REST ([\d,]+) of ([\d,]+) calls today")


def _zone(name: str):
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _rest_limit(job: Job) -> int:
    line = (
        JobLog.objects.filter(job=job, message__contains=" calls today")
        .values_list("message", flat=True)
        .first()
    )
    match = REST_USE.search(line or "")
    return int(match.group(2).replace(",", "")) if match else 0


def _counts_records(operation: str) -> bool:
    """Backups leave each object's record count after the job in JobObject.records."""
    return "backup" in operation


def _previous(job: Job, names: list[str]) -> tuple[dict[str, JobObjectStat], int]:
    """The newest aggregates of the org before this job: per object, and the org's bytes."""
    latest = (
        JobObjectStat.objects.filter(org_id=job.org_id, object_name__in=names)
        .exclude(job_stat__job_id=job.pk)
        .values("object_name")
        .annotate(last=Max("id"))
        .values_list("last", flat=True)
    )
    objects = {row.object_name: row for row in JobObjectStat.objects.filter(id__in=list(latest))}
    org_row = (
        JobStat.objects.filter(org_id=job.org_id)
        .exclude(job_id=job.pk)
        .order_by("-finished_at", "-id")
        .values_list("stored_bytes", flat=True)
        .first()
    )
    return objects, org_row or 0


def job_stats_record(*, job: Job) -> JobStat | None:
    """The job's aggregates, replacing any earlier ones (so running it twice is safe).
    None for a job that is not final."""
    if not job.is_final or job.finished_at is None:
        return None
    units = list(JobObject.objects.filter(job=job).order_by("object_name"))
    previous, org_stored = _previous(job, [unit.object_name for unit in units])
    day = timezone.localtime(job.finished_at, _zone(job.tenant.time_zone)).date()
    counts_records = _counts_records(job.operation)
    rows = []
    for unit in units:
        before = previous.get(unit.object_name)
        completed = unit.status == JobObject.Status.COMPLETED
        records = (
            unit.records if counts_records and completed else (before.records if before else 0)
        )
        duration = unit.duration.total_seconds() if unit.started_at and unit.finished_at else 0.0
        rows.append(
            JobObjectStat(
                org_id=job.org_id,
                operation=job.operation,
                day=day,
                object_name=unit.object_name,
                records=records,
                added=unit.added,
                changed=unit.changed,
                deleted=unit.deleted,
                size_bytes=unit.size_bytes,
                stored_bytes=(before.stored_bytes if before else 0) + unit.size_bytes,
                api_calls=unit.api_calls,
                duration_seconds=duration,
            )
        )
    size = sum(row.size_bytes for row in rows)
    bulk_calls = sum(unit.api_calls for unit in units if unit.method == JobObject.Method.BULK)
    job_duration = job.duration
    with transaction.atomic():
        JobStat.objects.filter(job=job).delete()
        stat = JobStat.objects.create(
            tenant_id=job.tenant_id,
            org_id=job.org_id,
            job=job,
            operation=job.operation,
            status=job.status,
            day=day,
            finished_at=job.finished_at,
            duration_seconds=job_duration.total_seconds() if job_duration else 0.0,
            records=sum(row.records for row in rows),
            added=sum(row.added for row in rows),
            changed=sum(row.changed for row in rows),
            deleted=sum(row.deleted for row in rows),
            size_bytes=size,
            stored_bytes=org_stored + size,
            rest_calls=max(job.api_calls - bulk_calls, 0),
            bulk_calls=bulk_calls,
            rest_limit=_rest_limit(job),
        )
        for row in rows:
            row.job_stat = stat
        JobObjectStat.objects.bulk_create(rows)
    return stat


def job_stats_backfill(*, org_id: int | None = None) -> int:
    """Rebuild the aggregates of every finished job (of one org, or all), oldest first,
    so running totals add up in order. Answers how many jobs were recorded."""
    jobs = Job.objects.filter(status__in=Job.FINAL_STATUSES, finished_at__isnull=False)
    if org_id is not None:
        jobs = jobs.filter(org_id=org_id)
    with transaction.atomic():
        stats = JobStat.objects.all() if org_id is None else JobStat.objects.filter(org_id=org_id)
        stats.delete()
        done = 0
        for job in jobs.select_related("tenant").order_by("finished_at", "id").iterator():
            if job_stats_record(job=job) is not None:
                done += 1
    return done
