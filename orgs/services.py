"""Writes for connected orgs: connecting (web flow or password grant), the connection
check and its object catalog, and the key envelope.

Connecting is in two halves so that nothing is half-saved:

1. `org_create_pending(...)` checks everything that can be checked before Salesforce
   (key, login URL reachable, S3 probe) and returns a `PendingConnection` that the
   caller keeps (the web flow keeps it in the session) — no row is written.
2. `org_complete_connection(pending=..., tokens=...)` runs the connection check with
   the tokens Salesforce issued; only when it passes are the Org row and its catalog
   written, in one transaction. Missing permissions raise `MissingPermissions`; the
   pending connection then holds the wrapped refresh token so a retry needs no new login.
"""

import contextlib
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from common.crypto import (
    InvalidTenantKey,
    key_fingerprint,
    new_data_key,
    parse_tenant_key,
    unwrap_secret,
    wrap_data_key,
    wrap_secret,
)
from common.storage import StorageProbeError, s3_secret_purpose, s3_storage, storage_probe
from orgs import hooks
from orgs.ca_bundles import ca_bundle_path
from orgs.keys import (  # re-exported: callers import them from orgs.services
    OrgKeyError,
    _data_key_with,
    _tenant_key_purpose,
    org_data_key,  # noqa: F401
)
from orgs.models import ObjectCatalogEntry, Org
from orgs.pending import PendingConnection
from salesforce import auth
from salesforce.catalog import CatalogEntry, entries_from_describe_global
from salesforce.client import OrgInfo, SalesforceClient, connect
from salesforce.errors import SalesforceAuthError, SalesforceConnectorError, SalesforceUnreachable
from salesforce.permissions import describe_missing, permission_check
from tenants.models import Tenant

LOGIN_URLS: dict[str, str] = {
    Org.OrgType.PRODUCTION: "https://login.salesforce.com",
    Org.OrgType.SANDBOX: "https://test.salesforce.com",
}


class OrgConnectError(Exception):
    """Connecting failed; `field` names the form field to blame (None: the whole form)."""

    def __init__(self, message: str, field: str | None = None):
        self.message = message
        self.field = field
        super().__init__(message)


class MissingPermissions(Exception):
    def __init__(self, missing: list[str], pending: PendingConnection | None = None):
        self.missing = missing
        self.pending = pending
        super().__init__("The Salesforce user lacks: " + ", ".join(missing))


@dataclass(frozen=True)
class CheckResult:
    org_info: OrgInfo
    sf_user_id: str
    sf_username: str
    catalog: list[CatalogEntry]


# --- secrets of a saved org ---------------------------------------------------------


def _refresh_token_purpose(org_id: int) -> str:
    return f"refresh-token:{org_id}"


def _client_secret_purpose(org_id: int) -> str:
    return f"client-secret:{org_id}"


def _ca_bundle(value: str) -> str | None:
    """The CA file to trust: the org's certificates (PEM text, written to var/ when first
    needed; or a path on older rows), else the server's SALESFORCE_CA_BUNDLE."""
    return ca_bundle_path(value) if value else (settings.SALESFORCE_CA_BUNDLE or None)


def _client_credentials(client_id: str, client_secret: str) -> tuple[str, str]:
    """The connected app to use: the one typed in, or the one in settings."""
    if client_id:
        return client_id, client_secret
    return settings.SALESFORCE_CLIENT_ID, settings.SALESFORCE_CLIENT_SECRET


def _org_client_credentials(org: Org) -> tuple[str, str]:
    secret = ""
    if org.client_secret_wrapped:
        secret = unwrap_secret(org.client_secret_wrapped, _client_secret_purpose(org.pk)).decode()
    return _client_credentials(org.client_id, secret)


def org_check_tenant_key(*, org: Org, key_text: str) -> bytes:
    """The data key opened with a key a person typed, or OrgKeyError saying why not."""
    try:
        tenant_key = parse_tenant_key(key_text)
    except InvalidTenantKey as exc:
        raise OrgKeyError(str(exc)) from None
    return _data_key_with(org, tenant_key)


# --- Salesforce clients -------------------------------------------------------------


def _client_for(
    *, instance_url: str, access_token: str, refresh_with, ca_bundle: str | None
) -> SalesforceClient:
    def on_refresh() -> str:
        return refresh_with().access_token

    return connect(
        instance_url,
        access_token,
        ca_bundle,
        on_refresh,
        api_version=settings.SALESFORCE_API_VERSION,
    )


def org_client(org: Org) -> SalesforceClient:
    """An authenticated client for a connected org (fetches a fresh access token)."""
    if not org.refresh_token_wrapped:
        raise SalesforceAuthError(
            f"Org {org.name!r} has no stored Salesforce login. Connect it again."
        )
    client_id, client_secret = _org_client_credentials(org)
    refresh_token = unwrap_secret(org.refresh_token_wrapped, _refresh_token_purpose(org.pk))
    ca_bundle = _ca_bundle(org.ca_bundle)

    def refresh_with() -> auth.TokenResponse:
        return auth.refresh(
            org.login_url, client_id, client_secret, refresh_token.decode(), ca_bundle
        )

    tokens = refresh_with()
    return _client_for(
        instance_url=tokens.instance_url or org.instance_url,
        access_token=tokens.access_token,
        refresh_with=refresh_with,
        ca_bundle=ca_bundle,
    )


# --- connecting ---------------------------------------------------------------------


def login_url_for(org_type: str, custom_url: str) -> str:
    return LOGIN_URLS.get(org_type, custom_url).rstrip("/")


def org_create_pending(
    *,
    tenant: Tenant,
    name: str,
    org_type: str,
    login_url: str,
    redirect_uri: str,
    tenant_key: bytes,
    storage: str = Org.Storage.MANAGED,
    s3_bucket: str = "",
    s3_endpoint_url: str = "",
    s3_region: str = "",
    s3_access_key_id: str = "",
    s3_secret_access_key: str = "",
    client_id: str = "",
    client_secret: str = "",
    ca_bundle: str = "",
) -> PendingConnection:
    """Check what can be checked before Salesforce; raise OrgConnectError on failure."""
    login_url = login_url_for(org_type, login_url)
    if Org.objects.filter(tenant=tenant, name__iexact=name.strip()).exists():
        raise OrgConnectError(f"You already have an org named {name!r}.", field="name")
    if not _client_credentials(client_id, client_secret)[0]:
        raise OrgConnectError(
            "Enter the connected app's client id: this server has no default "
            "(SALESFORCE_CLIENT_ID is not set).",
            field="client_id",
        )
    try:
        auth.check_reachable(login_url, _ca_bundle(ca_bundle))
    except SalesforceUnreachable as exc:
        raise OrgConnectError(
            f"Could not reach {exc.url}: {exc.reason}. Check the URL.", field="login_url"
        ) from None
    if storage == Org.Storage.S3:
        _probe_s3(s3_bucket, s3_endpoint_url, s3_region, s3_access_key_id, s3_secret_access_key)
    pending = PendingConnection(
        tenant_id=tenant.pk,
        state=auth.new_state(),
        name=name.strip(),
        org_type=org_type,
        login_url=login_url,
        redirect_uri=redirect_uri,
        code_verifier=auth.new_code_verifier(),
        storage=storage,
        s3_bucket=s3_bucket if storage == Org.Storage.S3 else "",
        s3_endpoint_url=s3_endpoint_url if storage == Org.Storage.S3 else "",
        s3_region=s3_region if storage == Org.Storage.S3 else "",
        s3_access_key_id=s3_access_key_id if storage == Org.Storage.S3 else "",
        key_fingerprint=key_fingerprint(tenant_key),
        client_id=client_id,
        ca_bundle=ca_bundle,
    )
    pending.tenant_key_wrapped = pending.wrap("tenant-key", tenant_key)
    pending.client_secret_wrapped = pending.wrap("client-secret", client_secret)
    if storage == Org.Storage.S3:
        pending.s3_secret_wrapped = pending.wrap("s3-secret", s3_secret_access_key)
    return pending


def _probe_s3(bucket: str, endpoint_url: str, region: str, key_id: str, secret: str) -> None:
    storage = s3_storage(
        bucket=bucket,
        endpoint_url=endpoint_url,
        region=region,
        access_key_id=key_id,
        secret_access_key=secret,
    )
    try:
        storage_probe(storage)
    except StorageProbeError as exc:
        raise OrgConnectError(
            f"The S3 bucket {bucket!r} cannot be used: {exc}. Check the bucket name, "
            "endpoint URL, region and keys, and that the keys may write, read and delete.",
            field="s3_bucket",
        ) from None


def authorize_url(pending: PendingConnection) -> str:
    client_id, _ = _client_credentials(pending.client_id, "")
    return auth.authorize_url(
        pending.login_url,
        client_id,
        pending.redirect_uri,
        pending.state,
        code_verifier=pending.code_verifier,
    )


def _pending_credentials(pending: PendingConnection) -> tuple[str, str]:
    secret = pending.unwrap("client-secret", pending.client_secret_wrapped).decode()
    return _client_credentials(pending.client_id, secret)


def pending_exchange_code(*, pending: PendingConnection, code: str) -> auth.TokenResponse:
    client_id, client_secret = _pending_credentials(pending)
    return auth.exchange_code(
        pending.login_url,
        client_id,
        client_secret,
        code,
        pending.redirect_uri,
        _ca_bundle(pending.ca_bundle),
        code_verifier=pending.code_verifier,
    )


def pending_password_grant(
    *, pending: PendingConnection, username: str, password: str
) -> auth.TokenResponse:
    client_id, client_secret = _pending_credentials(pending)
    return auth.password_grant(
        pending.login_url,
        client_id,
        client_secret,
        username,
        password,
        _ca_bundle(pending.ca_bundle),
    )


def pending_cancel(*, pending: PendingConnection) -> None:
    """Give back the refresh token Salesforce issued for a connection we will not keep."""
    refresh_token = pending.unwrap("refresh-token", pending.refresh_token_wrapped)
    if refresh_token:
        # If revoking fails the token expires by itself; nothing of ours was saved.
        with contextlib.suppress(SalesforceConnectorError):
            auth.revoke(pending.login_url, refresh_token.decode(), _ca_bundle(pending.ca_bundle))


def _run_check(client: SalesforceClient, user_id: str) -> CheckResult:
    """Permissions first (raises MissingPermissions), then org info and the catalog."""
    if not user_id:
        user_id = client.userinfo()["user_id"]
    missing = permission_check(client, user_id)
    if missing:
        raise MissingPermissions(missing)
    info = client.organization()
    username = client.userinfo().get("preferred_username", "")
    catalog = entries_from_describe_global(client.describe_global())
    return CheckResult(org_info=info, sf_user_id=user_id, sf_username=username, catalog=catalog)


def org_complete_connection(
    *, pending: PendingConnection, tokens: auth.TokenResponse | None = None
) -> Org:
    """Run the connection check and, when it passes, save the org and its catalog.

    `tokens` are fresh from Salesforce; without them (a retry), the refresh token kept
    in `pending` is used. Raises MissingPermissions (with `pending` holding the refresh
    token) or a salesforce.errors exception; nothing is written then.
    """
    client_id, client_secret = _pending_credentials(pending)
    ca_bundle = _ca_bundle(pending.ca_bundle)
    if tokens is not None:
        pending.refresh_token_wrapped = pending.wrap("refresh-token", tokens.refresh_token)
        pending.instance_url = tokens.instance_url
        pending.sf_user_id = tokens.user_id
    refresh_token = pending.unwrap("refresh-token", pending.refresh_token_wrapped).decode()
    if not refresh_token:
        raise OrgConnectError(
            "Salesforce issued no refresh token, which scheduled backups need. In the "
            "connected app, allow the 'Perform requests at any time (refresh_token, "
            "offline_access)' scope; orgs whose password flow issues none must be "
            "connected through the Add Salesforce Org page."
        )

    def refresh_with() -> auth.TokenResponse:
        return auth.refresh(pending.login_url, client_id, client_secret, refresh_token, ca_bundle)

    if tokens is None:
        tokens = refresh_with()
    client = _client_for(
        instance_url=tokens.instance_url or pending.instance_url,
        access_token=tokens.access_token,
        refresh_with=refresh_with,
        ca_bundle=ca_bundle,
    )
    try:
        result = _run_check(client, pending.sf_user_id)
    except MissingPermissions as exc:
        raise MissingPermissions(exc.missing, pending) from None
    finally:
        client.close()
    if pending.reconnect_org_id:
        return _org_reconnect(pending=pending, refresh_token=refresh_token, result=result)
    return _org_create(pending=pending, refresh_token=refresh_token, result=result)


def org_mark_needs_reconnect(*, org: Org, message: str) -> bool:
    """Salesforce refused the org's saved login: its pages offer Reconnect and scheduled
    runs skip it. True only for the caller that changed it (others saw it already)."""
    changed = Org.objects.filter(pk=org.pk, status=Org.Status.CONNECTED).update(
        status=Org.Status.NEEDS_RECONNECT,
        check_message=f"Salesforce refused OrgVault's login: {message}"[:2000],
        checked_at=timezone.now(),
    )
    org.refresh_from_db(fields=["status", "check_message", "checked_at"])
    return changed == 1


def org_reconnect_pending(*, org: Org, redirect_uri: str) -> PendingConnection:
    """A new Salesforce login for a saved org (same login URL, connected app and CA)."""
    client_secret = b""
    if org.client_secret_wrapped:
        client_secret = unwrap_secret(org.client_secret_wrapped, _client_secret_purpose(org.pk))
    pending = PendingConnection(
        tenant_id=org.tenant_id,
        state=auth.new_state(),
        name=org.name,
        org_type=org.org_type,
        login_url=org.login_url,
        redirect_uri=redirect_uri,
        code_verifier=auth.new_code_verifier(),
        storage=org.storage,
        s3_bucket="",
        s3_endpoint_url="",
        s3_region="",
        s3_access_key_id="",
        key_fingerprint=org.key_fingerprint,
        client_id=org.client_id,
        ca_bundle=org.ca_bundle,
        reconnect_org_id=org.pk,
    )
    pending.client_secret_wrapped = pending.wrap("client-secret", client_secret)
    return pending


@transaction.atomic
def _org_reconnect(*, pending: PendingConnection, refresh_token: str, result: CheckResult) -> Org:
    org = Org.objects.select_for_update().get(
        pk=pending.reconnect_org_id, tenant_id=pending.tenant_id
    )
    if org.sf_org_id and result.org_info.org_id != org.sf_org_id:
        raise OrgConnectError(
            f"You signed in to another Salesforce org ({result.org_info.org_id}); this "
            f"connection backs up {org.sf_org_id}. Sign in to that org to reconnect it."
        )
    now = timezone.now()
    org.refresh_token_wrapped = wrap_secret(refresh_token, _refresh_token_purpose(org.pk))
    org.instance_url = pending.instance_url or org.instance_url
    _apply_check(org, result, now)
    org.save()
    _catalog_replace(org=org, entries=result.catalog)
    return org


@transaction.atomic
def _org_create(*, pending: PendingConnection, refresh_token: str, result: CheckResult) -> Org:
    if Org.objects.filter(tenant_id=pending.tenant_id, name__iexact=pending.name).exists():
        raise OrgConnectError(f"You already have an org named {pending.name!r}.", field="name")
    tenant_key = pending.unwrap("tenant-key", pending.tenant_key_wrapped)
    now = timezone.now()
    org = Org.objects.create(
        tenant_id=pending.tenant_id,
        name=pending.name,
        org_type=pending.org_type,
        login_url=pending.login_url,
        status=Org.Status.CONNECTED,
        storage=pending.storage,
        s3_bucket=pending.s3_bucket,
        s3_endpoint_url=pending.s3_endpoint_url,
        s3_region=pending.s3_region,
        s3_access_key_id=pending.s3_access_key_id,
        key_fingerprint=key_fingerprint(tenant_key),
        tenant_key_wrapped=b"",
        data_key_wrapped=wrap_data_key(tenant_key, new_data_key()),
        client_id=pending.client_id,
        instance_url=pending.instance_url,
        ca_bundle=pending.ca_bundle,
        sf_user_id=result.sf_user_id,
        connected_at=now,
    )
    # Secrets are bound to the org's id, so they are wrapped once the row has one.
    org.tenant_key_wrapped = wrap_secret(tenant_key, _tenant_key_purpose(org.pk))
    org.refresh_token_wrapped = wrap_secret(refresh_token, _refresh_token_purpose(org.pk))
    client_secret = pending.unwrap("client-secret", pending.client_secret_wrapped)
    if pending.client_id and client_secret:
        org.client_secret_wrapped = wrap_secret(client_secret, _client_secret_purpose(org.pk))
    s3_secret = pending.unwrap("s3-secret", pending.s3_secret_wrapped)
    if s3_secret:
        org.s3_secret_wrapped = wrap_secret(s3_secret, s3_secret_purpose(org.pk))
    _apply_check(org, result, now)
    org.save()
    _catalog_replace(org=org, entries=result.catalog)
    hooks.org_connected.fire(org=org)
    return org


def _apply_check(org: Org, result: CheckResult, now) -> None:
    org.sf_org_id = result.org_info.org_id
    org.sf_user_id = result.sf_user_id
    org.sf_username = result.sf_username
    org.edition = result.org_info.edition
    org.is_sandbox = result.org_info.is_sandbox
    org.status = Org.Status.CONNECTED
    org.checked_at = now
    org.check_message = ""


def _catalog_replace(*, org: Org, entries: list[CatalogEntry]) -> None:
    ObjectCatalogEntry.objects.filter(org=org).delete()
    ObjectCatalogEntry.objects.bulk_create(
        ObjectCatalogEntry(
            org=org,
            name=entry.name,
            label=entry.label[:255],
            key_prefix=entry.key_prefix,
            queryable=entry.queryable,
            replicateable=entry.replicateable,
            retrievable=entry.retrievable,
            custom=entry.custom,
            category=entry.category,
        )
        for entry in entries
    )


def org_run_connection_check(*, org: Org) -> list[str]:
    """Re-check a saved org: permissions, org info and catalog. Returns what is missing.

    A failure is recorded on the org (status CHECK_FAILED and a message) rather than
    raised, except that the catalog is only replaced when the check passes.
    """
    now = timezone.now()
    try:
        client = org_client(org)
        try:
            result = _run_check(client, org.sf_user_id)
        finally:
            client.close()
    except MissingPermissions as exc:
        labels = ", ".join(p.label for p in describe_missing(exc.missing))
        _org_check_failed(org=org, now=now, message=f"The Salesforce user lacks: {labels}.")
        return exc.missing
    except SalesforceConnectorError as exc:
        _org_check_failed(org=org, now=now, message=str(exc))
        raise
    with transaction.atomic():
        _apply_check(org, result, now)
        org.save()
        _catalog_replace(org=org, entries=result.catalog)
    return []


def _org_check_failed(*, org: Org, now, message: str) -> None:
    org.status = Org.Status.CHECK_FAILED
    org.checked_at = now
    org.check_message = message
    org.save(update_fields=["status", "checked_at", "check_message", "updated_at"])
