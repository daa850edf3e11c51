"""Create a restore request from a script.

    python manage.py restore_request --org 3 --correct-job 57 [--compromised-job 60]
        --objects Account,Contact [--children Account:Contacts]
        [--filter Account:"Industry = 'Banking'"] [--fields Account:Name,Industry]
        [--fallback-owner 005...] [--type records|archive] [--name TEXT] [--json]

Prints the request's id (--json: the request as JSON). Without --compromised-job the
compromised side is the org as it is when the restore runs. Valid for 7 days.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from common.command_options import object_pairs
from orgs.models import Org
from restores.services import restore_request_create


class Command(BaseCommand):
    help = "Create a restore request: what to put back into the org, from which backup."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--org", type=int, required=True, help="the org's id in OrgVault")
        parser.add_argument("--correct-job", type=int, required=True, help="the last good backup")
        parser.add_argument("--compromised-job", type=int, default=0, help="the first bad backup")
        parser.add_argument("--objects", required=True, help="object API names, comma-separated")
        parser.add_argument("--filter", action="append", default=[], help='OBJECT:"SOQL"')
        parser.add_argument("--fields", action="append", default=[], help="OBJECT:Field,Field")
        parser.add_argument(
            "--children", action="append", default=[], help="PARENT:ChildRelationship"
        )
        parser.add_argument("--fallback-owner", default="", help="User Id for inactive owners")
        parser.add_argument("--type", default="records", choices=["records", "archive"])
        parser.add_argument("--name", default="")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **opts):
        org = Org.objects.filter(pk=opts["org"]).first()
        if org is None:
            raise CommandError(f"There is no org with id {opts['org']}.")
        fields = {
            name: [f.strip() for f in text.split(",") if f.strip()]
            for name, text in object_pairs(opts["fields"], "--fields").items()
        }
        children: dict[str, list[str]] = {}
        for value in opts["children"]:
            parent, sep, relationship = value.partition(":")
            if not sep or not parent.strip() or not relationship.strip():
                raise CommandError(f"--children takes PARENT:Relationship, got {value!r}.")
            children.setdefault(parent.strip(), []).append(relationship.strip())
        try:
            request = restore_request_create(
                org=org,
                correct_job=opts["correct_job"],
                compromised_job=opts["compromised_job"] or None,
                objects=[n.strip() for n in opts["objects"].split(",") if n.strip()],
                filters=object_pairs(opts["filter"], "--filter"),
                fields=fields,
                children=children,
                fallback_owner_id=opts["fallback_owner"],
                type=opts["type"],
                name=opts["name"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if opts["json"]:
            data = {
                "request_id": request.pk,
                "org_id": org.pk,
                "name": request.name,
                "correct_job": request.correct_job_id,
                "compromised_job": request.compromised_job_id,
                "objects": request.object_names,
                "filters": request.filters,
                "fields": request.fields,
                "children": request.children,
                "fallback_owner_id": request.fallback_owner_id,
                "expires_at": request.expires_at.isoformat(),
            }
            self.stdout.write(json.dumps(data, indent=2))
        else:
            self.stdout.write(f"Restore request {request.pk} created (valid for 7 days).")
