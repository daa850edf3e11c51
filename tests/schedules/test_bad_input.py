"""Schedules at the end of the calendar (issue 8, section 4): the schedule form refuses a
start date past a sane horizon, and a schedule that can no longer run (its next run
would be past year 9999 in UTC, e.g. after the tenant's zone moved west) is turned off
with no next run and a warning, never an OverflowError in the zone change, the
scheduler or the pages."""

import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from jobs.models import Job
from schedules import recurrence as rec
from schedules.models import Schedule
from schedules.recurrence import RecurrenceSpec
from schedules.scheduler import scheduler_tick
from schedules.services import ScheduleError, schedule_create, schedules_reschedule
from tests.backups.factories import make_org
from tests.schedules.factories import make_user_schedule

WEST = "Etc/GMT+12"  # UTC-12: 23:00 on 31 Dec 9999 there is in year 10000 in UTC
EAST = "Etc/GMT-14"  # UTC+14
LAST_DAY = date.max


@pytest.fixture
def org(tenant_a):
    return make_org(tenant_a)


def old_schedule(org, **spec) -> Schedule:
    """A row saved before the horizon existed (or by a script): written directly."""
    values = {"frequency": "daily", "run_at": time(23, 0), "start_date": LAST_DAY, **spec}
    return Schedule.objects.create(
        org=org,
        operation="composite_backup",
        name="Far future",
        next_run_at=datetime(9999, 12, 31, 23, tzinfo=UTC),
        **values,
    )


def form_data(**values) -> dict:
    return {
        "frequency": "daily",
        "interval": "1",
        "run_at": "23:00",
        "start_date": "9999-12-31",
        "monthly_mode": "day",
        "month_day": "1",
        "month_week": "first",
        "month_weekday": "0",
        "weekdays": ["0"],
        "name": "Nightly extra",
        **values,
    }


# --- the form ------------------------------------------------------------------------


@pytest.mark.parametrize("zone", ["UTC", WEST, EAST])
@pytest.mark.parametrize("frequency", ["daily", "weekly", "monthly"])
def test_schedule_form_refuses_a_start_past_ten_years(
    client_admin_a, tenant_a, org, zone, frequency
):
    tenant_a.time_zone = zone
    tenant_a.save(update_fields=["time_zone"])
    schedule = make_user_schedule(org)
    before = (schedule.start_date, schedule.next_run_at)
    today = timezone.now().astimezone(ZoneInfo(zone)).date()
    horizon = rec.start_horizon(today)
    assert horizon.year == today.year + 10

    for start in ["9999-12-31", (horizon + timedelta(days=1)).isoformat()]:
        data = form_data(frequency=frequency, start_date=start)
        response = client_admin_a.post(reverse("schedules:edit", args=[org.pk, schedule.pk]), data)
        assert response.status_code == 200
        page = response.content.decode()
        assert "Pick a start date within 10 years" in page
        schedule.refresh_from_db()
        assert (schedule.start_date, schedule.next_run_at) == before

        preview = client_admin_a.get(reverse("schedules:preview", args=[org.pk]), data)
        assert preview.status_code == 200
        assert "Pick a start date within 10 years" in preview.content.decode()

    data = form_data(frequency=frequency, start_date=horizon.isoformat())
    response = client_admin_a.post(reverse("schedules:edit", args=[org.pk, schedule.pk]), data)
    assert response.status_code == 302
    schedule.refresh_from_db()
    assert schedule.start_date == horizon and schedule.next_run_at.date() >= horizon


def test_create_backup_form_refuses_a_start_past_ten_years(client_admin_a, org):
    data = {"name": "Later", "schedule": "on"}
    data.update({f"schedule-{k}": v for k, v in form_data().items() if k != "name"})
    response = client_admin_a.post(reverse("backups:create", args=[org.pk]), data)
    assert response.status_code == 200
    assert "Pick a start date within 10 years" in response.content.decode()
    assert not Schedule.objects.filter(org=org, kind=Schedule.Kind.USER).exists()


def test_schedule_create_refuses_a_schedule_that_never_runs(org):
    with pytest.raises(ScheduleError, match="no run left"):
        schedule_create(
            org=org,
            name="Never",
            operation="composite_backup",
            recurrence=RecurrenceSpec(frequency="monthly", start_date=date(9999, 12, 2)),
        )
    assert not Schedule.objects.exists()


# --- the tenant's zone changes ---------------------------------------------------------


def test_zone_change_turns_off_a_schedule_that_cannot_run_any_more(
    client_admin_a, tenant_a, org, caplog
):
    stuck = old_schedule(org)
    month_end = old_schedule(
        org, frequency="monthly", start_date=date(9999, 12, 1), month_day=31, run_at=time(13)
    )
    kept = make_user_schedule(org, name="Ordinary")
    caplog.set_level(logging.WARNING, logger="schedules.services")

    response = client_admin_a.post(
        reverse("tenants:organization"), {"org_name": tenant_a.name, "time_zone": WEST}
    )
    assert response.status_code == 302
    tenant_a.refresh_from_db()
    assert tenant_a.time_zone == WEST

    stuck.refresh_from_db()
    assert (stuck.enabled, stuck.next_run_at) == (False, None)
    month_end.refresh_from_db()  # 31 Dec 9999 13:00 at UTC-12 is 1 Jan 10000 in UTC
    assert (month_end.enabled, month_end.next_run_at) == (False, None)
    kept.refresh_from_db()
    assert kept.enabled and kept.next_run_at.astimezone(ZoneInfo(WEST)).time() == time(3, 0)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("Far future" in m and "turned off" in m for m in warnings)

    page = client_admin_a.get(reverse("schedules:list", args=[org.pk]))
    assert page.status_code == 200
    assert "has no run left" in page.content.decode()
    edit = client_admin_a.get(reverse("schedules:edit", args=[org.pk, stuck.pk]))
    assert edit.status_code == 200


@pytest.mark.parametrize("zone", [WEST, EAST, "UTC", "America/Los_Angeles"])
@pytest.mark.parametrize(
    "spec",
    [
        {"frequency": "daily"},
        {"frequency": "weekly", "weekdays": [0, 4]},
        {"frequency": "monthly", "month_day": 31},
        {"frequency": "monthly", "monthly_mode": "weekday", "month_week": "last"},
        {"frequency": "monthly", "interval": 12, "start_date": date(9999, 1, 1)},
    ],
)
def test_reschedule_never_raises_at_the_end_of_the_calendar(tenant_a, org, zone, spec):
    schedule = old_schedule(org, **spec)
    tenant_a.time_zone = zone
    tenant_a.save(update_fields=["time_zone"])
    now = datetime(9999, 12, 30, 12, tzinfo=UTC)
    assert schedules_reschedule(tenant=tenant_a, now=now) == 1
    schedule.refresh_from_db()
    if schedule.next_run_at is None:
        assert not schedule.enabled
    else:
        assert schedule.enabled and schedule.next_run_at > now


# --- the scheduler ---------------------------------------------------------------------


def test_scheduler_runs_the_last_run_then_turns_the_schedule_off(org, caplog):
    schedule = old_schedule(org, run_at=time(1, 0))
    Schedule.objects.filter(pk=schedule.pk).update(
        next_run_at=datetime(9999, 12, 31, 1, tzinfo=UTC)
    )
    caplog.set_level(logging.WARNING, logger="schedules.scheduler")
    jobs = scheduler_tick(now=datetime(9999, 12, 31, 1, 0, 5, tzinfo=UTC))
    assert [job.name for job in jobs] == ["Far future"]
    assert Job.objects.filter(org=org).count() == 1
    schedule.refresh_from_db()
    assert (schedule.enabled, schedule.next_run_at) == (False, None)
    assert any("turned off" in r.getMessage() for r in caplog.records)
    assert scheduler_tick(now=datetime(9999, 12, 31, 2, tzinfo=UTC)) == []


# --- recurrence ------------------------------------------------------------------------


@pytest.mark.parametrize("zone", [WEST, EAST])
def test_next_run_after_answers_none_past_the_calendar(zone):
    tz = ZoneInfo(zone)
    spec = RecurrenceSpec(run_at=time(23, 0), start_date=LAST_DAY)
    after = datetime(9999, 12, 30, tzinfo=UTC)
    run = rec.next_run_after(spec, after, tz)
    if zone == WEST:
        assert run is None
    else:
        assert run == datetime(9999, 12, 31, 9, tzinfo=UTC)
    monthly = RecurrenceSpec(frequency="monthly", start_date=date(9999, 12, 2))
    assert rec.next_run_after(monthly, after, tz) is None
    assert rec.first_run(monthly, after, tz) is None
    assert "has no run left" in rec.describe(monthly, None, tz)


# --- a name longer than its column -----------------------------------------------------

NAME_MAX = Schedule._meta.get_field("name").max_length


def test_schedule_create_cuts_a_name_to_its_column(org):
    schedule = make_user_schedule(org, name="S" * 300)
    schedule.refresh_from_db()
    assert schedule.name == "S" * NAME_MAX


def test_schedule_edit_form_says_at_most_n_characters(client_admin_a, org):
    schedule = make_user_schedule(org)
    data = form_data(start_date="2030-01-01", name="S" * (NAME_MAX + 1))
    response = client_admin_a.post(reverse("schedules:edit", args=[org.pk, schedule.pk]), data)
    assert response.status_code == 200
    assert f"at most {NAME_MAX} characters" in response.content.decode()
    schedule.refresh_from_db()
    assert schedule.name == "Nightly extra"
