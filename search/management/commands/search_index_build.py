"""Build the blind index (search.blind_index) for the versions already in an org's vault.

    python manage.py search_index_build --org 3 [--objects Contact,Lead] [--json]

A job that wrote segments queues their indexing when it finishes (search.receivers);
this command does the same at once, for the whole org or chosen objects, for an
operator or a benchmark (a search also indexes what it needs first).
"""

import json

from django.core.management.base import BaseCommand, CommandError

from orgs.models import Org
from orgs.services import org_data_key
from search.blind_index import index_object
from vault.models import Segment


class Command(BaseCommand):
    help = "Index the Email, Name, Phone (and admin-marked) fields of an org's vault."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--org", type=int, required=True)
        parser.add_argument("--objects", default="")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        org = Org.objects.filter(pk=opts["org"]).first()
        if org is None:
            raise CommandError(f"There is no org with id {opts['org']}.")
        names = [n.strip() for n in opts["objects"].split(",") if n.strip()] or sorted(
            set(Segment.objects.filter(org=org).values_list("object_name", flat=True))
        )
        data_key = org_data_key(org)
        written = {
            name: index_object(org=org, object_name=name, data_key=data_key) for name in names
        }
        if opts["json"]:
            self.stdout.write(json.dumps({"org": org.pk, "entries": written}))
        else:
            for name, n in written.items():
                self.stdout.write(f"{name}: {n} index entries written.")
