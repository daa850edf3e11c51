"""Which notices a job yields: default notifications, custom rules and anomaly rules.

Reads only (jobs' rows and this org's notification settings); services.py turns the
notices into Delivery rows. Custom and anomaly rules are evaluated for completed jobs
from their per-object counters (JobObject.added / changed / deleted).
"""

import math
from dataclasses import dataclass, field
from datetime import timedelta
from statistics import fmean, pstdev

from jobs.models import Job, JobObject
from notifications.models import AnomalyRule, Change, CustomRule, DefaultNotification, Event

# An anomaly needs this many earlier completed jobs in the window to know what is usual.
MIN_HISTORY = 5

FINAL_EVENTS = {
    Job.Status.COMPLETED: Event.COMPLETED,
    Job.Status.ERROR: Event.FAILED,
    Job.Status.ABORTED: Event.ABORTED,
}


@dataclass(frozen=True)
class Notice:
    """Something to tell the org's recipients about one job."""

    reason: str  # an Event value, "rule" or "anomaly"
    headline: str  # one line: the subject's tail and the webhook's first line
    lines: list[str] = field(default_factory=list)  # the numbers, one per line


def default_notice(job: Job, event: str) -> Notice | None:
    enabled = DefaultNotification.objects.filter(
        org_id=job.org_id, operation=job.operation, event=event
    ).exists()
    if not enabled:
        return None
    verb = Event(event).label.lower()
    lines = []
    if event == Event.FAILED and job.error_message:
        lines.append(f"Error: {job.error_message}")
    if event in (Event.COMPLETED, Event.FAILED, Event.ABORTED):
        lines.append(
            f"Records: {job.records:,} · added {job.added:,} · changed {job.changed:,} "
            f"· deleted {job.deleted:,}"
        )
    return Notice(reason=event, headline=f"Job {job.pk} {job.name} {verb}", lines=lines)


def _counts(job: Job) -> dict[str, JobObject]:
    return {jo.object_name: jo for jo in JobObject.objects.filter(job=job)}


def rule_notices(job: Job) -> list[Notice]:
    """Custom rules whose object this job processed and whose condition holds."""
    rules = list(CustomRule.objects.filter(org_id=job.org_id))
    if not rules or job.status != Job.Status.COMPLETED:
        return []
    objects = _counts(job)
    notices = []
    for rule in rules:
        job_object = objects.get(rule.object_name)
        if job_object is None:
            continue
        count = getattr(job_object, rule.change)
        if rule.matches(count):
            label = Change(rule.change).label.lower()
            notices.append(
                Notice(
                    reason="rule",
                    headline=f'rule "{rule.describe()}" fired on job {job.pk}',
                    lines=[
                        f"Rule: {rule.describe()}",
                        f"{rule.object_name} {label} in job {job.pk}: {count:,} "
                        f"({rule.get_comparison_display()} {rule.threshold:,})",
                    ],
                )
            )
    return notices


@dataclass(frozen=True)
class Departure:
    change: str
    count: int
    mean: float
    spread: float
    samples: int


def departures(rule: AnomalyRule, job: Job, job_object: JobObject) -> list[Departure]:
    """The counters of `job_object` that depart from the object's usual volume: more than
    `rule.deviations` standard deviations from the mean of the completed jobs of the same
    operation in the trailing window, and at least `rule.minimum_count`. The spread is at
    least √mean (and 1), so a perfectly steady history does not make every wobble an alarm."""
    end = job.finished_at or job.created_at
    history = list(
        JobObject.objects.filter(
            job__org_id=job.org_id,
            job__operation=job.operation,
            job__status=Job.Status.COMPLETED,
            job__finished_at__gte=end - timedelta(days=rule.window_days),
            job__finished_at__lt=end,
            object_name=rule.object_name,
        )
        .exclude(job=job)
        .values_list("added", "changed", "deleted")
    )
    if len(history) < MIN_HISTORY:
        return []
    found = []
    for index, change in enumerate((Change.ADDED, Change.CHANGED, Change.DELETED)):
        values = [row[index] for row in history]
        count = getattr(job_object, change)
        mean = fmean(values)
        spread = max(pstdev(values), math.sqrt(mean), 1.0)
        if count >= rule.minimum_count and abs(count - mean) > float(rule.deviations) * spread:
            found.append(Departure(change, count, mean, spread, len(values)))
    return found


def anomaly_notices(job: Job) -> list[Notice]:
    rules = list(AnomalyRule.objects.filter(org_id=job.org_id))
    if not rules or job.status != Job.Status.COMPLETED:
        return []
    objects = _counts(job)
    notices = []
    for rule in rules:
        job_object = objects.get(rule.object_name)
        if job_object is None:
            continue
        for found in departures(rule, job, job_object):
            label = Change(found.change).label.lower()
            notices.append(
                Notice(
                    reason="anomaly",
                    headline=f"unusual volume: {rule.object_name} {label} {found.count:,} "
                    f"in job {job.pk}",
                    lines=[
                        f"Anomaly rule: {rule.describe()}",
                        f"{rule.object_name} {label} in job {job.pk}: {found.count:,}",
                        f"Usual over {rule.window_days} days: mean {found.mean:,.1f}, "
                        f"standard deviation {found.spread:,.1f} ({found.samples} jobs)",
                    ],
                )
            )
    return notices


def finished_notices(job: Job) -> list[Notice]:
    notices = []
    event = FINAL_EVENTS.get(job.status)  # type: ignore[call-overload]
    if event is not None and (notice := default_notice(job, event)) is not None:
        notices.append(notice)
    return notices + rule_notices(job) + anomaly_notices(job)
