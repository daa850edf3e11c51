"""Key rotations whose chain of chunk tasks broke (a worker died) resume: django-q2's
scheduler calls vault.rotation.rotation_resume_stale every 10 minutes."""

from django.db import migrations
from django.utils import timezone

FUNC = "vault.rotation.rotation_resume_stale"


def add_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        func=FUNC,
        defaults={
            "name": "OrgVault: resume stalled key rotations",
            "schedule_type": "I",  # every `minutes`
            "minutes": 10,
            "repeats": -1,
            "next_run": timezone.now(),
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=FUNC).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("vault", "0010_retention_last_sweep_report"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
