# OrgKey: the keys of a rotated org (orgs/key_models.py).

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("orgs", "0007_object_describe"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="OrgKey",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("fingerprint", models.CharField(max_length=64)),
                ("data_key_id", models.CharField(max_length=16)),
                ("source", models.CharField(choices=[("original", "Chosen when the org was connected"), ("pasted", "Pasted"), ("generated", "Generated"), ("kms", "AWS KMS key")], max_length=10)),
                ("status", models.CharField(choices=[("active", "Active: new data is written with it"), ("retiring", "Being replaced: older data is re-encrypted"), ("retired", "Retired")], default="active", max_length=10)),
                ("tenant_key_wrapped", models.BinaryField(blank=True, default=b"")),
                ("data_key_wrapped", models.BinaryField(blank=True, default=b"")),
                ("root_wrapped", models.BinaryField(blank=True, default=b"")),
                ("kms_key_id", models.CharField(blank=True, max_length=300)),
                ("kms_region", models.CharField(blank=True, max_length=64)),
                ("kms_endpoint_url", models.CharField(blank=True, max_length=300)),
                ("kms_access_key_id", models.CharField(blank=True, max_length=255)),
                ("kms_secret_wrapped", models.BinaryField(blank=True, default=b"")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("activated_at", models.DateTimeField(blank=True, null=True)),
                ("retired_at", models.DateTimeField(blank=True, null=True)),
                ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("org", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="keys", to="orgs.org")),
            ],
            options={
                "ordering": ["org", "-created_at", "-id"],
                "constraints": [models.UniqueConstraint(condition=models.Q(("status", "active")), fields=("org",), name="orgkey_one_active_per_org")],
            },
        ),
    ]
