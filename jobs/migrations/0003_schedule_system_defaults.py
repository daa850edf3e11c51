"""Give every org that exists already its two system schedules (new orgs get them when
they are connected, through jobs.schedule_services.schedule_create_system_defaults)."""

from datetime import time

from django.db import migrations
from django.utils import timezone

from schedules import recurrence
from tenants.time_zones import zone

SETTINGS = {
    "metadata": False,
    "big_objects": True,
    "binary_objects": True,
    "tag_objects": True,
    "history_objects": True,
    "feed_objects": True,
    "share_objects": True,
    "custom_metadata_type_objects": True,
}
DEFAULTS = [
    ("composite_backup", "Default Composite Backup", {"frequency": "daily", "run_at": time(1)}),
    (
        "composite_sync_backup",
        "Default Composite & Sync Backup",
        {"frequency": "monthly", "monthly_mode": "day", "month_day": 1, "run_at": time(2)},
    ),
]


def create_defaults(apps, schema_editor):
    Org = apps.get_model("orgs", "Org")
    Schedule = apps.get_model("jobs", "Schedule")
    now = timezone.now()
    for org in Org.objects.select_related("tenant"):
        tz = zone(org.tenant.time_zone)
        today = now.astimezone(tz).date()
        for operation, name, fields in DEFAULTS:
            if Schedule.objects.filter(org=org, kind="system", operation=operation).exists():
                continue
            spec = recurrence.RecurrenceSpec(start_date=today, **fields)
            Schedule.objects.create(
                org=org,
                kind="system",
                operation=operation,
                name=name,
                settings=SETTINGS,
                start_date=today,
                next_run_at=recurrence.first_run(spec, now, tz),
                **fields,
            )


class Migration(migrations.Migration):
    dependencies = [("jobs", "0002_schedule"), ("tenants", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
