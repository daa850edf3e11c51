"""Run an archive template: read into the vault, verify, delete from Salesforce.

    python manage.py archive_run --org 3 --template NAME [--wait] [--json]
        [--empty-recycle-bin] [--confirm ORG_NAME]

A production org's archive needs `--confirm` with the org's name. Without --wait the job
is queued for the qcluster workers. --json prints the job's counts per object (archived,
deleted, kept, refused) and its API calls.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from archives.management.commands._common import archive_template, org_of
from archives.selectors import archive_summary
from archives.services import archive_confirm_check, archive_start
from jobs.services import job_run_inline


class Command(BaseCommand):
    help = "Run an archive template (copy, verify, then delete from Salesforce)."

    def add_arguments(self, parser):
        parser.add_argument("--org", type=int, required=True)
        parser.add_argument("--template", required=True, help="the archive template's name")
        parser.add_argument("--wait", action="store_true", help="run inline and wait")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument("--empty-recycle-bin", action="store_true")
        parser.add_argument("--confirm", default="", help="a production org's name, typed")
        parser.add_argument("--name", default="")

    def handle(self, *args, **opts):
        org = org_of(opts["org"])
        template = archive_template(org, opts["template"])
        try:
            archive_confirm_check(org=org, confirmation=opts["confirm"])
            job = archive_start(
                org=org,
                template=template,
                empty_recycle_bin=opts["empty_recycle_bin"],
                name=opts["name"],
                enqueue=not opts["wait"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if opts["wait"]:
            job = job_run_inline(job=job)
        summary = archive_summary(job=job)
        if opts["json"]:
            self.stdout.write(json.dumps(summary))
        else:
            t = summary["totals"]
            self.stdout.write(
                f"Job {job.pk} {summary['status']}: {t['archived']} archived, {t['deleted']} "
                f"deleted, {t['kept']} kept, {t['refused']} refused; "
                f"{summary['api_calls']} API calls."
            )
