"""Org rows for page tests that need no Salesforce: a real key envelope, no tokens."""

from django.utils import timezone

from common import crypto
from orgs.models import ObjectCatalogEntry, Org


def make_org(tenant, name: str = "Production", key_text: str | None = None) -> Org:
    tenant_key = crypto.parse_tenant_key(key_text or crypto.generate_tenant_key())
    org = Org.objects.create(
        tenant=tenant,
        name=name,
        org_type=Org.OrgType.PRODUCTION,
        login_url="https://login.salesforce.com",
        status=Org.Status.CONNECTED,
        key_fingerprint=crypto.key_fingerprint(tenant_key),
        tenant_key_wrapped=b"",
        data_key_wrapped=crypto.wrap_data_key(tenant_key, crypto.new_data_key()),
        sf_org_id="00D000000000001AAA",
        sf_username="integration@example.com",
        edition="Enterprise Edition",
        connected_at=timezone.now(),
    )
    org.tenant_key_wrapped = crypto.wrap_secret(tenant_key, f"tenant-key:{org.pk}")
    org.save(update_fields=["tenant_key_wrapped"])
    ObjectCatalogEntry.objects.bulk_create(
        [
            ObjectCatalogEntry(org=org, name="Account", label="Account", key_prefix="001"),
            ObjectCatalogEntry(org=org, name="AccountFeed", label="Account Feed", category="feed"),
            ObjectCatalogEntry(org=org, name="Attachment", label="Attachment", category="binary"),
        ]
    )
    return org
