"""Backup & Archive → Schedule pages, the live sentence, and Schedule on the Create form."""

import json
from datetime import UTC, date, datetime, time
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from backups.operations import DEFAULT_COMPOSITE, DEFAULT_SYNC
from jobs.models import Job
from schedules.models import Schedule
from schedules.services import schedule_create_system_defaults
from tests.backups.factories import make_org
from tests.backups.starts import settings_of
from tests.schedules.factories import make_user_schedule

DISABLED = "Scheduled backups are currently disabled for this Salesforce org."
SETTINGS = {"big_objects": "on", "binary_objects": "on"}


@pytest.fixture
def org(tenant_a):
    tenant_a.time_zone = "America/Los_Angeles"
    tenant_a.save(update_fields=["time_zone"])
    org = make_org(tenant_a)
    schedule_create_system_defaults(org=org)
    return org


def system(org, operation) -> Schedule:
    return Schedule.objects.get(org=org, kind=Schedule.Kind.SYSTEM, operation=operation)


def schedule_data(prefix: str = "", **values) -> dict:
    data = {
        "frequency": "daily",
        "interval": "1",
        "run_at": "03:00",
        "start_date": "2031-07-10",
        "monthly_mode": "day",
        "month_day": "1",
        "month_week": "first",
        "month_weekday": "0",
        **values,
    }
    return {(f"{prefix}-{k}" if prefix else k): v for k, v in data.items()}


def test_schedule_tab_shows_system_and_user_cards(client_admin_a, org):
    user_schedule = make_user_schedule(org, name="Before month end")
    page = client_admin_a.get(reverse("schedules:list", args=[org.pk])).content.decode()
    assert "System Scheduled" in page and "User Scheduled" in page
    system_part, user_part = page.split("User Scheduled")
    assert DEFAULT_COMPOSITE in system_part and "Default Composite &amp; Sync Backup" in system_part
    assert "Before month end" in user_part
    assert "This backup is planned to run every 1 day(s) at 1:00 AM starting" in page
    assert "every 1 month(s) on the 1st at 2:00 AM" in page
    assert "Not run yet" in page
    delete = reverse("schedules:delete", args=[org.pk, user_schedule.pk])
    assert page.count('action="/orgs/') == 1 and delete in page  # only the user card deletes
    assert DISABLED not in page


def test_last_run_links_its_job_and_next_run_is_in_the_tenant_zone(client_admin_a, org):
    schedule = system(org, "composite_backup")
    job = Job.objects.create(org=org, tenant=org.tenant, operation="composite_backup", name="x")
    Schedule.objects.filter(pk=schedule.pk).update(
        last_job=job,
        last_run_at=datetime(2025, 7, 10, 8, 0, tzinfo=UTC),
        next_run_at=datetime(2025, 7, 11, 8, 0, tzinfo=UTC),
    )
    page = client_admin_a.get(reverse("schedules:list", args=[org.pk])).content.decode()
    assert reverse("jobs:job", args=[org.pk, job.pk]) in page
    assert "Thu, 10 Jul 2025 1:00 AM PDT" in page and "Fri, 11 Jul 2025 1:00 AM PDT" in page


def test_disabled_banner_when_scheduled_backups_are_off(client_user_a, org):
    org.scheduled_backups_enabled = False
    org.save(update_fields=["scheduled_backups_enabled"])
    page = client_user_a.get(reverse("schedules:list", args=[org.pk])).content.decode()
    assert DISABLED in page and "Settings → General" in page
    assert "Edit</a>" not in page  # a User sees the schedules but cannot change them


def test_default_composite_backup_changes_only_its_time_and_settings(client_admin_a, org):
    schedule = system(org, "composite_backup")
    url = reverse("schedules:edit", args=[org.pk, schedule.pk])
    page = client_admin_a.get(url).content.decode()
    assert '<select name="frequency" disabled id="id_frequency">' in page
    assert '<input type="time" name="run_at" value="01:00"' in page
    assert "Delete" not in page
    data = schedule_data(frequency="weekly", interval="3", run_at="22:45", weekdays=["2"])
    response = client_admin_a.post(url, {**data, "history_objects": "on"})
    assert response.status_code == 302
    schedule.refresh_from_db()
    assert (schedule.frequency, schedule.interval, schedule.run_at) == ("daily", 1, time(22, 45))
    assert schedule.name == DEFAULT_COMPOSITE
    assert settings_of(schedule).history_objects and not settings_of(schedule).big_objects
    local = schedule.next_run_at.astimezone(_la())
    assert local.time() == time(22, 45)


def _la():
    from tenants.time_zones import zone

    return zone("America/Los_Angeles")


def test_default_sync_backup_may_run_weekly_and_needs_a_weekday(client_admin_a, org):
    schedule = system(org, "composite_sync_backup")
    url = reverse("schedules:edit", args=[org.pk, schedule.pk])
    page = client_admin_a.post(url, schedule_data(frequency="weekly")).content.decode()
    assert "Please, select weekday" in page
    schedule.refresh_from_db()
    assert schedule.frequency == "monthly"  # nothing saved

    response = client_admin_a.post(url, schedule_data(frequency="weekly", weekdays=["5"]))
    assert response.status_code == 302
    schedule.refresh_from_db()
    assert (schedule.frequency, schedule.weekdays) == ("weekly", [5])
    assert schedule.next_run_at.astimezone(_la()).strftime("%a") == "Sat"

    page = client_admin_a.post(url, schedule_data(frequency="daily")).content.decode()
    assert "Select a valid choice" in page  # the sync backup runs monthly or weekly only


def test_user_schedule_edit_and_delete(client_admin_a, org):
    schedule = make_user_schedule(org, name="Nightly")
    url = reverse("schedules:edit", args=[org.pk, schedule.pk])
    data = schedule_data(
        frequency="monthly", monthly_mode="weekday", month_week="last", month_weekday="4"
    )
    data.update(name="Last Friday", sync="on", enabled="on", description="Month end")
    assert client_admin_a.post(url, data).status_code == 302
    schedule.refresh_from_db()
    assert (schedule.name, schedule.operation, schedule.monthly_mode) == (
        "Last Friday",
        "composite_sync_backup",
        "weekday",
    )
    assert schedule.next_run_at.astimezone(_la()).date() == date(2031, 7, 25)

    response = client_admin_a.post(reverse("schedules:delete", args=[org.pk, schedule.pk]))
    assert response.status_code == 302
    assert not Schedule.objects.filter(pk=schedule.pk).exists()


def test_deleting_a_system_schedule_is_refused(client_admin_a, org):
    schedule = system(org, "composite_sync_backup")
    response = client_admin_a.post(
        reverse("schedules:delete", args=[org.pk, schedule.pk]), follow=True
    )
    assert "cannot be deleted" in response.content.decode()
    assert Schedule.objects.filter(pk=schedule.pk).exists()


def test_user_role_cannot_edit_or_delete(client_user_a, org):
    schedule = make_user_schedule(org)
    assert (
        client_user_a.get(reverse("schedules:edit", args=[org.pk, schedule.pk])).status_code == 403
    )
    delete = reverse("schedules:delete", args=[org.pk, schedule.pk])
    assert client_user_a.post(delete).status_code == 403
    assert Schedule.objects.filter(pk=schedule.pk).exists()


def test_live_preview_renders_the_sentence_or_the_error(client_admin_a, org):
    url = reverse("schedules:preview", args=[org.pk])
    data = schedule_data(frequency="weekly", interval="2", weekdays=["0", "3"], run_at="15:05")
    page = client_admin_a.get(url, {**data, "mode": "user"}).content.decode()
    assert (
        "This backup is planned to run every 2 week(s) on Monday and Thursday at 3:05 PM "
        "starting Thursday, 10 Jul 2031 PDT"
    ) in page
    assert 'hx-get="' + url in page  # it keeps refreshing itself on change

    page = client_admin_a.get(url, {**schedule_data(frequency="weekly"), "mode": "user"})
    assert "Please, select weekday" in page.content.decode()

    prefixed = schedule_data("schedule", frequency="monthly", month_day="31", run_at="00:30")
    page = client_admin_a.get(url, {**prefixed, "prefix": "schedule"}).content.decode()
    assert 'name="schedule-frequency"' in page
    assert "every 1 month(s) on the 31st (or the month&#x27;s last day) at 12:30 AM" in page
    assert "starting Thursday, 31 Jul 2031 PDT" in page


def test_create_form_with_schedule_on_saves_a_user_schedule(client_admin_a, admin_a, org):
    url = reverse("backups:create", args=[org.pk])
    page = client_admin_a.get(url).content.decode()
    assert 'name="schedule"' in page and 'name="schedule-frequency"' in page
    assert "This backup is planned to run every 1 day(s) at 3:00 AM starting" in page

    data = {"name": "Weekly extra", "schedule": "on", **SETTINGS}
    data.update(schedule_data("schedule", frequency="weekly", weekdays=["0", "3"]))
    response = client_admin_a.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("schedules:list", args=[org.pk])
    schedule = Schedule.objects.get(org=org, kind=Schedule.Kind.USER)
    assert (schedule.name, schedule.frequency, schedule.weekdays) == (
        "Weekly extra",
        "weekly",
        [0, 3],
    )
    assert schedule.created_by == admin_a and settings_of(schedule).binary_objects
    assert not settings_of(schedule).tag_objects
    assert not Job.objects.exists()  # scheduled, not run


def test_create_form_with_schedule_on_needs_a_weekday(client_admin_a, org):
    data = {"name": "Weekly extra", "schedule": "on", **SETTINGS}
    data.update(schedule_data("schedule", frequency="weekly"))
    page = client_admin_a.post(reverse("backups:create", args=[org.pk]), data).content.decode()
    assert "Please, select weekday" in page
    assert not Schedule.objects.filter(kind=Schedule.Kind.USER).exists()
    assert not Job.objects.exists()


def test_schedule_list_command_lists_the_page_s_schedules(org):
    out = StringIO()
    call_command("schedule_list", "--org", str(org.pk), "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert [row["name"] for row in data["schedules"]] == [DEFAULT_COMPOSITE, DEFAULT_SYNC]
    assert data["time_zone"] == "America/Los_Angeles"
