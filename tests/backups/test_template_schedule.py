"""Scheduling a Templated Backup: the Create form's Schedule toggle saves a user schedule
naming the template, the scheduler starts a Templated Backup of it, and a template a
schedule uses cannot be deleted."""

from datetime import date, time, timedelta

import pytest
from django.urls import reverse

from jobs.models import Job
from object_templates.models import ObjectTemplate
from object_templates.services import TemplateError, template_delete
from schedules.models import Schedule
from schedules.recurrence import RecurrenceSpec
from schedules.scheduler import scheduler_tick
from schedules.services import ScheduleError, schedule_create
from tests.backups.factories import make_org
from tests.backups.page_support import use_private_storage
from tests.backups.starts import settings_of
from tests.object_templates.factories import add_object, make_template
from tests.schedules.test_pages import schedule_data


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    use_private_storage(settings, tmp_path)


@pytest.fixture
def org(tenant_a):
    return make_org(tenant_a)


@pytest.fixture
def template(org):
    template = make_template(org)
    add_object(template, "Account", condition="Industry = 'Banking'")
    return template


def test_schedule_toggle_saves_a_templated_schedule_that_the_scheduler_runs(
    client_admin_a, admin_a, org, template, django_capture_on_commit_callbacks
):
    page = client_admin_a.get(reverse("backups:create_templated", args=[org.pk])).content.decode()
    assert 'name="schedule-frequency"' in page and "Metadata" in page

    data = {"name": "Nightly banks", "template": template.pk, "schedule": "on", "metadata": "on"}
    data.update(schedule_data("schedule", run_at="04:00"))
    response = client_admin_a.post(reverse("backups:create_templated", args=[org.pk]), data)
    assert response["Location"] == reverse("schedules:list", args=[org.pk])
    schedule = Schedule.objects.get(org=org, kind=Schedule.Kind.USER)
    assert (schedule.operation, schedule.template, schedule.created_by) == (
        "templated_backup",
        template,
        admin_a,
    )
    assert settings_of(schedule).metadata and not Job.objects.exists()

    cards = client_admin_a.get(reverse("schedules:list", args=[org.pk])).content.decode()
    assert "Nightly banks" in cards

    due = schedule.next_run_at + timedelta(seconds=1)
    with django_capture_on_commit_callbacks():
        jobs = scheduler_tick(now=due)
    assert [j.operation for j in jobs] == ["templated_backup"]
    job = jobs[0]
    assert (job.name, job.trigger) == ("Nightly banks", Job.Trigger.USER_SCHEDULE)
    assert job.settings["template"]["objects"][0]["condition"] == "Industry = 'Banking'"
    assert settings_of(job).metadata


def test_a_template_used_by_a_schedule_cannot_be_deleted(client_admin_a, org, template):
    data = {"name": "Nightly banks", "template": template.pk, "schedule": "on"}
    data.update(schedule_data("schedule"))
    client_admin_a.post(reverse("backups:create_templated", args=[org.pk]), data)

    with pytest.raises(TemplateError, match="used by the schedule"):
        template_delete(template=template)
    response = client_admin_a.post(reverse("templates:delete", args=[org.pk, template.pk]))
    assert response.status_code == 302
    assert ObjectTemplate.objects.filter(pk=template.pk).exists()
    listing = client_admin_a.get(response["Location"]).content.decode()
    assert "used by the schedule(s) Nightly banks" in listing

    Schedule.objects.filter(template=template).delete()
    template_delete(template=template)
    assert not ObjectTemplate.objects.filter(pk=template.pk).exists()


def test_deleting_the_org_removes_its_templates_and_their_schedules(org, template):
    schedule_create(
        org=org,
        name="Nightly",
        operation="templated_backup",
        recurrence=RecurrenceSpec(run_at=time(3, 0), start_date=date(2031, 7, 10)),
        template=template,
    )
    org.delete()
    assert not ObjectTemplate.objects.exists()
    assert not Schedule.objects.filter(template__isnull=False).exists()


def test_a_templated_schedule_needs_its_template(org):
    with pytest.raises(ScheduleError, match="needs a template"):
        schedule_create(
            org=org,
            name="Nightly",
            operation="templated_backup",
            recurrence=RecurrenceSpec(run_at=time(3, 0), start_date=date(2031, 7, 10)),
        )


def test_editing_a_templated_schedule_keeps_its_template(client_admin_a, org, template):
    schedule = schedule_create(
        org=org,
        name="Nightly",
        operation="templated_backup",
        recurrence=RecurrenceSpec(run_at=time(3, 0), start_date=date(2031, 7, 10)),
        template=template,
    )
    url = reverse("schedules:edit", args=[org.pk, schedule.pk])
    page = client_admin_a.get(url).content.decode()
    assert "of the template" in page and template.name in page
    assert 'name="metadata"' in page and 'name="binary_objects"' not in page
    assert 'name="sync"' not in page

    data = {"name": "Nightly banks", "enabled": "on", "metadata": "on"}
    data.update(schedule_data(run_at="05:00"))
    assert client_admin_a.post(url, data).status_code == 302
    schedule.refresh_from_db()
    assert (schedule.name, schedule.operation, schedule.template) == (
        "Nightly banks",
        "templated_backup",
        template,
    )
    assert settings_of(schedule).metadata and schedule.run_at == time(5, 0)
