"""Opening an org's key envelope (common/crypto.py): the master key opens the tenant
key, which opens the per-org data key. Kept apart from orgs.services (which talks to
Salesforce) so the vault may open a data key without knowing of Salesforce."""

from common.crypto import CryptoError, key_fingerprint, unwrap_data_key, unwrap_secret
from orgs.models import Org


class OrgKeyError(Exception):
    """The org's key envelope cannot be opened with the key at hand."""


def _tenant_key_purpose(org_id: int) -> str:
    return f"tenant-key:{org_id}"


def org_data_key(org: Org) -> bytes:
    """The org's data key: the master key opens the tenant key, which opens the data key."""
    try:
        tenant_key = unwrap_secret(org.tenant_key_wrapped, _tenant_key_purpose(org.pk))
    except CryptoError:
        raise OrgKeyError(
            f"The encryption key of org {org.name!r} cannot be opened with this server's "
            "master key (ORGVAULT_MASTER_KEY changed?)."
        ) from None
    return _data_key_with(org, tenant_key)


def _data_key_with(org: Org, tenant_key: bytes) -> bytes:
    if key_fingerprint(tenant_key) != org.key_fingerprint:
        raise OrgKeyError(
            f"This is not the encryption key of org {org.name!r} (its fingerprint is "
            f"{org.key_fingerprint[:12]}…). Use the key you chose when you connected the org."
        )
    try:
        return unwrap_data_key(tenant_key, org.data_key_wrapped)
    except CryptoError as exc:
        raise OrgKeyError(str(exc)) from None
