"""The daily retention sweep: django-q2's scheduler calls
vault.tasks.vault_retention_sweep_all_task once a day (like jobs' reaper schedule)."""

from django.db import migrations
from django.utils import timezone

FUNC = "vault.tasks.vault_retention_sweep_all_task"


def add_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        func=FUNC,
        defaults={
            "name": "OrgVault: apply retention policies (daily)",
            "schedule_type": "D",  # daily
            "repeats": -1,
            "next_run": timezone.now(),
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=FUNC).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("vault", "0006_snapshot_expired"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
