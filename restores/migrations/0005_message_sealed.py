"""Salesforce's messages on restore results are sealed with the org's data key (they can
quote a record's values); the messages already stored are sealed on the way."""

from django.db import migrations, models


def seal_stored_messages(apps, schema_editor):
    from common.crypto import encrypt
    from orgs.keys import OrgKeyError, org_data_key
    from orgs.models import Org

    RestoreRecord = apps.get_model("restores", "RestoreRecord")
    keys: dict[int, bytes | None] = {}
    rows = RestoreRecord.objects.exclude(error_message="").values_list(
        "pk", "job__org_id", "error_message"
    )
    for pk, org_id, message in rows.iterator(chunk_size=1000):
        if org_id not in keys:
            try:
                keys[org_id] = org_data_key(Org.objects.get(pk=org_id))
            except (OrgKeyError, Org.DoesNotExist):
                keys[org_id] = None  # the key cannot be opened here: the message goes
        key = keys[org_id]
        sealed = (
            encrypt(key, message.encode("utf-8"), f"restore-message:{org_id}".encode())
            if key is not None
            else None
        )
        RestoreRecord.objects.filter(pk=pk).update(message_sealed=sealed)


class Migration(migrations.Migration):

    dependencies = [
        ("restores", "0004_automations_sweep_schedule"),
        ("orgs", "0009_org_ca_bundle_pem"),
    ]

    operations = [
        migrations.AddField(
            model_name="restorerecord",
            name="message_sealed",
            field=models.BinaryField(blank=True, null=True),
        ),
        migrations.RunPython(seal_stored_messages, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="restorerecord",
            name="error_message",
        ),
    ]
