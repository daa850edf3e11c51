"""Every 5 minutes django-q2 switches back on the automations that ended restore jobs
left off (restores.automations.automations_sweep), so a Salesforce outage at a job's
end only delays their return."""

from django.db import migrations
from django.utils import timezone

FUNC = "restores.tasks.automations_sweep_task"


def add_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        func=FUNC,
        defaults={
            "name": "OrgVault: switch back on automations ended restores left off",
            "schedule_type": "I",  # minutes
            "minutes": 5,
            "repeats": -1,
            "next_run": timezone.now(),
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=FUNC).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("restores", "0003_suspended_automations"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
