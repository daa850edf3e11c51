"""Schedules for tests, made through jobs.schedule_services."""

from datetime import date, time

from jobs.models import Job
from jobs.recurrence import RecurrenceSpec
from jobs.schedule_services import schedule_create


def make_user_schedule(org, *, name="Nightly extra", now=None, **spec) -> object:
    values = {"run_at": time(3, 0), "start_date": date(2025, 7, 1), **spec}
    return schedule_create(
        org=org,
        name=name,
        operation=Job.Operation.COMPOSITE_BACKUP,
        recurrence=RecurrenceSpec(**values),
        now=now,
    )
