"""Tenant.name_key: the NFKC, case-folded name that must be unique (replacing the
ASCII-only Lower(name) constraint) and that sign-in looks names up by."""

import unicodedata

from django.db import migrations, models

import tenants.models


def _key(name: str) -> str:
    plain = unicodedata.normalize("NFKC", name).strip()
    return unicodedata.normalize("NFKC", plain.casefold())


def fill_name_keys(apps, schema_editor):
    Tenant = apps.get_model("tenants", "Tenant")
    taken: set[str] = set()
    for tenant in Tenant.objects.order_by("pk").only("pk", "name"):
        key = _key(tenant.name)
        if key in taken:  # an older look-alike keeps the name; this one is told apart
            key = f"{key}#{tenant.pk}"
        taken.add(key)
        Tenant.objects.filter(pk=tenant.pk).update(name_key=key)


class Migration(migrations.Migration):
    dependencies = [("tenants", "0001_initial")]

    operations = [
        migrations.RemoveConstraint(model_name="tenant", name="tenant_name_unique_ci"),
        migrations.AddField(
            model_name="tenant",
            name="name_key",
            field=models.CharField(editable=False, max_length=600, null=True),
        ),
        migrations.RunPython(fill_name_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="tenant",
            name="name_key",
            field=tenants.models.NameKeyField(editable=False, max_length=600, unique=True),
        ),
    ]
