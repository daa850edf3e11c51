"""Read an org's vault back and check it against the database.

python manage.py vault_verify --org ID [--sample N] [--json]

Exits with status 1 when a problem is found (missing or altered objects, counts or
hashes that differ), 0 when everything checked is intact.
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from orgs.keys import OrgKeyError, org_data_key
from orgs.models import Org
from vault.verify import integrity_check_run


class Command(BaseCommand):
    help = "Verify an org's stored segments, blobs and metadata against the database."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--org", type=int, required=True, help="the org's id")
        parser.add_argument(
            "--sample", type=int, default=None, help="check N random objects of each kind"
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        org = Org.objects.filter(pk=opts["org"]).first()
        if org is None:
            raise CommandError(f"There is no org with id {opts['org']}.")
        if opts["sample"] is not None and opts["sample"] < 1:
            raise CommandError("--sample must be a positive number of objects.")
        try:
            data_key = org_data_key(org)
        except OrgKeyError as exc:
            raise CommandError(str(exc)) from None
        check = integrity_check_run(org=org, data_key=data_key, sample=opts["sample"])
        data = check.report
        if opts["json"]:
            self.stdout.write(json.dumps(data))
        else:
            counts = data["checked"]
            self.stdout.write(
                f"Org {org.pk}: checked {counts['segments']} segments "
                f"({counts['records']} records), {counts['blobs']} blobs, "
                f"{counts['metadata_versions']} metadata versions."
            )
            for p in data["problems"]:
                jobs = ", ".join(f"Job {j}" for j in p["job_ids"]) or "no job recorded"
                self.stdout.write(
                    f"  {p['kind']} {p['problem']}: {p['storage_key']} — {p['detail']} ({jobs})"
                )
            self.stdout.write("Intact." if check.ok else f"{check.problem_count} problem(s).")
        if not check.ok:
            sys.exit(1)
