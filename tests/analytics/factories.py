"""A history of finished jobs for analytics tests and bench/analytics_pages.py: one
backup a day on `objects` objects (Job, JobObject and the quota guard's log line, as
the backup engine leaves them), then the analytics aggregates built from it."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from analytics.services import job_stats_backfill
from jobs.models import Job, JobLog, JobObject

STANDARD = ["Account", "Contact", "Opportunity", "Case", "Lead", "Task", "Event", "Campaign"]
REST_LIMIT = 15_000


def object_names(count: int) -> list[str]:
    names = STANDARD[:count]
    return names + [f"Custom{n}__c" for n in range(count - len(names))]


def make_history(org, *, days: int, objects: int, operation: str = "composite_backup") -> list[Job]:
    """`days` daily backups ending today (UTC), each touching every object; an error
    and an aborted job among them when the history is long enough."""
    zone = ZoneInfo(org.tenant.time_zone)
    today = timezone.localdate(timezone=zone)
    names = object_names(objects)
    jobs = []
    for n in range(days):
        day = today - timedelta(days - 1 - n)
        started = datetime.combine(day, time(2, 0), tzinfo=zone)
        status = Job.Status.COMPLETED
        if days > 5 and n == days - 3:
            status = Job.Status.ERROR
        jobs.append(
            Job(
                operation=operation,
                name=f"History day {n + 1}",
                tenant_id=org.tenant_id,
                org=org,
                status=status,
                created_at=started,
                started_at=started,
                finished_at=started + timedelta(minutes=5 + n % 7),
                api_calls=objects * 3 + 2,
            )
        )
    jobs = Job.objects.bulk_create(jobs)
    units, logs = [], []
    for n, job in enumerate(jobs):
        logs.append(
            JobLog(
                job=job,
                message=f"API use at the start: REST {100 + n:,} of {REST_LIMIT:,} calls today "
                f"(quota 80%: {REST_LIMIT * 80 // 100:,}).",
                created_at=job.started_at,
            )
        )
        for k, name in enumerate(names):
            units.append(
                JobObject(
                    job=job,
                    object_name=name,
                    status=JobObject.Status.COMPLETED,
                    method=JobObject.Method.BULK if k % 5 == 0 else JobObject.Method.REST,
                    records=1000 * (k + 1) + 10 * n,
                    added=10 if n else 1000 * (k + 1),
                    changed=3 + k % 4,
                    deleted=k % 3,
                    size_bytes=(2048 if n else 100_000) * (k + 1),
                    api_calls=3,
                    started_at=job.started_at,
                    finished_at=job.finished_at,
                )
            )
    JobObject.objects.bulk_create(units, batch_size=2000)
    JobLog.objects.bulk_create(logs)
    job_stats_backfill(org_id=org.pk)
    return jobs
