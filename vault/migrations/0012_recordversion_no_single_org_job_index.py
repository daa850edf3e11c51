"""RecordVersion keeps no single-column index on org or job: the composite indexes
recordversion_history, recordversion_as_of and recordversion_one_current start with
org, recordversion_job with job, and each index is one more B-tree written per version.

Only the two indexes are dropped (DROP INDEX on both SQLite and PostgreSQL): letting
AlterField do it would copy the whole table twice on SQLite."""

import django.db.models.deletion
from django.db import migrations, models

INDEXES = {
    "vault_recordversion_job_id_2133e013": "job_id",
    "vault_recordversion_org_id_e4e339ab": "org_id",
}


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0008_reaper_every_minute"),
        ("orgs", "0009_org_ca_bundle_pem"),
        ("vault", "0011_rotation_resume_schedule"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "vault_recordversion" ("{column}")',
                )
                for name, column in INDEXES.items()
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="recordversion",
                    name="job",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="jobs.job",
                    ),
                ),
                migrations.AlterField(
                    model_name="recordversion",
                    name="org",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="orgs.org",
                    ),
                ),
            ],
        )
    ]
