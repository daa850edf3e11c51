"""What an archive template would archive, delete and keep, asked of the org.

python manage.py archive_preview --org 3 --template NAME [--json]
"""

import json

from django.core.management.base import BaseCommand, CommandError

from archives.management.commands._common import archive_template, org_of
from archives.preview import archive_preview
from object_templates.services import TemplateError
from salesforce.errors import SalesforceConnectorError


class Command(BaseCommand):
    help = "Preview an archive template: per object archived, deleted, kept, refused."

    def add_arguments(self, parser):
        parser.add_argument("--org", type=int, required=True)
        parser.add_argument("--template", required=True, help="the archive template's name")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **opts):
        org = org_of(opts["org"])
        template = archive_template(org, opts["template"])
        try:
            preview = archive_preview(template=template)
        except (TemplateError, SalesforceConnectorError) as exc:
            raise CommandError(str(exc)) from None
        if opts["json"]:
            self.stdout.write(json.dumps({"template": template.name, **preview.to_json()}))
            return
        for row in preview.rows:
            self.stdout.write(
                f"{row.name:30} {row.action:8} archive {row.archive:6}  delete {row.delete_direct:6}"
                f"  cascade {row.delete_cascade:6}  kept {row.kept:6}  refused {row.refused:6}"
            )
        self.stdout.write(f"API calls: {preview.api_calls}")
