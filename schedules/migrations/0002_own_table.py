"""The schedule table takes this app's name (a rename: every row stays)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("schedules", "0001_initial"), ("object_templates", "0002_own_tables")]

    operations = [migrations.AlterModelTable(name="schedule", table=None)]
