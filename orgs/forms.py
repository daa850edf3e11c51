from pathlib import Path
from urllib.parse import urlparse

from django import forms
from django.conf import settings

from common.crypto import InvalidTenantKey, parse_tenant_key
from orgs.models import Org


def ca_bundle_error(path: str) -> str | None:
    """Why `path` cannot be the CA bundle to trust for a login URL (no such file, not
    readable, no PEM certificate in its first megabyte), or None when it can."""
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
    ca_bundle = forms.CharField(
        label="CA bundle path",
        required=False,
        max_length=500,
        help_text="Optional: a PEM file on this server to trust for the login URL "
        "(e.g. the simulator's ca.pem).",
    )

    def clean_encryption_key(self) -> bytes:
        try:
            return parse_tenant_key(self.cleaned_data["encryption_key"])
        except InvalidTenantKey as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_ca_bundle(self) -> str:
        path = self.cleaned_data["ca_bundle"].strip()
        if not path:
            default = settings.SALESFORCE_CA_BUNDLE
            if default and ca_bundle_error(default):
                raise forms.ValidationError(
                    f"This server's SALESFORCE_CA_BUNDLE is unusable "
                    f"({ca_bundle_error(default)}): give a CA bundle path here, or ask its "
                    "operator to fix the setting."
                )
            return ""
        problem = ca_bundle_error(path)
        if problem:
            raise forms.ValidationError(problem)
        return path

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
            "ca_bundle": data["ca_bundle"],
        }
