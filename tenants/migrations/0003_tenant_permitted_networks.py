from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tenants", "0002_tenant_name_key")]

    operations = [
        migrations.AddField(
            model_name="tenant",
            name="permitted_networks",
            field=models.TextField(blank=True, default=""),
        ),
    ]
