"""Run (or dry-run) a restore request from a script.

    python manage.py restore_run REQUEST_ID [--dry-run] [--wait] [--json]

Without --wait the job is queued for the qcluster workers and its id printed. With
--wait it runs in this process and prints the counts per object and action, the API
calls used, and (dry run) the exact number of API calls the real run will use
(--json: the job summary plus a "restore" object). Exit status 1 when the job does not
complete or a record failed.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from jobs.models import Job
from jobs.selectors import job_summary
from jobs.services import job_run_inline
from restores import selectors
from restores.models import RestoreRecord, RestoreRequest, with_messages
from restores.services import restore_start


class Command(BaseCommand):
    help = "Run a restore request (or a dry run of it) against its org."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("request_id", type=int)
        parser.add_argument("--dry-run", action="store_true", help="everything but the writes")
        parser.add_argument("--wait", action="store_true", help="run inline and wait")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **opts):
        request = RestoreRequest.objects.select_related("org").filter(pk=opts["request_id"])
        found = request.first()
        if found is None:
            raise CommandError(f"There is no restore request with id {opts['request_id']}.")
        try:
            job = restore_start(request=found, dry_run=opts["dry_run"], enqueue=not opts["wait"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if not opts["wait"]:
            self.stdout.write(f"Job {job.pk} queued.")
            return
        job = job_run_inline(job=job)
        run = selectors.run_for_job(job=job)
        failed = selectors.records_for_job(job=job).filter(status=RestoreRecord.Status.FAILED)
        result = {
            "request_id": found.pk,
            "dry_run": opts["dry_run"],
            "counts": run.counts if run else {},
            "read_calls": run.read_calls if run else 0,
            "write_calls": run.write_calls if run else 0,
            "api_calls_for_run": run.api_calls_for_run if run else 0,
            "bulk_jobs": run.bulk_jobs_for_run if run else 0,
            "api_remaining": run.api_remaining if run else None,
            "api_allowed": run.api_allowed if run else None,
            "drift": run.drift if run else [],
            "skipped": [
                {
                    "object": r.object_name,
                    "id": r.original_id,
                    "error_code": r.error_code,
                    "message": r.error_message,
                }
                for r in with_messages(
                    selectors.records_for_job(job=job).filter(status=RestoreRecord.Status.SKIPPED)[
                        :1000
                    ],
                    org=job.org,
                )
            ],
            "failures": [
                {
                    "object": r.object_name,
                    "id": r.original_id,
                    "action": r.action,
                    "error_code": r.error_code,
                    "message": r.error_message,
                }
                for r in with_messages(failed[:1000], org=job.org)
            ],
        }
        if opts["json"]:
            self.stdout.write(json.dumps({**job_summary(job), "restore": result}, indent=2))
        else:
            for name, counts in result["counts"].items():
                parts = ", ".join(f"{n} {action}" for action, n in counts.items())
                self.stdout.write(f"{name}: {parts}")
            self.stdout.write(f"API calls: {job.api_calls}.")
            if opts["dry_run"]:
                self.stdout.write(f"The run will use {result['api_calls_for_run']} API calls.")
        if job.status != Job.Status.COMPLETED or result["failures"]:
            raise SystemExit(1)
