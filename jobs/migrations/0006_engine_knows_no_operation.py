"""Job.operation names any registered operation (no fixed choices); Schedule moves to
schedules/ (state only here: schedules.0001 takes the table over)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("jobs", "0005_job_object_chunk")]

    operations = [
        migrations.AlterField(
            model_name="job",
            name="operation",
            field=models.CharField(max_length=32),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Schedule")],
            database_operations=[],
        ),
    ]
