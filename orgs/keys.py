"""Opening an org's key envelope (common/crypto.py): the master key opens the tenant
key, which opens the per-org data key. Kept apart from orgs.services (which talks to
Salesforce) so the vault may open a data key without knowing of Salesforce.

An org whose key was rotated (orgs/key_models.py, orgs/key_services.py) opens a
`common.crypto.Keyring`: it writes with the active key's data key and reads with every
key not yet retired. An org whose active key is an AWS KMS key holds only the data key
wrapped by KMS; it is unwrapped here, each time a job or page needs it, so a disabled
or revoked KMS key stops every job with a clear message before anything is written.
"""

import hashlib

from common.crypto import (
    CryptoError,
    Keyring,
    decrypt,
    key_fingerprint,
    unwrap_data_key,
    unwrap_secret,
)
from common.outbound import OutboundRefused, check_outbound_url
from orgs.key_models import OrgKey
from orgs.models import Org


class OrgKeyError(Exception):
    """The org's key envelope cannot be opened with the key at hand."""


def _tenant_key_purpose(org_id: int) -> str:
    return f"tenant-key:{org_id}"


def org_key_purpose(org_id: int, fingerprint: str) -> str:
    """What a rotated-in tenant key is wrapped for (with the master key)."""
    return f"org-key:{org_id}:{fingerprint}"


def kms_secret_purpose(org_id: int) -> str:
    return f"kms-secret:{org_id}"


def root_aad(org_id: int) -> bytes:
    return f"org-hash-root:{org_id}".encode()


def kms_fingerprint(kms_key_id: str) -> str:
    return hashlib.sha256(b"orgvault-kms-key:" + kms_key_id.encode()).hexdigest()[:32]


def kms_context(org_id: int) -> dict[str, str]:
    """The encryption context that binds a KMS-wrapped data key to its org."""
    return {"orgvault-org": str(org_id)}


def kms_client(*, region: str, endpoint_url: str, access_key_id: str, secret: str):
    """A KMS client; an endpoint the admin typed passes the outbound-address guard first
    (before every use: the name may point elsewhere since it was saved)."""
    import boto3
    from botocore.config import Config

    if endpoint_url:
        try:
            check_outbound_url(endpoint_url)
        except OutboundRefused as exc:
            raise OrgKeyError(f"The AWS KMS endpoint cannot be used. {exc}") from None
    return boto3.client(
        "kms",
        region_name=region or "us-east-1",
        endpoint_url=endpoint_url or None,
        aws_access_key_id=access_key_id or None,
        aws_secret_access_key=secret or None,
        config=Config(connect_timeout=10, read_timeout=30, retries={"max_attempts": 2}),
    )


def _kms_client_for(key: OrgKey):
    secret = ""
    if key.kms_secret_wrapped:
        secret = unwrap_secret(key.kms_secret_wrapped, kms_secret_purpose(key.org_id)).decode()
    return kms_client(
        region=key.kms_region,
        endpoint_url=key.kms_endpoint_url,
        access_key_id=key.kms_access_key_id,
        secret=secret,
    )


def kms_reason(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        error = response["Error"]
        code, message = error.get("Code", ""), error.get("Message", "")
        return f"{code}: {message}" if message else str(code)
    return str(exc) or type(exc).__name__


def _kms_key_state(client, kms_key_id: str) -> str:
    """The KMS key's state ("Enabled", "Disabled", "PendingDeletion", ...), or "" when
    DescribeKey is not allowed (Decrypt then answers for it)."""
    try:
        return client.describe_key(KeyId=kms_key_id)["KeyMetadata"].get("KeyState", "")
    except Exception as exc:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
        if code in ("AccessDeniedException", "AccessDenied"):
            return ""
        raise OrgKeyError(
            f"The AWS KMS key {kms_key_id} cannot be reached ({kms_reason(exc)}): no job "
            "of this org can run, and nothing is written."
        ) from None


def _data_key_of(org: Org, key: OrgKey) -> bytes:
    """The data key of one (not retired) key row."""
    if key.source == OrgKey.Source.KMS:
        client = _kms_client_for(key)
        state = _kms_key_state(client, key.kms_key_id)
        if state not in ("", "Enabled"):
            raise OrgKeyError(
                f"The AWS KMS key of org {org.name!r} ({key.kms_key_id}) is {state}: it "
                "refused to unwrap the org's data key. While the KMS key is disabled, "
                "revoked or unreachable no job of this org can run, and nothing is written."
            )
        try:
            answer = client.decrypt(
                CiphertextBlob=bytes(key.data_key_wrapped),
                KeyId=key.kms_key_id,
                EncryptionContext=kms_context(org.pk),
            )
        except Exception as exc:
            raise OrgKeyError(
                f"The AWS KMS key of org {org.name!r} ({key.kms_key_id}) refused to unwrap "
                f"the org's data key ({kms_reason(exc)}). While the KMS key is disabled, "
                "revoked or unreachable no job of this org can run, and nothing is written."
            ) from None
        return answer["Plaintext"]
    purpose = (
        _tenant_key_purpose(org.pk)
        if key.source == OrgKey.Source.ORIGINAL
        else org_key_purpose(org.pk, key.fingerprint)
    )
    try:
        tenant_key = unwrap_secret(key.tenant_key_wrapped, purpose)
    except CryptoError:
        raise OrgKeyError(
            f"The encryption key {key.fingerprint[:12]}… of org {org.name!r} cannot be "
            "opened with this server's master key (ORGVAULT_MASTER_KEY changed?)."
        ) from None
    return _unwrap_with(org, key, tenant_key)


def _unwrap_with(org: Org, key: OrgKey, tenant_key: bytes) -> bytes:
    try:
        return unwrap_data_key(tenant_key, key.data_key_wrapped)
    except CryptoError as exc:
        raise OrgKeyError(str(exc)) from None


def org_keys(org: Org) -> list[OrgKey]:
    """The org's key rows, newest first (empty for an org that never rotated)."""
    return list(OrgKey.objects.filter(org=org).order_by("-created_at", "-id"))


def _keyring(org: Org, keys: list[OrgKey], active_data_key: bytes | None = None) -> Keyring:
    active = next((k for k in keys if k.status == OrgKey.Status.ACTIVE), None)
    if active is None:
        raise OrgKeyError(f"Org {org.name!r} has no active encryption key.")
    write_key = active_data_key if active_data_key is not None else _data_key_of(org, active)
    try:
        root = decrypt(write_key, active.root_wrapped, aad=root_aad(org.pk))
    except CryptoError:
        raise OrgKeyError(
            f"The active encryption key of org {org.name!r} does not open its hash root."
        ) from None
    readers = [_data_key_of(org, k) for k in keys if k.status == OrgKey.Status.RETIRING]
    return Keyring(root, write_key=write_key, read_keys=readers)


def org_data_key(org: Org) -> bytes:
    """The org's data key: the master key opens the tenant key, which opens the data key.
    After a rotation, a Keyring (common.crypto) with every key still in use."""
    keys = org_keys(org)
    if keys:
        return _keyring(org, keys)
    try:
        tenant_key = unwrap_secret(org.tenant_key_wrapped, _tenant_key_purpose(org.pk))
    except CryptoError:
        raise OrgKeyError(
            f"The encryption key of org {org.name!r} cannot be opened with this server's "
            "master key (ORGVAULT_MASTER_KEY changed?)."
        ) from None
    return _data_key_with(org, tenant_key, keys)


def _data_key_with(org: Org, tenant_key: bytes, keys: list[OrgKey] | None = None) -> bytes:
    """The data key opened with `tenant_key`; `keys` are the org's key rows when the
    caller has read them already (one query less on every page that decrypts)."""
    if key_fingerprint(tenant_key) != org.key_fingerprint:
        raise OrgKeyError(
            f"This is not the encryption key of org {org.name!r} (its fingerprint is "
            f"{org.key_fingerprint[:12]}…). Use the key you chose when you connected the org."
        )
    keys = org_keys(org) if keys is None else keys
    active = next((k for k in keys if k.status == OrgKey.Status.ACTIVE), None)
    if active is not None:
        if active.source == OrgKey.Source.KMS:
            raise OrgKeyError(f"Org {org.name!r} is encrypted with an AWS KMS key.")
        return _keyring(org, keys, _unwrap_with(org, active, tenant_key))
    try:
        return unwrap_data_key(tenant_key, org.data_key_wrapped)
    except CryptoError as exc:
        raise OrgKeyError(str(exc)) from None
