"""The templates moved to object_templates/ (state only: object_templates.0001 took the
tables over, object_templates.0002 renames them)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("backups", "0001_templates"),
        ("jobs", "0006_engine_knows_no_operation"),
        ("object_templates", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="templateobject", name="template"),
                migrations.RemoveField(model_name="templatefilter", name="template_object"),
                migrations.RemoveField(model_name="templateobject", name="parent"),
                migrations.DeleteModel(name="BackupTemplate"),
                migrations.DeleteModel(name="TemplateFilter"),
                migrations.DeleteModel(name="TemplateObject"),
            ],
            database_operations=[],
        ),
    ]
