"""Show any job: status, counters, per-object rows (and the log with --logs).

python manage.py job_show 57 [--json] [--logs]
"""

import json

from django.core.management.base import BaseCommand, CommandError

from jobs.models import Job
from jobs.selectors import job_summary


class Command(BaseCommand):
    help = "Show a job's status, counters and objects."
    # An operations command: skip the system checks (they import every URLconf and
    # view, about a second) so a scripted run starts at once.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("job_id", type=int)
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--logs", action="store_true", help="include the log lines")

    def handle(self, *args, **opts):
        job = Job.objects.filter(pk=opts["job_id"]).first()
        if job is None:
            raise CommandError(f"There is no job with id {opts['job_id']}.")
        data = job_summary(job, objects=True, logs=opts["logs"])
        if opts["json"]:
            self.stdout.write(json.dumps(data))
            return
        self.stdout.write(
            f"Job {job.pk} ({job.get_operation_display()}, {job.name}): {job.get_status_display()}"
        )
        self.stdout.write(
            f"  records {job.records}, added {job.added}, changed {job.changed}, "
            f"deleted {job.deleted}, size {job.size_bytes} bytes, API calls {job.api_calls}"
        )
        if job.error_message:
            self.stdout.write(f"  error: {job.error_message}")
        for row in data["objects"]:
            self.stdout.write(
                f"  {row['object']:<40} {row['status']:<12} {row['records']:>9} "
                f"+{row['added']} ~{row['changed']} -{row['deleted']}"
            )
        for line in data.get("logs", []):
            self.stdout.write(f"  [{line['level']}] {line['message']}")
