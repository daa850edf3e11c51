"""Show any job: status, counters, per-object rows (and the log with --logs).

python manage.py job_show 57 [--json] [--logs]
"""

import json

from django.core.management.base import BaseCommand, CommandError

from jobs.models import Job, JobLog, JobObject


def job_detail(job: Job, *, logs: bool) -> dict:
    data = {
        "job_id": job.pk,
        "org_id": job.org_id,
        "operation": job.operation,
        "name": job.name,
        "trigger": job.trigger,
        "status": job.status,
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "records": job.records,
        "added": job.added,
        "changed": job.changed,
        "deleted": job.deleted,
        "size_bytes": job.size_bytes,
        "api_calls": job.api_calls,
        "error": job.error_message,
        "settings": job.job_settings.to_json(),
        "objects": [
            {
                "object": o.object_name,
                "status": o.status,
                "method": o.method,
                "records": o.records,
                "added": o.added,
                "changed": o.changed,
                "deleted": o.deleted,
                "size_bytes": o.size_bytes,
                "api_calls": o.api_calls,
                "error": o.error_message,
            }
            for o in JobObject.objects.filter(job=job).order_by("object_name")
        ],
    }
    if logs:
        data["logs"] = [
            {"at": line.created_at.isoformat(), "level": line.level, "message": line.message}
            for line in JobLog.objects.filter(job=job).order_by("id")
        ]
    return data


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
        data = job_detail(job, logs=opts["logs"])
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
