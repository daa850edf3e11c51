"""Deploy metadata component versions from the vault back to the org.

    python manage.py metadata_restore --org ID --as-of-job J
        --components ApexClass:AccountService,ValidationRule:Opportunity.Amount_Not_Negative
        [--check-only] [--json]

Each component as it was in job J's backup, in one Metadata API deploy (all or nothing).
Exit status 1 when the deploy fails.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from orgs.models import Org
from restores import selectors
from restores.metadata_restore import metadata_restore_run


class Command(BaseCommand):
    help = "Deploy metadata components as they were in a backup (Metadata API)."

    def add_arguments(self, parser):
        parser.add_argument("--org", type=int, required=True, help="the org's id in OrgVault")
        parser.add_argument("--as-of-job", type=int, required=True, help="the backup to take")
        parser.add_argument("--components", required=True, help="Type:FullName, comma-separated")
        parser.add_argument("--check-only", action="store_true", help="validate, change nothing")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **opts):
        org = Org.objects.filter(pk=opts["org"]).first()
        if org is None:
            raise CommandError(f"There is no org with id {opts['org']}.")
        seq = selectors.snapshot_seq_for_job(org=org, job_id=opts["as_of_job"])
        if seq is None:
            raise CommandError(f"Job {opts['as_of_job']} has no published backup of this org.")
        components = [c.strip() for c in opts["components"].split(",") if c.strip()]
        try:
            result = metadata_restore_run(
                org=org, components=components, as_of_seq=seq, check_only=opts["check_only"],
                log=None if opts["json"] else self.stdout.write,
            )  # fmt: skip
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if opts["json"]:
            self.stdout.write(json.dumps(result.as_json(), indent=2))
        if result.failed:
            raise SystemExit(1)
