"""End or resume jobs whose worker stopped (no heartbeat for JOBS_STALE_SECONDS).

    python manage.py jobs_reap [--stale-seconds 120] [--inline] [--no-resume] [--json]

A job found for the first time goes back to the queue to resume from its saved
position (with --inline, it resumes in this process); the second time it ends in error
with a log line saying the worker stopped.
"""

import json
from datetime import timedelta

from django.core.management.base import BaseCommand

from jobs.runner import STALE_AFTER, reap_stale_jobs


class Command(BaseCommand):
    help = "Resume or end jobs whose worker stopped."
    # An operations command: skip the system checks (they import every URLconf and
    # view, about a second) so a scripted run starts at once.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--stale-seconds", type=int, default=int(STALE_AFTER.total_seconds()), dest="stale"
        )
        parser.add_argument("--inline", action="store_true", help="resume in this process")
        parser.add_argument(
            "--no-resume", action="store_true", help="end stale jobs in error instead of resuming"
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        reaped = reap_stale_jobs(
            stale_after=timedelta(seconds=opts["stale"]),
            inline=opts["inline"],
            resume=not opts["no_resume"],
        )
        if opts["json"]:
            self.stdout.write(json.dumps({"jobs": reaped}))
        else:
            self.stdout.write(
                f"{len(reaped)} job(s) handled: {reaped}" if reaped else "No stale jobs."
            )
