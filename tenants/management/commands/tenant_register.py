import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenants.services import tenant_register


class Command(BaseCommand):
    help = "Create a tenant (organization) and its first Admin user."

    def add_arguments(self, parser):
        parser.add_argument("--org-name", required=True, help="organization name, unique")
        parser.add_argument("--email", required=True, help="the Admin's email")
        parser.add_argument(
            "--password",
            required=True,
            help="at least 8 characters with a letter, a number and a special character",
        )
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--json", action="store_true", help="print the ids as JSON")

    def handle(self, *args, **options):
        try:
            tenant, user = tenant_register(
                org_name=options["org_name"],
                email=options["email"],
                password=options["password"],
                first_name=options["first_name"],
                last_name=options["last_name"],
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        if options["json"]:
            self.stdout.write(json.dumps({"tenant_id": tenant.pk, "user_id": user.pk}))
        else:
            self.stdout.write(
                f"Created organization “{tenant.name}” (tenant {tenant.pk}) "
                f"with Admin {user.email} (user {user.pk})."
            )
