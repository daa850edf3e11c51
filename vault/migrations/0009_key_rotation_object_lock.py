# Key rotation progress (vault/rotation_models.py) and S3 Object Lock in the policy.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("orgs", "0008_orgkey"),
        ("vault", "0008_suppression"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="retentionpolicy",
            name="lock_mode",
            field=models.CharField(blank=True, choices=[("", "Off"), ("GOVERNANCE", "Governance mode"), ("COMPLIANCE", "Compliance mode")], default="", max_length=12),
        ),
        migrations.AddField(
            model_name="retentionpolicy",
            name="lock_days",
            field=models.PositiveIntegerField(default=30),
        ),
        migrations.CreateModel(
            name="KeyRotation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key_id", models.CharField(max_length=16)),
                ("status", models.CharField(choices=[("running", "Re-encrypting"), ("waiting", "Waiting for a backup to finish"), ("done", "Done"), ("failed", "Failed"), ("superseded", "Replaced by a newer rotation")], default="running", max_length=12)),
                ("phase", models.CharField(default="segments", max_length=12)),
                ("cursor", models.BigIntegerField(default=0)),
                ("total", models.PositiveIntegerField(default=0)),
                ("done", models.PositiveIntegerField(default=0)),
                ("rewritten", models.PositiveIntegerField(default=0)),
                ("message", models.TextField(blank=True)),
                ("started_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                ("org", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="orgs.org")),
                ("started_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
            ],
            options={"ordering": ["-started_at", "-id"]},
        ),
    ]
