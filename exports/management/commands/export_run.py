"""Export an org's records as of a backup from a script.

    python manage.py export_run --org 3 (--as-of-job 57 | --archives-from 2026-07-01
        --archives-to 2026-07-15) --objects Account,Contact
        [--filter Account:"Industry = 'Banking'"] [--rule Account:"Name starts with A"]
        [--children Account:Contact,Opportunity] [--files] [--fields Account:Id,Name]
        [--format csv|parquet] [--records-per-file N] [--wait] [--json]

Without --wait the job is queued for the qcluster workers and its id printed. With
--wait it runs in this process and prints the file's storage path, its name and the
records per object (--json: the job summary plus an "export" object). The exit status is
1 when the job does not complete. From archives, the zip has a folder per archive job
(Archive-<job>/<Object>/...).
"""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from common.command_options import object_pairs
from exports.forms import parse_rule
from exports.selectors import export_for_job
from exports.services import export_start
from jobs.models import Job
from jobs.selectors import job_summary
from jobs.services import job_run_inline
from orgs.models import Org


class Command(BaseCommand):
    help = "Export records of an org as of a backup job to a zip of CSV (or Parquet) files."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--org", type=int, required=True, help="the org's id in OrgVault")
        parser.add_argument("--as-of-job", type=int, default=0, help="a backup job's id")
        parser.add_argument("--archives-from", default="", help="archive jobs from (YYYY-MM-DD)")
        parser.add_argument("--archives-to", default="", help="archive jobs to (YYYY-MM-DD)")
        parser.add_argument("--objects", required=True, help="object API names, comma-separated")
        parser.add_argument(
            "--filter", action="append", default=[], help='OBJECT:"SOQL condition" (repeatable)'
        )
        parser.add_argument(
            "--rule",
            action="append",
            default=[],
            help='OBJECT:"Field operator value" declarative filter (repeatable, ANDed)',
        )
        parser.add_argument(
            "--children", action="append", default=[], help="PARENT:Child,Child (repeatable)"
        )
        parser.add_argument("--files", action="store_true", help="files' bodies in files/")
        parser.add_argument(
            "--fields", action="append", default=[], help="OBJECT:Field,Field (repeatable)"
        )
        parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
        parser.add_argument("--records-per-file", type=int, default=0)
        parser.add_argument("--wait", action="store_true", help="run inline and wait")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **opts):
        org = Org.objects.filter(pk=opts["org"]).first()
        if org is None:
            raise CommandError(f"There is no org with id {opts['org']}.")
        fields = {
            name: [f.strip() for f in text.split(",") if f.strip()]
            for name, text in object_pairs(opts["fields"], "--fields").items()
        }
        rules: dict[str, list[dict]] = {}
        for value in opts["rule"]:
            for name, text in object_pairs([value], "--rule").items():
                try:
                    rules.setdefault(name, []).append(parse_rule(text))
                except ValidationError as exc:
                    raise CommandError(" ".join(exc.messages)) from None
        children = {
            name: [c.strip() for c in text.split(",") if c.strip()]
            for name, text in object_pairs(opts["children"], "--children").items()
        }
        try:
            job = export_start(
                org=org,
                as_of_job=opts["as_of_job"],
                archives_from=opts["archives_from"],
                archives_to=opts["archives_to"],
                objects=[name.strip() for name in opts["objects"].split(",") if name.strip()],
                filters=object_pairs(opts["filter"], "--filter"),
                fields=fields,
                format=opts["format"],
                records_per_file=opts["records_per_file"] or None,
                rules=rules,
                children=children,
                include_files=opts["files"],
                enqueue=not opts["wait"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if opts["wait"]:
            job = job_run_inline(job=job)
        export = export_for_job(job=job)
        result = {
            "file_name": export.file_name if export else "",
            "path": export.storage_key if export else "",
            "byte_size": export.byte_size if export else 0,
            "expires_at": export.expires_at.isoformat() if export and export.expires_at else None,
            "counts": export.counts if export else {},
        }
        if opts["json"]:
            self.stdout.write(json.dumps({**job_summary(job), "export": result}))
        elif opts["wait"]:
            self.stdout.write(f"Job {job.pk} {job.get_status_display().lower()}.")
            if export and export.is_ready:
                self.stdout.write(f"{result['file_name']} at {result['path']} (sealed)")
                for name, count in result["counts"].items():
                    self.stdout.write(f"  {name}: {count} records")
            if job.error_message:
                self.stdout.write(job.error_message)
        else:
            self.stdout.write(f"Job {job.pk} queued.")
        if opts["wait"] and job.status != Job.Status.COMPLETED:
            raise SystemExit(1)
