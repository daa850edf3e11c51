"""Reads of schedules, scoped by an `org` from orgs.selectors.org_get (tenant-checked).

- `schedule_list(*, org, kind=None) -> QuerySet[Schedule]` — with the last job.
- `schedule_get(*, org, schedule_id) -> Schedule` (Http404 if not this org's).
- `schedule_sentence(*, org, spec, now=None) -> str` — the "This backup is planned to
  run ..." sentence, starting at the first run from now (or from the start date).
- `schedule_cards(*, org, now=None) -> dict` — {"system": [...], "user": [...]} of
  ScheduleCard (schedule, sentence, next run and last run in the tenant's time zone).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from schedules import recurrence
from schedules.models import Schedule
from schedules.services import org_time_zone


@dataclass(frozen=True)
class ScheduleCard:
    schedule: Schedule
    sentence: str
    next_run: datetime | None
    last_run: datetime | None


def schedule_list(*, org, kind: str | None = None) -> QuerySet[Schedule]:
    schedules = Schedule.objects.filter(org=org).select_related("last_job")
    if kind is not None:
        schedules = schedules.filter(kind=kind)
    return schedules.order_by("kind", "pk")  # system first, then in order of creation


def schedule_get(*, org, schedule_id: int) -> Schedule:
    return get_object_or_404(
        Schedule.objects.select_related("org__tenant"), org=org, pk=schedule_id
    )


def schedule_sentence(*, org, spec: recurrence.RecurrenceSpec, now=None) -> str:
    tz = org_time_zone(org)
    now = now or timezone.now()
    start = datetime.combine(spec.start_date, datetime.min.time(), tzinfo=tz)
    first = recurrence.first_run(spec, max(now, start), tz)
    return recurrence.describe(spec, first, tz)


def schedule_cards(*, org, now=None) -> dict[str, list[ScheduleCard]]:
    tz = org_time_zone(org)
    cards: dict[str, list[ScheduleCard]] = {"system": [], "user": []}
    for schedule in schedule_list(org=org):
        cards[schedule.kind].append(
            ScheduleCard(
                schedule=schedule,
                sentence=schedule_sentence(org=org, spec=schedule.spec, now=now),
                next_run=schedule.next_run_at.astimezone(tz) if schedule.next_run_at else None,
                last_run=schedule.last_run_at.astimezone(tz) if schedule.last_run_at else None,
            )
        )
    return cards


def schedule_names_using_template(*, template) -> list[str]:
    """Names of the schedules that run this object template (it cannot be deleted then)."""
    return list(Schedule.objects.filter(template=template).values_list("name", flat=True))
