"""The template tables take this app's names (a rename: every row stays)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("object_templates", "0001_initial"),
        ("backups", "0002_templates_moved"),
        ("schedules", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelTable(name="objecttemplate", table=None),
        migrations.AlterModelTable(name="templateobject", table=None),
        migrations.AlterModelTable(name="templatefilter", table=None),
    ]
