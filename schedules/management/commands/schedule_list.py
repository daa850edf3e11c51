"""List an org's schedules: when each runs next, what it ran last.

python manage.py schedule_list --org 3 [--json]
"""

import json

from django.core.management.base import BaseCommand, CommandError

from orgs.models import Org
from schedules.selectors import schedule_cards


def _iso(value) -> str | None:
    return value.isoformat() if value else None


class Command(BaseCommand):
    help = "List an org's system and user schedules."

    def add_arguments(self, parser):
        parser.add_argument("--org", type=int, required=True, help="the org's id")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **options):
        org = Org.objects.select_related("tenant").filter(pk=options["org"]).first()
        if org is None:
            raise CommandError(f"No org has id {options['org']}; see the ids on the Orgs page.")
        cards = schedule_cards(org=org)
        rows = [self._row(card) for card in cards["system"] + cards["user"]]
        if options["json"]:
            data = {
                "org_id": org.pk,
                "time_zone": org.tenant.time_zone,
                "scheduled_backups_enabled": org.scheduled_backups_enabled,
                "schedules": rows,
            }
            self.stdout.write(json.dumps(data, indent=2))
            return
        if not org.scheduled_backups_enabled:
            self.stdout.write("Scheduled backups are off for this org: nothing below will run.")
        for row in rows:
            last = f"job {row['last_job_id']}" if row["last_job_id"] else "never run"
            self.stdout.write(
                f"{row['id']:>5}  {row['kind']:<6}  {row['name']}  next {row['next_run_at']}"
                f"  ({last}){'' if row['enabled'] else '  [off]'}\n       {row['sentence']}"
            )

    @staticmethod
    def _row(card) -> dict:
        schedule = card.schedule
        return {
            "id": schedule.pk,
            "kind": schedule.kind,
            "operation": schedule.operation,
            "name": schedule.name,
            "enabled": schedule.enabled,
            "frequency": schedule.frequency,
            "interval": schedule.interval,
            "run_at": schedule.run_at.strftime("%H:%M"),
            "start_date": schedule.start_date.isoformat(),
            "weekdays": schedule.weekdays,
            "monthly_mode": schedule.monthly_mode,
            "month_day": schedule.month_day,
            "month_week": schedule.month_week,
            "month_weekday": schedule.month_weekday,
            "settings": schedule.settings,
            "sentence": card.sentence,
            "next_run_at": _iso(schedule.next_run_at),
            "next_run_local": _iso(card.next_run),
            "last_run_at": _iso(schedule.last_run_at),
            "last_job_id": schedule.last_job_id,
        }
