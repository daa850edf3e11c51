"""Schedules for tests, made through schedules.services."""

from datetime import date, time

from schedules.recurrence import RecurrenceSpec
from schedules.services import schedule_create


def make_user_schedule(org, *, name="Nightly extra", now=None, **spec) -> object:
    values = {"run_at": time(3, 0), "start_date": date(2025, 7, 1), **spec}
    return schedule_create(
        org=org,
        name=name,
        operation="composite_backup",
        recurrence=RecurrenceSpec(**values),
        now=now,
    )
