from pathlib import Path
from urllib.parse import urlparse

from django import forms
from django.conf import settings

from common.crypto import InvalidTenantKey, parse_tenant_key
from common.outbound import OutboundRefused, check_outbound_url
from orgs.ca_bundles import PEM_MAX_BYTES, CaBundleError, ca_pem_clean
from orgs.models import Org

# One answer for every address the form will not use or could not reach (a private,
# loopback, link-local or metadata address, a name that does not resolve, a refused
# connection, an untrusted certificate): the form is not a port scanner.
ADDRESS_REFUSED = (
    "OrgVault cannot use this address. Enter a public https:// URL that answers with a "
    "certificate this server trusts (paste your CA's certificates below if it uses a "
    "private CA)."
)


def ca_bundle_error(path: str) -> str | None:
    """Why the file at `path` (the operator's SALESFORCE_CA_BUNDLE, or org_connect's
    --ca-bundle) cannot be the CA bundle to trust for a login URL (no such file, not
    readable, no PEM certificate in its first megabyte), or None when it can. Never
    asked about a path a web user typed."""
    file = Path(path)
    try:
        if not file.is_file():
            return f"There is no file at {path} on this server."
        with file.open("rb") as handle:
            head = handle.read(1_000_000)
    except (OSError, ValueError) as exc:
        return f"{path} cannot be read: {getattr(exc, 'strerror', None) or exc}."
    if b"-----BEGIN CERTIFICATE-----" not in head:
        return f"{path} is not a PEM certificate bundle."
    return None


class OrgAddForm(forms.Form):
    name = forms.CharField(
        max_length=120, help_text="How this org is called in OrgVault, e.g. “Production”."
    )
    org_type = forms.ChoiceField(
        label="Type",
        choices=[
            (Org.OrgType.PRODUCTION, "Production (login.salesforce.com)"),
            (Org.OrgType.SANDBOX, "Sandbox (test.salesforce.com)"),
            (Org.OrgType.CUSTOM, "Custom login URL (My Domain)"),
        ],
        initial=Org.OrgType.PRODUCTION,
        widget=forms.RadioSelect,
    )
    login_url = forms.URLField(
        label="Login URL",
        assume_scheme="https",
        required=False,
        max_length=300,
        help_text="Only for Custom: e.g. https://yourcompany.my.salesforce.com",
    )
    storage = forms.ChoiceField(
        choices=Org.Storage.choices, initial=Org.Storage.MANAGED, widget=forms.RadioSelect
    )
    s3_bucket = forms.CharField(label="S3 bucket", required=False, max_length=255)
    s3_endpoint_url = forms.URLField(
        label="S3 endpoint URL",
        assume_scheme="https",
        required=False,
        max_length=300,
        help_text="Leave empty for AWS; set it for MinIO, Ceph or another S3-compatible store.",
    )
    s3_region = forms.CharField(label="S3 region", required=False, max_length=64)
    s3_access_key_id = forms.CharField(label="S3 access key id", required=False, max_length=255)
    s3_secret_access_key = forms.CharField(
        label="S3 secret access key", required=False, widget=forms.PasswordInput
    )
    encryption_key = forms.CharField(
        label="Encryption key",
        max_length=200,
        help_text="Base64 of exactly 32 bytes (44 characters), e.g. from “openssl rand -base64 "
        "32”. Keep it in a password manager: without it the backups cannot be read.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    client_id = forms.CharField(
        label="Connected app client id",
        required=False,
        max_length=255,
        help_text="Optional: leave empty to use this server's connected app.",
    )
    client_secret = forms.CharField(
        label="Connected app client secret", required=False, widget=forms.PasswordInput
    )
    ca_certificates = forms.CharField(
        label="CA certificates (PEM)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text="Optional: the certificate authority to trust for the login URL (a private "
        "CA), pasted as PEM text — or upload the .pem file below.",
    )
    ca_file = forms.FileField(
        label="CA certificates file (.pem)",
        required=False,
        help_text="Optional: the same certificates as a file from your computer.",
    )

    def clean_encryption_key(self) -> bytes:
        try:
            return parse_tenant_key(self.cleaned_data["encryption_key"])
        except InvalidTenantKey as exc:
            raise forms.ValidationError(str(exc)) from None

    def _ca_text(self) -> str:
        upload = self.cleaned_data.get("ca_file")
        if upload is not None:
            if upload.size > PEM_MAX_BYTES:
                raise forms.ValidationError("The CA certificates file is larger than 1 MB.")
            try:
                return upload.read().decode()
            except UnicodeDecodeError:
                raise forms.ValidationError(
                    "The CA certificates file is not PEM text (a binary DER file?). Convert "
                    "it with “openssl x509 -inform der -in ca.der -out ca.pem”."
                ) from None
        return self.cleaned_data.get("ca_certificates", "")

    def clean_ca_file(self):
        upload = self.cleaned_data.get("ca_file")
        if upload is not None and self.cleaned_data.get("ca_certificates", "").strip():
            raise forms.ValidationError("Paste the certificates or upload a file, not both.")
        return upload

    def _ca_bundle_clean(self) -> str:
        """The PEM text to trust, "" for this server's default (checked to be usable)."""
        text = self._ca_text().strip()
        if not text:
            default = settings.SALESFORCE_CA_BUNDLE
            if default and ca_bundle_error(default):
                raise forms.ValidationError(
                    "This server's default CA bundle (SALESFORCE_CA_BUNDLE) is unusable: "
                    "paste the CA certificates here, or ask its operator to fix the setting."
                )
            return ""
        try:
            return ca_pem_clean(text)
        except CaBundleError as exc:
            raise forms.ValidationError(str(exc)) from None

    def _outbound_check(self, field: str, url: str) -> None:
        """An address a person typed must be public unless OUTBOUND_ALLOW_PRIVATE; every
        refusal gets the same words, so the form tells nothing about the network."""
        try:
            check_outbound_url(url)
        except OutboundRefused:
            self.add_error(field, ADDRESS_REFUSED)

    def clean(self):
        data = super().clean()
        if data.get("org_type") == Org.OrgType.CUSTOM:
            url = data.get("login_url") or ""
            if not url:
                self.add_error("login_url", "Enter the login URL for a custom org.")
            elif urlparse(url).scheme != "https":
                self.add_error("login_url", "The login URL must start with https://.")
        if data.get("storage") == Org.Storage.S3:
            for field in ("s3_bucket", "s3_access_key_id", "s3_secret_access_key"):
                if not data.get(field):
                    self.add_error(field, "Required when you use your own S3 bucket.")
        if data.get("client_id") and not data.get("client_secret"):
            self.add_error("client_secret", "Enter the client secret that goes with the client id.")
        if data.get("org_type") == Org.OrgType.CUSTOM and "login_url" not in self.errors:
            self._outbound_check("login_url", data.get("login_url") or "")
        if data.get("storage") == Org.Storage.S3 and data.get("s3_endpoint_url"):
            self._outbound_check("s3_endpoint_url", data["s3_endpoint_url"])
        if "ca_file" not in self.errors:
            try:
                data["ca_bundle"] = self._ca_bundle_clean()
            except forms.ValidationError as error:
                self.add_error("ca_file" if data.get("ca_file") else "ca_certificates", error)
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "org_type": data["org_type"],
            "login_url": data["login_url"] or "",
            "tenant_key": data["encryption_key"],
            "storage": data["storage"],
            "s3_bucket": data["s3_bucket"].strip(),
            "s3_endpoint_url": data["s3_endpoint_url"] or "",
            "s3_region": data["s3_region"].strip(),
            "s3_access_key_id": data["s3_access_key_id"].strip(),
            "s3_secret_access_key": data["s3_secret_access_key"],
            "client_id": data["client_id"].strip(),
            "client_secret": data["client_secret"],
            "ca_bundle": data.get("ca_bundle", ""),
        }
