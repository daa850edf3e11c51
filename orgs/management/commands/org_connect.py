"""Connect a Salesforce org from a script: OAuth password grant, then the same
connection check and object catalog as the Add Salesforce Org page.

    python manage.py org_connect --tenant "Acme" --name Production \
        --login-url https://127.0.0.1:8443 --username u --password p \
        --client-id ID --client-secret SECRET --generate-key --ca-bundle var/sfsim/ca.pem --json
"""

import json
from urllib.parse import urlparse

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from common.crypto import InvalidTenantKey, generate_tenant_key, parse_tenant_key
from orgs import services
from orgs.forms import ca_bundle_error
from orgs.models import Org
from salesforce.errors import SalesforceConnectorError
from salesforce.permissions import describe_missing
from tenants.selectors import tenant_get_by_name

# option -> the Org column its value is saved in
COLUMNS = {
    "name": "name",
    "login-url": "login_url",
    "client-id": "client_id",
    "ca-bundle": "ca_bundle",
}


def _org_type(login_url: str) -> str:
    host = urlparse(login_url).hostname or ""
    if host == "login.salesforce.com":
        return Org.OrgType.PRODUCTION
    if host == "test.salesforce.com":
        return Org.OrgType.SANDBOX
    return Org.OrgType.CUSTOM


class Command(BaseCommand):
    help = "Connect a Salesforce org to a tenant with the OAuth password grant (for scripts)."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="the tenant's organization name")
        parser.add_argument("--name", required=True, help="the org's name in OrgVault")
        parser.add_argument("--login-url", required=True, help="e.g. https://login.salesforce.com")
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--client-id", default="", help="default: SALESFORCE_CLIENT_ID")
        parser.add_argument("--client-secret", default="", help="default: SALESFORCE_CLIENT_SECRET")
        key = parser.add_mutually_exclusive_group(required=True)
        key.add_argument("--key", help="the tenant's AES-256 key, base64 of 32 bytes")
        key.add_argument(
            "--generate-key", action="store_true", help="generate a key, print it once"
        )
        parser.add_argument("--ca-bundle", default="", help="PEM file to trust for the login URL")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, **opts):
        self._check_lengths(opts)
        self._check_ca_bundle(opts["ca_bundle"])
        tenant = tenant_get_by_name(name=opts["tenant"])
        if tenant is None:
            raise CommandError(f"There is no tenant named {opts['tenant']!r}.")
        key_text = generate_tenant_key() if opts["generate_key"] else opts["key"]
        try:
            tenant_key = parse_tenant_key(key_text)
        except InvalidTenantKey as exc:
            raise CommandError(str(exc)) from None
        org = self._connect(tenant, tenant_key, opts)
        result = {"org_id": org.pk, "sf_org_id": org.sf_org_id}
        if opts["generate_key"]:
            result["key"] = key_text
        if opts["json"]:
            self.stdout.write(json.dumps(result))
            return
        self.stdout.write(
            f"Connected {org.name} (org {org.pk}, Salesforce org Id {org.sf_org_id})."
        )
        if opts["generate_key"]:
            self.stdout.write(f"Encryption key (store it in a password manager now): {key_text}")

    @staticmethod
    def _check_lengths(opts) -> None:
        """Each value saved on the org fits its column and holds no NUL character."""
        for option, field in COLUMNS.items():
            value = opts[option.replace("-", "_")].strip()
            max_length = getattr(Org._meta.get_field(field), "max_length", None) or 0
            if "\x00" in value:
                raise CommandError(f"--{option} contains a NUL character (\\x00): remove it.")
            if len(value) > max_length:
                raise CommandError(
                    f"--{option} is {len(value)} characters long: use at most {max_length}. "
                    "Nothing was saved."
                )

    @staticmethod
    def _check_ca_bundle(path: str) -> None:
        """The CA bundle to trust (--ca-bundle, else SALESFORCE_CA_BUNDLE) must be a PEM
        file here, checked before anything is asked of Salesforce or saved."""
        source = "--ca-bundle" if path else "SALESFORCE_CA_BUNDLE"
        path = path or settings.SALESFORCE_CA_BUNDLE
        problem = ca_bundle_error(path) if path else None
        if problem:
            raise CommandError(
                f"{source}: {problem} Give the PEM file of the certificate authority that "
                "signs the login URL's certificate. Nothing was saved."
            )

    def _connect(self, tenant, tenant_key: bytes, opts) -> Org:
        login_url = opts["login_url"].rstrip("/")
        pending = None
        try:
            pending = services.org_create_pending(
                tenant=tenant,
                name=opts["name"],
                org_type=_org_type(login_url),
                login_url=login_url,
                redirect_uri="",
                tenant_key=tenant_key,
                client_id=opts["client_id"],
                client_secret=opts["client_secret"],
                ca_bundle=opts["ca_bundle"],
            )
            tokens = services.pending_password_grant(
                pending=pending, username=opts["username"], password=opts["password"]
            )
            return services.org_complete_connection(pending=pending, tokens=tokens)
        except services.MissingPermissions as exc:
            if exc.pending is not None:
                services.pending_cancel(pending=exc.pending)
            labels = ", ".join(p.label for p in describe_missing(exc.missing))
            raise CommandError(
                f"The Salesforce user {opts['username']} lacks: {labels}. Grant them (a "
                "permission set assigned to the user) and run the command again. Nothing "
                "was saved."
            ) from None
        except (services.OrgConnectError, SalesforceConnectorError) as exc:
            if pending is not None:
                services.pending_cancel(pending=pending)
            raise CommandError(f"{exc} Nothing was saved.") from None
