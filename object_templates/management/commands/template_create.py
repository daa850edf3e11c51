"""Create a backup template of an org from a JSON file.

    python manage.py template_create --org 3 --from-json template.json [--json]

The file: {"name": "Banking accounts", "description": "...", "objects": [{"name":
"Account", "filter": {"soql": "Industry = 'Banking'"}, "children": [{"name": "Contact",
"relationship": "Contacts"}, {"name": "Opportunity", "relationship": "Opportunities",
"filter": {"declarative": [{"field": "StageName", "operator": "not equals", "value":
"Closed Lost"}]}}]}]}. Every filter is checked against the org's fields first; an invalid
one stops the command with the parser's message and nothing is saved.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from object_templates.services import TemplateError, template_create, template_spec
from orgs.models import Org


class Command(BaseCommand):
    help = "Create a backup template of an org from a JSON file."

    def add_arguments(self, parser):
        parser.add_argument("--org", type=int, required=True, help="the org's id in OrgVault")
        parser.add_argument("--from-json", required=True, help="the template's JSON file")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **opts):
        org = Org.objects.filter(pk=opts["org"]).first()
        if org is None:
            raise CommandError(f"There is no org with id {opts['org']}.")
        spec = self._read(Path(opts["from_json"]))
        try:
            template = template_create(
                org=org,
                name=spec.get("name", ""),
                description=spec.get("description", ""),
                objects=spec.get("objects", []),
            )
        except TemplateError as exc:
            raise CommandError(str(exc)) from None
        if opts["json"]:
            self.stdout.write(json.dumps({"template_id": template.pk, **template_spec(template)}))
        else:
            count = template.template_objects.count()
            self.stdout.write(
                f"Template {template.pk} '{template.name}' created ({count} objects)."
            )

    @staticmethod
    def _read(path: Path) -> dict:
        try:
            spec = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
        except UnicodeDecodeError:
            raise CommandError(f"{path} is not UTF-8 text: save it as UTF-8 JSON.") from None
        except json.JSONDecodeError as exc:
            raise CommandError(f"{path} is not valid JSON: {exc}.") from None
        except RecursionError:
            raise CommandError(f"{path} nests its JSON too deeply to be a template.") from None
        if not isinstance(spec, dict) or not isinstance(spec.get("objects", []), list):
            raise CommandError(
                f'{path} must hold an object like {{"name": ..., "objects": [...]}}.'
            )
        return spec
