"""Reads for the Analytics pages. Every function takes an org the caller already got
through `orgs.selectors.org_get` (so scoped to the caller's tenant) and runs a fixed
number of queries, whatever the length of the history."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Max, Q, Sum

from analytics.models import JobObjectStat, JobStat
from analytics.ranges import DateRange
from jobs import registry
from jobs.models import Job
from orgs.models import Org


def _in(rng: DateRange) -> Q:
    return Q(day__gte=rng.start, day__lte=rng.end)


def timeline(*, org: Org, rng: DateRange) -> dict[tuple[date, str], int]:
    """{(day, operation): jobs finished that day}. One query."""
    rows = (
        JobStat.objects.filter(_in(rng), org=org)
        .values_list("day", "operation")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(day, operation): n for day, operation, n in rows}


def activity(*, org: Org, limit: int = 15) -> list[Job]:
    """The org's latest operations, running ones included. One query."""
    return list(Job.objects.filter(org=org).order_by("-created_at", "-id")[:limit])


@dataclass
class OperationSummary:
    operation: str
    jobs: int = 0
    completed: int = 0
    failed: int = 0
    aborted: int = 0
    records: int = 0
    added: int = 0
    changed: int = 0
    deleted: int = 0
    size_bytes: int = 0
    api_calls: int = 0

    @property
    def label(self) -> str:
        return registry.label(self.operation)


@dataclass
class Summary:
    operations: list[OperationSummary] = field(default_factory=list)
    stored_bytes: int = 0  # stored by the end of the range
    stored_bytes_before: int = 0  # stored when the range began

    @property
    def stored_growth(self) -> int:
        return self.stored_bytes - self.stored_bytes_before


def summary(*, org: Org, rng: DateRange) -> Summary:
    """Operations and storage in the range. Three queries."""
    rows = (
        JobStat.objects.filter(_in(rng), org=org)
        .values("operation")
        .annotate(
            jobs=Count("id"),
            completed=Count("id", filter=Q(status=Job.Status.COMPLETED)),
            failed=Count("id", filter=Q(status=Job.Status.ERROR)),
            aborted=Count("id", filter=Q(status=Job.Status.ABORTED)),
            added=Sum("added"),
            changed=Sum("changed"),
            deleted=Sum("deleted"),
            size_bytes=Sum("size_bytes"),
            rest=Sum("rest_calls"),
            bulk=Sum("bulk_calls"),
        )
        .order_by("operation")
    )
    result = Summary()
    for row in rows:
        result.operations.append(
            OperationSummary(
                operation=row["operation"],
                jobs=row["jobs"],
                completed=row["completed"],
                failed=row["failed"],
                aborted=row["aborted"],
                added=row["added"] or 0,
                changed=row["changed"] or 0,
                deleted=row["deleted"] or 0,
                size_bytes=row["size_bytes"] or 0,
                api_calls=(row["rest"] or 0) + (row["bulk"] or 0),
            )
        )
    stored = JobStat.objects.filter(org=org).order_by("-finished_at", "-id")
    result.stored_bytes = (
        stored.filter(day__lte=rng.end).values_list("stored_bytes", flat=True).first() or 0
    )
    result.stored_bytes_before = (
        stored.filter(day__lt=rng.start).values_list("stored_bytes", flat=True).first() or 0
    )
    return result


@dataclass
class ApiDay:
    rest: int = 0
    bulk: int = 0
    rest_limit: int = 0


def api_usage(*, org: Org, rng: DateRange) -> dict[date, ApiDay]:
    """{day: REST and Bulk calls of OrgVault's jobs, and the org's daily REST limit as
    the quota guard last read it that day (0 if no job recorded it)}. One query."""
    rows = (
        JobStat.objects.filter(_in(rng), org=org)
        .values_list("day")
        .annotate(rest=Sum("rest_calls"), bulk=Sum("bulk_calls"), limit=Max("rest_limit"))
        .order_by()
    )
    return {
        day: ApiDay(rest=rest or 0, bulk=bulk or 0, rest_limit=limit or 0)
        for day, rest, bulk, limit in rows
    }


def durations(*, org: Org, rng: DateRange) -> list[tuple[date, str, float, int]]:
    """(day, operation, seconds, job id) of each finished job in the range. One query."""
    return list(
        JobStat.objects.filter(_in(rng), org=org)
        .order_by("finished_at", "id")
        .values_list("day", "operation", "duration_seconds", "job_id")
    )


@dataclass
class ObjectPoint:
    records: int
    stored_bytes: int


def growth(
    *, org: Org, rng: DateRange
) -> tuple[dict[str, ObjectPoint], list[tuple[date, str, int, int]]]:
    """(each object's last point before the range, the range's points in order as
    (day, object, records, stored bytes)). Two queries."""
    before_ids = (
        JobObjectStat.objects.filter(org=org, day__lt=rng.start)
        .values("object_name")
        .annotate(last=Max("id"))
        .values("last")
    )
    baseline = {
        name: ObjectPoint(records=records, stored_bytes=stored)
        for name, records, stored in JobObjectStat.objects.filter(id__in=before_ids).values_list(
            "object_name", "records", "stored_bytes"
        )
    }
    points = list(
        JobObjectStat.objects.filter(_in(rng), org=org)
        .order_by("id")
        .values_list("day", "object_name", "records", "stored_bytes")
    )
    return baseline, points


def lifecycle(*, org: Org, rng: DateRange) -> list[tuple[str, int, int, int]]:
    """(object, created, updated, deleted) in the range, objects by name. One query."""
    rows = (
        JobObjectStat.objects.filter(_in(rng), org=org)
        .values_list("object_name")
        .annotate(a=Sum("added"), c=Sum("changed"), d=Sum("deleted"))
        .order_by("object_name")
    )
    return [(name, a or 0, c or 0, d or 0) for name, a, c, d in rows]
