"""Run a Composite (or Composite & Sync) Backup of an org from a script.

    python manage.py backup_run --org 3 [--sync] [--wait] [--json] [--name N]
                                [--include binary_objects,history_objects]
    python manage.py backup_run --org 3 --template NAME [--wait] [--json] [--name N]
    python manage.py backup_run --org 3 --metadata-only [--wait] [--json] [--name N]

Without --wait the job is queued for the qcluster workers and its id printed. With
--wait the job runs inline, in this command's process (no qcluster needed; a running
qcluster is not used for it; `--workers N` runs its objects in N forked processes),
and the final status and counters are printed. The exit
status is 1 when the job ends in error or is aborted.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from backups.job_settings import JobSettings
from backups.operations import (
    COMPOSITE_BACKUP,
    COMPOSITE_SYNC_BACKUP,
    METADATA_BACKUP,
    TEMPLATED_BACKUP,
)
from jobs.models import Job
from jobs.selectors import job_summary
from jobs.services import job_run_inline, job_start
from orgs.models import Org


class Command(BaseCommand):
    help = "Start a Composite Backup (or Composite & Sync with --sync) of an org."
    # An operations command: skip the system checks (they import every URLconf and
    # view, about a second) so a scripted run starts at once.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--org", type=int, required=True, help="the org's id in OrgVault")
        parser.add_argument("--sync", action="store_true", help="Composite & Sync Backup")
        parser.add_argument("--template", default="", help="a Templated Backup of this template")
        parser.add_argument(
            "--metadata-only", action="store_true", help="a Metadata Backup (no records)"
        )
        parser.add_argument("--wait", action="store_true", help="run inline and wait")
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="with --wait: run objects in this many processes (default 1)",
        )
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument("--name", default="", help="the job's name")
        parser.add_argument(
            "--include",
            default="",
            help="job settings to turn on, comma-separated: " + ", ".join(JobSettings.LABELS),
        )

    def handle(self, *args, **opts):
        org = Org.objects.filter(pk=opts["org"]).first()
        if org is None:
            raise CommandError(f"There is no org with id {opts['org']}.")
        settings = self._settings(opts["include"])
        if opts["metadata_only"]:
            if opts["sync"] or opts["include"] or opts["template"]:
                raise CommandError("--metadata-only takes no --sync, --include or --template.")
            job = job_start(
                org=org, operation=METADATA_BACKUP, name=opts["name"], enqueue=not opts["wait"]
            )
        elif opts["template"]:
            job = self._templated(org, opts)
        else:
            job = job_start(
                org=org,
                operation=COMPOSITE_SYNC_BACKUP if opts["sync"] else COMPOSITE_BACKUP,
                name=opts["name"],
                settings=settings.to_json(),
                enqueue=not opts["wait"],
            )
        if opts["wait"]:
            job = job_run_inline(job=job, workers=max(1, opts["workers"]))
        summary = job_summary(job)
        if opts["json"]:
            self.stdout.write(json.dumps(summary))
        elif opts["wait"]:
            self.stdout.write(
                f"Job {job.pk} {job.get_status_display().lower()}: {job.records} records, "
                f"{job.added} added, {job.changed} changed, {job.deleted} deleted, "
                f"{job.size_bytes} bytes, {job.api_calls} API calls."
            )
            if job.error_message:
                self.stdout.write(job.error_message)
        else:
            self.stdout.write(f"Job {job.pk} queued.")
        if opts["wait"] and job.status != Job.Status.COMPLETED:
            raise SystemExit(1)

    def _templated(self, org, opts) -> Job:
        from object_templates.selectors import template_get_by_name

        if opts["sync"] or opts["include"]:
            raise CommandError("--sync and --include do not apply to a Templated Backup.")
        template = template_get_by_name(org=org, name=opts["template"])
        if template is None:
            raise CommandError(
                f"Org {org.pk} has no template named '{opts['template']}' "
                "(create one with template_create)."
            )
        return job_start(
            org=org,
            operation=TEMPLATED_BACKUP,
            template=template,
            name=opts["name"],
            enqueue=not opts["wait"],
        )

    def _settings(self, text: str) -> JobSettings:
        names = [n.strip() for n in text.split(",") if n.strip()]
        allowed = set(JobSettings.LABELS)
        unknown = [n for n in names if n not in allowed]
        if unknown:
            raise CommandError(
                f"Unknown job settings: {', '.join(unknown)}. Use: {', '.join(sorted(allowed))}."
            )
        return JobSettings(**{name: True for name in names})
