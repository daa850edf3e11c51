"""The scheduler: turns due schedules into queued jobs, each due run exactly once.

- `scheduler_tick(*, now=None) -> list[Job]` — one pass: every enabled schedule whose
  `next_run_at` has come is claimed and its job queued. Returns the jobs it queued.
- `scheduler_loop(*, interval=15.0, stop=None) -> None` — `manage.py scheduler`: reap
  stale jobs (jobs.runner.reap_stale_jobs), tick, sleep; until `stop()` is true.

Any number of schedulers may run against the same database. A run is claimed with one
conditional update, `filter(pk=..., next_run_at=<value read>).update(next_run_at=<next>)`;
only the scheduler whose update changed a row queues the job, in the same transaction,
so a run is never queued twice nor lost half-way. The next run is the first slot after
*now*: after downtime a missed run runs once, not once per missed slot.

A run that is the schedule's last before the end of the calendar (31 Dec 9999 in UTC)
runs, then the schedule is turned off with no next run and a warning.

An org whose scheduled backups are off (Settings → General), or that is not connected,
has its due runs skipped: they move on without a job, so turning scheduling back on
does not start a burst of stale runs.
"""

import logging
import time
from typing import Any

from django.db import transaction
from django.utils import timezone

from jobs import registry
from jobs.models import Job
from jobs.services import job_log, job_start
from schedules.models import Schedule
from schedules.recurrence import next_run_after
from schedules.services import org_time_zone

logger = logging.getLogger(__name__)

TRIGGERS: dict[str, str] = {
    Schedule.Kind.SYSTEM: Job.Trigger.SYSTEM_SCHEDULE,
    Schedule.Kind.USER: Job.Trigger.USER_SCHEDULE,
}


def scheduler_tick(*, now=None) -> list[Job]:
    now = now or timezone.now()
    due = list(
        Schedule.objects.filter(enabled=True, next_run_at__lte=now)
        .order_by("next_run_at", "pk")
        .values_list("pk", "next_run_at")
    )
    jobs = []
    for schedule_id, seen in due:
        try:
            job = _run_once(schedule_id, seen, now)
        except Exception:
            # Nothing was claimed (the transaction rolled back): the run is tried again on
            # the next pass, and the other schedules still run on this one.
            logger.exception("schedule %s could not queue its run; will retry", schedule_id)
            continue
        if job is not None:
            jobs.append(job)
    return jobs


def _run_once(schedule_id: int, seen, now) -> Job | None:
    with transaction.atomic():
        schedule = (
            Schedule.objects.select_related("org__tenant", "created_by")
            .filter(pk=schedule_id, next_run_at=seen)
            .first()
        )
        if schedule is None:
            return None  # another scheduler got there first, or it was edited
        org = schedule.org
        following = next_run_after(schedule.spec, now, org_time_zone(org))
        runs = _switched_on(org, schedule.operation) and org.status == org.Status.CONNECTED
        changes = {"next_run_at": following, **({"last_run_at": now} if runs else {})}
        if following is None:  # this was its last run before the end of the calendar
            changes["enabled"] = False
        if Schedule.objects.filter(pk=schedule_id, next_run_at=seen).update(**changes) != 1:
            return None
        if following is None:
            logger.warning("schedule %s turned off: it has no run left", schedule_id)
        if not runs:
            logger.info("schedule %s skipped: its org's scheduled runs are off", schedule_id)
            return None
        params: dict[str, Any] = {"template": schedule.template} if schedule.template_id else {}
        job = job_start(
            org=org,
            operation=schedule.operation,
            name=schedule.name,
            settings=schedule.settings,
            trigger=TRIGGERS[schedule.kind],
            created_by=schedule.created_by,
            description=schedule.description,
            **params,
        )
        Schedule.objects.filter(pk=schedule_id).update(last_job=job)
        job_log(
            job=job,
            message=f"Started by the {schedule.get_kind_display().lower()} "
            f"schedule {schedule.name!r}, due at {_local(seen, org)}.",
        )
    logger.info("schedule %s queued job %s", schedule_id, job.pk)
    return job


def _switched_on(org, operation: str) -> bool:
    """Settings → General turns an org's scheduled backups (or archives) off."""
    switch = registry.get(operation).schedule_switch if registry.is_registered(operation) else ""
    return bool(getattr(org, switch)) if switch else True


def _local(when, org) -> str:
    local = when.astimezone(org_time_zone(org))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def scheduler_loop(*, interval: float = 15.0, stop=None) -> None:
    from jobs.runner import reap_stale_jobs

    while not (stop and stop()):
        try:
            reap_stale_jobs()
            scheduler_tick()
        except Exception:
            # A database hiccup must not end the loop: log it and try again next time.
            logger.exception("scheduler pass failed; retrying in %s s", interval)
        time.sleep(interval)
