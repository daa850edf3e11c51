"""Writes for schedules (reads: jobs/schedule_selectors.py; when: jobs/recurrence.py).

- `schedule_create_system_defaults(*, org, now=None) -> list[Schedule]` — the org's two
  system schedules, Default Composite Backup (daily) and Default Composite & Sync
  Backup (monthly on the 1st); idempotent, called when an org is connected.
- `schedule_create(*, org, name, operation, recurrence, settings=None, description="",
  created_by=None, now=None, template=None) -> Schedule` — a user schedule (a Templated
  Backup names its `template`).
- `schedule_update(*, schedule, recurrence, settings, name=None, description=None,
  enabled=None, operation=None, now=None) -> Schedule` — a new recurrence moves the next
  run; a system schedule keeps its name and operation (and the daily one its rhythm).
- `schedule_delete(*, schedule) -> None` — user schedules only (ScheduleError otherwise).
- `schedules_reschedule(*, tenant, now=None) -> int` — after the tenant's time zone
  changed: every enabled, not yet due schedule of the tenant's orgs gets its next run
  from `now` in the new zone (a due run is left for the scheduler). Returns how many.
- `org_time_zone(org) -> ZoneInfo` — the tenant's time zone, in which schedules run.
"""

from dataclasses import replace
from datetime import time

from django.db import transaction
from django.utils import timezone

from jobs import recurrence as rec
from jobs.models import Job, JobSettings, Schedule
from jobs.recurrence import RecurrenceSpec

DEFAULT_COMPOSITE = "Default Composite Backup"
DEFAULT_SYNC = "Default Composite & Sync Backup"

# What each system schedule does out of the box, and which recurrences it may take.
SYSTEM_DEFAULTS = {
    Job.Operation.COMPOSITE_BACKUP: {
        "name": DEFAULT_COMPOSITE,
        "spec": {"frequency": rec.DAILY, "run_at": time(1, 0)},
        "frequencies": (rec.DAILY,),
    },
    Job.Operation.COMPOSITE_SYNC_BACKUP: {
        "name": DEFAULT_SYNC,
        "spec": {
            "frequency": rec.MONTHLY,
            "monthly_mode": rec.BY_DAY,
            "month_day": 1,
            "run_at": time(2, 0),
        },
        "frequencies": (rec.MONTHLY, rec.WEEKLY),
    },
}


class ScheduleError(Exception):
    """A change a schedule does not allow; the message says what to do instead."""


def default_job_settings() -> JobSettings:
    """Every job setting the Create form offers, checked (as the form starts)."""
    from backups.forms import OFFERED_SETTINGS

    return JobSettings(**dict.fromkeys(OFFERED_SETTINGS, True))


def org_time_zone(org):
    return rec.zone(org.tenant.time_zone)


def allowed_frequencies(schedule: Schedule | None) -> tuple[str, ...]:
    if schedule is None or not schedule.is_system:
        return (rec.DAILY, rec.WEEKLY, rec.MONTHLY)
    return SYSTEM_DEFAULTS[schedule.operation]["frequencies"]


def _apply(schedule: Schedule, spec: RecurrenceSpec, now) -> None:
    schedule.frequency = spec.frequency
    schedule.interval = spec.interval
    schedule.run_at = spec.run_at
    schedule.start_date = spec.start_date
    schedule.weekdays = sorted(spec.weekdays)
    schedule.monthly_mode = spec.monthly_mode
    schedule.month_day = spec.month_day
    schedule.month_week = spec.month_week
    schedule.month_weekday = spec.month_weekday
    schedule.next_run_at = rec.first_run(spec, now, org_time_zone(schedule.org))


def _settings_json(settings: JobSettings | dict | None) -> dict:
    if isinstance(settings, JobSettings):
        return settings.to_json()
    return JobSettings.from_json(settings or default_job_settings().to_json()).to_json()


@transaction.atomic
def schedule_create_system_defaults(*, org, now=None) -> list[Schedule]:
    now = now or timezone.now()
    today = now.astimezone(org_time_zone(org)).date()
    schedules = []
    for operation, default in SYSTEM_DEFAULTS.items():
        schedule = Schedule.objects.filter(
            org=org, kind=Schedule.Kind.SYSTEM, operation=operation
        ).first()
        if schedule is None:
            schedule = Schedule(
                org=org,
                kind=Schedule.Kind.SYSTEM,
                operation=operation,
                name=default["name"],
                settings=default_job_settings().to_json(),
            )
            _apply(schedule, RecurrenceSpec(start_date=today, **default["spec"]), now)
            schedule.save()
        schedules.append(schedule)
    return schedules


@transaction.atomic
def schedule_create(
    *,
    org,
    name: str,
    operation: str,
    recurrence: RecurrenceSpec,
    settings: JobSettings | dict | None = None,
    description: str = "",
    created_by=None,
    now=None,
    template=None,
) -> Schedule:
    if operation not in dict(Schedule.OPERATIONS):
        raise ScheduleError(f"{operation!r} cannot be scheduled; choose a composite backup.")
    if (operation == Job.Operation.TEMPLATED_BACKUP) != (template is not None):
        raise ScheduleError("A Templated Backup schedule needs a template (and only it does).")
    schedule = Schedule(
        org=org,
        kind=Schedule.Kind.USER,
        operation=operation,
        name=name.strip()[:200] or Job.Operation(operation).label,
        description=description,
        settings=_settings_json(settings),
        created_by=created_by,
        template=template,
    )
    _apply(schedule, recurrence, now or timezone.now())
    schedule.save()
    return schedule


@transaction.atomic
def schedule_update(
    *,
    schedule: Schedule,
    recurrence: RecurrenceSpec,
    settings: JobSettings | dict,
    name: str | None = None,
    description: str | None = None,
    enabled: bool | None = None,
    operation: str | None = None,
    now=None,
) -> Schedule:
    if recurrence.frequency not in allowed_frequencies(schedule):
        allowed = " or ".join(allowed_frequencies(schedule))
        raise ScheduleError(f"{schedule.name} runs {allowed}; choose that recurrence.")
    if schedule.is_system:
        if recurrence.frequency == rec.DAILY:
            # Only "Run at" changes: the default backup runs every day from its start.
            recurrence = replace(recurrence, interval=1, start_date=schedule.start_date)
    else:
        schedule.name = (name or schedule.name).strip()[:200]
        if description is not None:
            schedule.description = description
        if enabled is not None:
            schedule.enabled = enabled
        if operation is not None:
            if operation not in dict(Schedule.OPERATIONS):
                raise ScheduleError(
                    f"{operation!r} cannot be scheduled; choose a composite backup."
                )
            schedule.operation = operation
    schedule.settings = _settings_json(settings)
    _apply(schedule, recurrence, now or timezone.now())
    schedule.save()
    return schedule


@transaction.atomic
def schedules_reschedule(*, tenant, now=None) -> int:
    now = now or timezone.now()
    tz = rec.zone(tenant.time_zone)
    schedules = (
        Schedule.objects.select_for_update()
        .filter(org__tenant=tenant, enabled=True)
        .exclude(next_run_at__lte=now)
        .order_by("pk")
    )
    moved = 0
    for schedule in schedules:
        schedule.next_run_at = rec.first_run(schedule.spec, now, tz)
        schedule.save(update_fields=["next_run_at", "updated_at"])
        moved += 1
    return moved


@transaction.atomic
def schedule_delete(*, schedule: Schedule) -> None:
    if schedule.is_system:
        raise ScheduleError(
            f"{schedule.name} is a system schedule and cannot be deleted. To stop it, turn "
            "scheduled backups off in Settings → General."
        )
    schedule.delete()
