"""Every qcluster resumes (or ends) jobs whose worker stopped: django-q2's scheduler runs
jobs.tasks.jobs_reap_task every minute, so a restarted cluster picks up a killed job by
itself (the `manage.py scheduler` loop reaps too)."""

from django.db import migrations
from django.utils import timezone

FUNC = "jobs.tasks.jobs_reap_task"


def add_reaper(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        func=FUNC,
        defaults={
            "name": "OrgVault: resume or end stopped jobs",
            "schedule_type": "I",  # minutes
            "minutes": 1,
            "repeats": -1,
            "next_run": timezone.now(),
        },
    )


def remove_reaper(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=FUNC).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0007_job_enqueued_at"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(add_reaper, remove_reaper)]
