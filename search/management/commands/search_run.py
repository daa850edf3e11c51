"""Search every version in an org's vault from a script.

    python manage.py search_run --org 3 --object Contact --filter "Email = 'x@y.z'"
        [--children Case,Task] [--wait] [--json]

Without --wait the job is queued and its id printed. With --wait it runs in this process
and prints the search id and the records matched per object (--json: the job summary
plus a "search" object). The exit status is 1 when the job does not complete.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from jobs.models import Job
from jobs.selectors import job_summary
from jobs.services import job_run_inline
from orgs.models import Org
from search.selectors import search_for_job
from search.services import search_start


class Command(BaseCommand):
    help = "Search every version of an object in an org's vault (a parent filter is required)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--org", type=int, required=True, help="the org's id in OrgVault")
        parser.add_argument("--object", required=True, help="the object's API name")
        parser.add_argument("--filter", required=True, help="a SOQL condition on the object")
        parser.add_argument("--children", default="", help="child objects, comma-separated")
        parser.add_argument("--wait", action="store_true", help="run inline and wait")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **opts):
        org = Org.objects.filter(pk=opts["org"]).first()
        if org is None:
            raise CommandError(f"There is no org with id {opts['org']}.")
        try:
            job = search_start(
                org=org,
                object_name=opts["object"].strip(),
                filter_text=opts["filter"],
                children=[c.strip() for c in opts["children"].split(",") if c.strip()],
                enqueue=not opts["wait"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if not opts["wait"]:
            self.stdout.write(
                json.dumps({"job": job.pk}) if opts["json"] else f"Job {job.pk} queued."
            )
            return
        job = job_run_inline(job=job)
        search = search_for_job(job=job)
        found = {
            "id": search.pk if search else None,
            "counts": search.counts if search else {},
            "used_index": bool(search and search.used_index),
            "expires_at": search.expires_at.isoformat() if search and search.expires_at else None,
        }
        if opts["json"]:
            self.stdout.write(json.dumps({**job_summary(job), "search": found}, default=str))
        else:
            listed = ", ".join(f"{n} {name}" for name, n in found["counts"].items()) or "nothing"
            self.stdout.write(f"Search {found['id']} (job {job.pk}): {listed}.")
        if job.status != Job.Status.COMPLETED:
            raise SystemExit(1)
