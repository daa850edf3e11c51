"""Rotate an org's encryption key from the command line.

python manage.py vault_key_rotate --org ID (--generate | --key-file PATH |
    --kms-key-id ARN [--kms-region R] [--kms-endpoint URL]) [--wait] [--json]
python manage.py vault_key_rotate --org ID --resume [--wait] [--json]

Adds the key (new data is written with it at once) and starts the re-encryption job
(django-q2 runs it); with --wait it runs in this process until done. A generated key
is printed once. KMS credentials come from the environment (AWS_ACCESS_KEY_ID /
AWS_SECRET_ACCESS_KEY), as boto3 reads them. --resume continues the last rotation.
"""

import json
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from orgs.key_services import KmsSettings, org_key_add
from orgs.keys import OrgKeyError
from orgs.models import Org
from vault.rotation import (
    KeyRotation,
    _enqueue,
    rotation_latest,
    rotation_run,
    rotation_start,
)


class Command(BaseCommand):
    help = "Add a new encryption key to an org and re-encrypt its vault with it."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--org", type=int, required=True, help="the org's id")
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--generate", action="store_true", help="generate a new key")
        source.add_argument("--key-file", help="a file holding the base64 AES-256 key")
        source.add_argument("--kms-key-id", help="the ARN of your AWS KMS key")
        source.add_argument("--resume", action="store_true", help="continue the last rotation")
        parser.add_argument("--kms-region", default="")
        parser.add_argument("--kms-endpoint", default="")
        parser.add_argument("--wait", action="store_true", help="re-encrypt in this process")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        org = Org.objects.filter(pk=opts["org"]).first()
        if org is None:
            raise CommandError(f"There is no org with id {opts['org']}.")
        generated, fingerprint = "", ""
        try:
            if opts["resume"]:
                rotation = rotation_latest(org=org)
                if rotation is None:
                    raise CommandError("This org has no key rotation to resume.")
                if rotation.status == KeyRotation.Status.FAILED:
                    KeyRotation.objects.filter(pk=rotation.pk).update(
                        status=KeyRotation.Status.RUNNING, message=""
                    )
                if not opts["wait"]:
                    _enqueue(rotation.pk)
            else:
                kms = None
                if opts["kms_key_id"]:
                    source = "kms"
                    kms = KmsSettings(
                        key_id=opts["kms_key_id"],
                        region=opts["kms_region"],
                        endpoint_url=opts["kms_endpoint"],
                        access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", ""),
                        secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", ""),
                    )
                elif opts["key_file"]:
                    source = "pasted"
                else:
                    source = "generated"
                key_text = Path(opts["key_file"]).read_text() if opts["key_file"] else ""
                key, generated = org_key_add(org=org, source=source, key_text=key_text, kms=kms)
                fingerprint = key.fingerprint
                rotation = rotation_start(org=org, enqueue=not opts["wait"])
        except (OrgKeyError, OSError) as exc:
            raise CommandError(str(exc)) from None
        if opts["wait"]:
            rotation = rotation_run(rotation)
        rotation.refresh_from_db()
        data = {
            "org_id": org.pk,
            "fingerprint": fingerprint,
            "generated_key": generated,
            "rotation_id": rotation.pk,
            "status": rotation.status,
            "done": rotation.done,
            "total": rotation.total,
            "rewritten": rotation.rewritten,
            "message": rotation.message,
        }
        if opts["json"]:
            self.stdout.write(json.dumps(data))
            return
        if generated:
            self.stdout.write(f"New key (shown once, keep it safe): {generated}")
        self.stdout.write(
            f"Org {org.pk}: rotation {rotation.pk} {rotation.get_status_display().lower()}, "
            f"{rotation.done} of {rotation.total} objects checked, {rotation.rewritten} "
            f"re-encrypted. {rotation.message}".rstrip()
        )
