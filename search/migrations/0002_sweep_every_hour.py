"""Every qcluster forgets search results past their 7 days: django-q2's scheduler runs
search.tasks.search_sweep_task every hour (as jobs/migrations/0008 does for the reaper)."""

from django.db import migrations
from django.utils import timezone

FUNC = "search.tasks.search_sweep_task"


def add_sweep(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        func=FUNC,
        defaults={
            "name": "OrgVault: forget expired search results",
            "schedule_type": "H",  # hourly
            "repeats": -1,
            "next_run": timezone.now(),
        },
    )


def remove_sweep(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=FUNC).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(add_sweep, remove_sweep)]
