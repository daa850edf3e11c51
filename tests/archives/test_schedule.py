"""Scheduled archives: the preview page's Schedule toggle saves a user schedule of the
archive template (after the typed confirmation); the scheduler starts a Templated
Archive when it is due, and none while the org's Manage Operations "scheduled archives"
switch is off. The storage an archive frees is reported per job (records × the org's
average record size from its limits API)."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from archives.models import ArchiveRecord
from archives.selectors import archive_summary
from jobs.models import Job, JobObject
from jobs.services import job_run_inline
from object_templates.models import ObjectTemplate
from schedules.models import Schedule
from schedules.scheduler import scheduler_tick
from tests.archives.conftest import command, write_json
from tests.archives.test_run import make_contacts
from tests.schedules.test_pages import schedule_data


def _template(org, marker, tmp_path) -> ObjectTemplate:
    spec = {"name": f"Nightly {marker}",
            "objects": [{"name": "Contact", "filter": {"soql": f"LastName LIKE '{marker}%'"}}]}  # fmt: skip
    command("archive_template_create", "--org", str(org.pk), "--from-json",
            write_json(tmp_path, spec))  # fmt: skip
    return ObjectTemplate.objects.get(org=org, name=f"Nightly {marker}")


def test_a_scheduled_archive_runs_only_while_scheduled_archives_are_on(
    archive_org, sf, marker, tmp_path, client_admin_a
):
    make_contacts(sf, marker, n=2)
    template = _template(archive_org, marker, tmp_path)
    data = {"confirmation": archive_org.name, "schedule": "on", **schedule_data("schedule")}
    response = client_admin_a.post(
        reverse("archives:preview", args=[archive_org.pk, template.pk]), data
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    schedule = Schedule.objects.get(org=archive_org, operation="archive")
    assert schedule.template_id == template.pk
    assert not Job.objects.filter(org=archive_org, operation="archive").exists()

    archive_org.scheduled_archives_enabled = False
    archive_org.save(update_fields=["scheduled_archives_enabled"])
    Schedule.objects.filter(pk=schedule.pk).update(
        next_run_at=timezone.now() - timedelta(minutes=1)
    )
    assert scheduler_tick() == []
    assert not Job.objects.filter(org=archive_org, operation="archive").exists()

    archive_org.scheduled_archives_enabled = True
    archive_org.save(update_fields=["scheduled_archives_enabled"])
    Schedule.objects.filter(pk=schedule.pk).update(
        next_run_at=timezone.now() - timedelta(minutes=1)
    )
    (job,) = scheduler_tick()
    assert job.operation == "archive" and job.trigger == Job.Trigger.USER_SCHEDULE
    job = job_run_inline(job=job)
    assert job.status == Job.Status.COMPLETED
    assert archive_summary(job=job)["totals"]["deleted"] == 2 + 2 * 3  # Contacts + children


def test_storage_freed_is_records_times_the_orgs_average_record_size(
    archive_org, sf, marker, tmp_path
):
    make_contacts(sf, marker, n=3)
    template = _template(archive_org, marker, tmp_path)
    result = command("archive_run", "--org", str(archive_org.pk), "--template", template.name,
                     "--wait", "--confirm", archive_org.name)  # fmt: skip
    job = Job.objects.get(pk=result["job_id"])
    cursor = JobObject.objects.get(job=job).cursor
    gone = ArchiveRecord.objects.filter(job=job, outcome__in=["deleted", "cascade_deleted"]).count()
    assert gone == 3 * 4  # 3 Contacts, each with a Task, a Note and an Attachment
    assert cursor["average_record_bytes"] > 0
    assert result["storage_freed_bytes"] == int(gone * cursor["average_record_bytes"]) > 0
    assert any(
        "Storage freed in Salesforce" in m for m in job.logs.values_list("message", flat=True)
    )
