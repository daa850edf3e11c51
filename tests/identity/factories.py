"""Identity rows for other tests (the tenant-isolation walk)."""

from common.crypto import wrap_secret
from identity.models import OIDCProvider


def isolation_provider(a) -> OIDCProvider:
    """An SSO provider of tenant A (its issuer is never reached: .invalid)."""
    provider = OIDCProvider.objects.create(
        tenant=a.tenant,
        name="Tenant A IdP",
        issuer="https://idp.invalid/tenant-a",
        client_id="orgvault",
        allowed_domains="a.example",
    )
    provider.client_secret_wrapped = wrap_secret("secret", f"oidc-client-secret:{provider.pk}")
    provider.save(update_fields=["client_secret_wrapped"])
    return provider
