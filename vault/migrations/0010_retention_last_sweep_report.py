# What the last retention sweep could not delete yet (files under S3 Object Lock).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("vault", "0009_key_rotation_object_lock"),
    ]

    operations = [
        migrations.AddField(
            model_name="retentionpolicy",
            name="last_sweep_report",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
