"""`manage.py analytics_backfill [--org ID]`: build the Analytics aggregates of jobs
that finished before analytics existed (or rebuild them). Safe to run again."""

from django.core.management.base import BaseCommand, CommandError

from analytics.services import job_stats_backfill
from orgs.models import Org


class Command(BaseCommand):
    help = "Build (or rebuild) the Analytics aggregates from the finished jobs."

    def add_arguments(self, parser):
        parser.add_argument("--org", type=int, help="only this org's jobs (its id)")

    def handle(self, *args, **options):
        org_id = options.get("org")
        if org_id is not None and not Org.objects.filter(pk=org_id).exists():
            raise CommandError(f"There is no org with id {org_id}. See the ids on /orgs/.")
        done = job_stats_backfill(org_id=org_id)
        self.stdout.write(f"Recorded the aggregates of {done} finished job(s).")
