"""Run the scheduler: every ~15 s, reap stale jobs and queue the schedules' due runs.

python manage.py scheduler [--interval 15] [--once]

Several schedulers may run at once (each due run is queued exactly once); see
jobs/scheduler.py.
"""

import contextlib
import json
import signal
import sys

from django.core.management.base import BaseCommand

from jobs.runner import reap_stale_jobs
from schedules.scheduler import scheduler_loop, scheduler_tick


class Command(BaseCommand):
    help = "Queue due scheduled backups (and reap stale jobs), every --interval seconds."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=15.0, help="seconds between passes")
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument("--json", action="store_true", help="with --once: print JSON")

    def handle(self, *args, **options):
        if options["once"]:
            reaped = reap_stale_jobs()
            jobs = scheduler_tick()
            if options["json"]:
                data = {"queued_job_ids": [job.pk for job in jobs], "reaped_job_ids": reaped}
                self.stdout.write(json.dumps(data))
            else:
                self.stdout.write(f"Queued {len(jobs)} scheduled job(s); reaped {len(reaped)}.")
            return
        # Stopping at any point is safe: a run is claimed and queued in one transaction.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        self.stdout.write(f"Scheduler running (every {options['interval']:g} s). Ctrl-C stops.")
        with contextlib.suppress(KeyboardInterrupt):
            scheduler_loop(interval=options["interval"])
