"""Create an archive template of an org from a JSON file.

    python manage.py archive_template_create --org 3 --from-json archive.json [--json]

The file is template_create's shape plus "retain" per object: {"name": "Old contacts",
"objects": [{"name": "Contact", "retain": false, "filter": {"soql": "CreatedDate <
2020-01-01T00:00:00Z"}, "children": [{"name": "Contract", "relationship":
"ContractsSigned", "retain": true}]}]}. The children Salesforce deletes with a parent (or
that make it refuse the parent's delete) are added by themselves, locked.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from archives.management.commands._common import org_of, read_json
from object_templates.archive import archive_plan
from object_templates.models import ObjectTemplate
from object_templates.services import TemplateError, template_create, template_spec


class Command(BaseCommand):
    help = "Create an archive template of an org from a JSON file."

    def add_arguments(self, parser):
        parser.add_argument("--org", type=int, required=True, help="the org's id in OrgVault")
        parser.add_argument("--from-json", required=True, help="the template's JSON file")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **opts):
        org = org_of(opts["org"])
        spec = read_json(Path(opts["from_json"]))
        try:
            template = template_create(
                org=org,
                name=spec.get("name", ""),
                description=spec.get("description", ""),
                objects=spec.get("objects", []),
                kind=ObjectTemplate.Kind.ARCHIVE,
            )
        except TemplateError as exc:
            raise CommandError(str(exc)) from None
        spec = template_spec(template)
        plans = archive_plan(spec)
        if opts["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "template_id": template.pk,
                        **spec,
                        "plan": {
                            n: {"action": p.action, "reason": p.reason} for n, p in plans.items()
                        },
                    }  # fmt: skip
                )
            )
        else:
            self.stdout.write(
                f"Archive template {template.pk} '{template.name}' created ({len(plans)} "
                "objects, dependent children included)."
            )
