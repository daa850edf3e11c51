"""Writes for schedules (reads: schedules/selectors.py; when: schedules/recurrence.py).

- `schedule_create_system_defaults(*, org, now=None) -> list[Schedule]` — the org's
  system schedules (schedules/registry.py; backups registers Default Composite Backup,
  daily, and Default Composite & Sync Backup, monthly on the 1st); idempotent, run when
  an org is connected.
- `schedule_create(*, org, name, operation, recurrence, settings=None, description="",
  created_by=None, now=None, template=None) -> Schedule` — a user schedule of any
  schedulable registered operation (a templated one names its `template`); the
  operation's `configure` checks the settings now (ScheduleError with its message).
- `schedule_update(*, schedule, recurrence, settings, name=None, description=None,
  enabled=None, operation=None, now=None) -> Schedule` — a new recurrence moves the next
  run; a system schedule keeps its name and operation (and the daily one its rhythm).
  ScheduleError (NO_RUN_LEFT) for a recurrence with no run left, here and in create.
- `schedule_delete(*, schedule) -> None` — user schedules only (ScheduleError otherwise).
- `schedules_reschedule(*, tenant, now=None) -> int` — after the tenant's time zone
  changed: every enabled, not yet due schedule of the tenant's orgs gets its next run
  from `now` in the new zone (a due run is left for the scheduler). Returns how many.
  One that has no run left in the new zone (past the end of the calendar in UTC) is
  turned off with no next run and a warning; it never raises.
- `org_time_zone(org) -> ZoneInfo` — the tenant's time zone, in which schedules run.
"""

import logging
from dataclasses import replace

from django.db import transaction
from django.utils import timezone

from jobs import registry as jobs_registry
from schedules import recurrence as rec
from schedules import registry
from schedules.models import Schedule
from schedules.recurrence import RecurrenceSpec
from tenants.time_zones import zone

NAME_MAX = Schedule._meta.get_field("name").max_length
NO_RUN_LEFT = (
    "This schedule has no run left before the end of the calendar (31 Dec 9999): give it "
    "an earlier start date."
)

logger = logging.getLogger(__name__)


class ScheduleError(Exception):
    """A change a schedule does not allow; the message says what to do instead."""


def org_time_zone(org):
    return zone(org.tenant.time_zone)


def allowed_frequencies(schedule: Schedule | None) -> tuple[str, ...]:
    if schedule is None or not schedule.is_system:
        return (rec.DAILY, rec.WEEKLY, rec.MONTHLY)
    system = registry.system_schedule_for(schedule.operation)
    return system.frequencies if system else (rec.DAILY, rec.WEEKLY, rec.MONTHLY)


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
    first = rec.first_run(spec, now, org_time_zone(schedule.org))
    if first is None:
        raise ScheduleError(NO_RUN_LEFT)
    schedule.next_run_at = first


def _check_schedulable(operation: str) -> None:
    if operation not in {kind.name for kind in jobs_registry.operations(schedulable=True)}:
        names = ", ".join(label for _, label in jobs_registry.choices(schedulable=True))
        raise ScheduleError(f"{operation!r} cannot be scheduled; choose one of: {names}.")


@transaction.atomic
def schedule_create_system_defaults(*, org, now=None) -> list[Schedule]:
    now = now or timezone.now()
    today = now.astimezone(org_time_zone(org)).date()
    schedules = []
    for default in registry.system_schedules():
        schedule = Schedule.objects.filter(
            org=org, kind=Schedule.Kind.SYSTEM, operation=default.operation
        ).first()
        if schedule is None:
            schedule = Schedule(
                org=org,
                kind=Schedule.Kind.SYSTEM,
                operation=default.operation,
                name=default.name,
                settings=dict(default.settings),
            )
            _apply(schedule, RecurrenceSpec(start_date=today, **default.recurrence), now)
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
    settings: dict | None = None,
    description: str = "",
    created_by=None,
    now=None,
    template=None,
) -> Schedule:
    _check_schedulable(operation)
    if template is not None and template.org_id != org.pk:
        raise ScheduleError("This template belongs to another org.")
    try:
        # The operation checks its settings (and template) now, not at the first run.
        config = jobs_registry.get(operation).configure
        if config is not None:
            extra = {"template": template} if template is not None else {}
            config(org=org, settings=dict(settings or {}), **extra)
    except (TypeError, ValueError) as exc:
        raise ScheduleError(str(exc) or "These settings cannot be scheduled.") from None
    schedule = Schedule(
        org=org,
        kind=Schedule.Kind.USER,
        operation=operation,
        name=name.strip()[:NAME_MAX] or jobs_registry.label(operation),
        description=description,
        settings=dict(settings or {}),
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
    settings: dict,
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
        # Only running out of runs turns a system schedule off; a new recurrence is on.
        schedule.enabled = True
    else:
        schedule.name = (name or schedule.name).strip()[:NAME_MAX]
        if description is not None:
            schedule.description = description
        if enabled is not None:
            schedule.enabled = enabled
        if operation is not None:
            _check_schedulable(operation)
            schedule.operation = operation
    schedule.settings = dict(settings)
    _apply(schedule, recurrence, now or timezone.now())
    schedule.save()
    return schedule


@transaction.atomic
def schedules_reschedule(*, tenant, now=None) -> int:
    now = now or timezone.now()
    tz = zone(tenant.time_zone)
    schedules = (
        Schedule.objects.select_for_update()
        .filter(org__tenant=tenant, enabled=True)
        .exclude(next_run_at__lte=now)
        .order_by("pk")
    )
    moved = 0
    for schedule in schedules:
        schedule.next_run_at = rec.first_run(schedule.spec, now, tz)
        if schedule.next_run_at is None:
            schedule.enabled = False
            logger.warning(
                "schedule %s %r of org %s turned off: it has no run left before the end of "
                "the calendar in %s",
                schedule.pk,
                schedule.name,
                schedule.org_id,
                tenant.time_zone,
            )
        schedule.save(update_fields=["next_run_at", "enabled", "updated_at"])
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


def schedules_on_org_connected(*, org) -> None:
    """orgs.hooks.org_connected: the org's system schedules."""
    schedule_create_system_defaults(org=org)


def schedules_on_time_zone_changed(*, tenant) -> None:
    """tenants.hooks.time_zone_changed: the next runs in the new zone."""
    schedules_reschedule(tenant=tenant)
