"""Connect a Salesforce org from a script: OAuth password grant, then the same
connection check and object catalog as the Add Salesforce Org page.

    SALESFORCE_PASSWORD=... SALESFORCE_CLIENT_SECRET=... python manage.py org_connect \
        --tenant "Acme" --name Production --login-url https://127.0.0.1:8443 \
        --username u --client-id ID --generate-key --ca-bundle var/sfsim/ca.pem --json

Secrets never need the command line, where other users of the machine see them (`ps`):
each comes from a file (`--password-file`, `--security-token-file`,
`--client-secret-file`, `--key-file`; "-" reads standard input) or the environment
(SALESFORCE_PASSWORD, SALESFORCE_SECURITY_TOKEN, SALESFORCE_CLIENT_SECRET,
ORGVAULT_TENANT_KEY). The old `--password`, `--client-secret` and `--key` still work
but say they are visible. The CA certificates are read from the `--ca-bundle` file and
kept on the org as PEM text.
"""

import json
import os
import sys
from pathlib import Path
from urllib.parse import urlparse

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from common.crypto import InvalidTenantKey, generate_tenant_key, parse_tenant_key
from orgs import services
from orgs.ca_bundles import CaBundleError, ca_pem_clean
from orgs.forms import ca_bundle_error
from orgs.models import Org
from salesforce.errors import SalesforceConnectorError
from salesforce.permissions import describe_missing
from tenants.audit import Action, audit_record
from tenants.selectors import tenant_get_by_name

# option -> the Org column its value is saved in
COLUMNS = {
    "name": "name",
    "login-url": "login_url",
    "client-id": "client_id",
}
SECRET_MAX = 10_000

# secret -> (its file option, its environment variable, the old command-line option)
SECRETS = {
    "password": ("--password-file", "SALESFORCE_PASSWORD", "--password"),
    "security_token": ("--security-token-file", "SALESFORCE_SECURITY_TOKEN", None),
    "client_secret": ("--client-secret-file", "SALESFORCE_CLIENT_SECRET", "--client-secret"),
    "key": ("--key-file", "ORGVAULT_TENANT_KEY", "--key"),
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
        parser.add_argument("--client-id", default="", help="default: SALESFORCE_CLIENT_ID")
        for name, (file_option, variable, old_option) in SECRETS.items():
            parser.add_argument(
                file_option,
                default="",
                metavar="FILE",
                help=f"read the {name.replace('_', ' ')} from FILE ('-': standard input); "
                f"default: ${variable}",
            )
            if old_option:
                parser.add_argument(
                    old_option,
                    default="",
                    dest=f"{name}_literal",
                    help=f"(visible to other users in ps: prefer {file_option} or ${variable})",
                )
        parser.add_argument(
            "--generate-key", action="store_true", help="generate a key, print it once"
        )
        parser.add_argument(
            "--ca-bundle",
            default="",
            metavar="FILE",
            help="PEM file of the CA to trust for the login URL (kept on the org)",
        )
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, **opts):
        self._check_lengths(opts)
        opts["ca_bundle"] = self._ca_bundle(opts["ca_bundle"])
        for name in SECRETS:
            opts[name] = self._secret(name, opts)
        if not opts["password"]:
            raise CommandError(
                "Give the Salesforce user's password: --password-file FILE or the "
                "SALESFORCE_PASSWORD environment variable. Nothing was saved."
            )
        opts["password"] += opts["security_token"]
        if opts["generate_key"] and (opts["key_file"] or opts["key_literal"]):
            raise CommandError("Give the key (--key-file) or --generate-key, not both.")
        if not opts["key"] and not opts["generate_key"]:
            raise CommandError(
                "Give the tenant's encryption key (--key-file FILE or ORGVAULT_TENANT_KEY), "
                "or --generate-key. Nothing was saved."
            )
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

    def _secret(self, name: str, opts) -> str:
        """A secret from its file, else the (visible) old option, else its environment
        variable; "" when none is given."""
        file_option, variable, old_option = SECRETS[name]
        path = opts[file_option[2:].replace("-", "_")]
        if path:
            try:
                text = sys.stdin.read(SECRET_MAX) if path == "-" else _read(Path(path))
            except OSError as exc:
                raise CommandError(
                    f"{file_option}: {path} cannot be read ({exc.strerror or exc}). Nothing "
                    "was saved."
                ) from None
            return text.strip()
        literal = opts.get(f"{name}_literal", "") if old_option else ""
        if literal:
            self.stderr.write(
                f"{old_option} is visible to other users of this machine (ps): use "
                f"{file_option} or ${variable} instead."
            )
            return literal
        return os.environ.get(variable, "").strip()

    @staticmethod
    def _ca_bundle(path: str) -> str:
        """The PEM text of --ca-bundle (else "": SALESFORCE_CA_BUNDLE, which must then be
        usable), checked before anything is asked of Salesforce or saved."""
        source = "--ca-bundle" if path else "SALESFORCE_CA_BUNDLE"
        file = path or settings.SALESFORCE_CA_BUNDLE
        problem = ca_bundle_error(file) if file else None
        if problem:
            raise CommandError(
                f"{source}: {problem} Give the PEM file of the certificate authority that "
                "signs the login URL's certificate. Nothing was saved."
            )
        if not path:
            return ""
        try:
            return ca_pem_clean(_read(Path(path)))
        except (CaBundleError, UnicodeDecodeError) as exc:
            raise CommandError(f"--ca-bundle: {path}: {exc} Nothing was saved.") from None

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
            org = services.org_complete_connection(pending=pending, tokens=tokens)
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
        audit_record(
            tenant=tenant,
            action=Action.ORG_CONNECTED,
            target=f"Org {org.pk}",
            detail={
                "name": org.name,
                "sf_org_id": org.sf_org_id,
                "key_fingerprint": org.key_fingerprint,
                "via": "org_connect",
            },
        )
        return org


def _read(path: Path) -> str:
    with path.open(encoding="utf-8") as handle:
        return handle.read(1_000_000)
