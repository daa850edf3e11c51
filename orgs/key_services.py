"""Adding and retiring an org's encryption keys (orgs/key_models.py).

    key = org_key_add(org=org, source="generated", actor=user)          # or "pasted"
    key = org_key_add(org=org, source="kms", kms=KmsSettings(...), actor=user)
    org_key_retire(org=org, key=old_key, actor=user)

`org_key_add` makes a new data key the org's writing key at once: every segment and
blob written from then on uses it. Older data is re-encrypted by the vault's rotation
job (vault/rotation.py), which calls `org_key_retire` for each replaced key once
nothing in storage or the database is encrypted with it any more. The org's hash root
(common.crypto.Keyring) is carried over, sealed with the new data key, so keyed hashes
and blind indexes stay comparable. Each step is audited (tenants.audit) when available.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from common.crypto import (
    data_key_id,
    encrypt,
    key_fingerprint,
    new_data_key,
    parse_tenant_key,
    wrap_data_key,
    wrap_secret,
)
from orgs.key_models import OrgKey
from orgs.keys import (
    OrgKeyError,
    _kms_key_state,
    _tenant_key_purpose,
    kms_client,
    kms_context,
    kms_fingerprint,
    kms_reason,
    kms_secret_purpose,
    org_data_key,
    org_key_purpose,
    root_aad,
)
from orgs.models import Org
from tenants.audit import audit_record


@dataclass
class KmsSettings:
    key_id: str
    region: str = ""
    endpoint_url: str = ""
    access_key_id: str = ""
    secret_access_key: str = ""


def audit(*, org: Org, action: str, actor=None, request=None, detail=None) -> None:
    """An audit event about the org's keys (never record data)."""
    audit_record(
        tenant=org.tenant_id,
        action=action,
        actor=actor,
        request=request,
        target=f"Org {org.pk}",
        detail=detail or {},
    )


def _kms_wrap(org: Org, kms: KmsSettings, data_key: bytes) -> bytes:
    client = kms_client(
        region=kms.region,
        endpoint_url=kms.endpoint_url,
        access_key_id=kms.access_key_id,
        secret=kms.secret_access_key,
    )
    state = _kms_key_state(client, kms.key_id)
    if state not in ("", "Enabled"):
        raise OrgKeyError(f"The AWS KMS key {kms.key_id} could not wrap a data key: it is {state}.")
    try:
        answer = client.encrypt(
            KeyId=kms.key_id, Plaintext=data_key, EncryptionContext=kms_context(org.pk)
        )
        # Unwrap it once now: a key we may encrypt with but not decrypt with is refused.
        client.decrypt(
            CiphertextBlob=answer["CiphertextBlob"],
            KeyId=kms.key_id,
            EncryptionContext=kms_context(org.pk),
        )
    except Exception as exc:
        raise OrgKeyError(
            f"The AWS KMS key {kms.key_id} could not wrap a data key ({kms_reason(exc)})."
        ) from None
    return answer["CiphertextBlob"]


def org_key_add(
    *,
    org: Org,
    source: str,
    key_text: str = "",
    kms: KmsSettings | None = None,
    actor=None,
    request=None,
) -> tuple[OrgKey, str]:
    """Make a new key the org's active key. Returns (the key row, the generated key's
    text: shown once to the admin; "" unless `source` is "generated")."""
    current = org_data_key(org)  # the keys in use now (raises OrgKeyError if unreadable)
    root = bytes(current)
    data_key = new_data_key()
    generated = ""
    row = OrgKey(
        org=org,
        source=source,
        data_key_id=data_key_id(data_key).hex(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    tenant_key = b""
    if source == OrgKey.Source.KMS:
        if kms is None or not kms.key_id:
            raise OrgKeyError("Give the ARN or id of the AWS KMS key.")
        row.fingerprint = kms_fingerprint(kms.key_id)
        row.kms_key_id = kms.key_id
        row.kms_region = kms.region
        row.kms_endpoint_url = kms.endpoint_url
        row.kms_access_key_id = kms.access_key_id
        if kms.secret_access_key:
            row.kms_secret_wrapped = wrap_secret(kms.secret_access_key, kms_secret_purpose(org.pk))
        row.data_key_wrapped = _kms_wrap(org, kms, data_key)
    elif source in (OrgKey.Source.PASTED, OrgKey.Source.GENERATED):
        if source == OrgKey.Source.GENERATED:
            from common.crypto import generate_tenant_key

            generated = key_text = generate_tenant_key()
        try:
            tenant_key = parse_tenant_key(key_text)
        except ValueError as exc:
            raise OrgKeyError(str(exc)) from None
        row.fingerprint = key_fingerprint(tenant_key)
        row.tenant_key_wrapped = wrap_secret(tenant_key, org_key_purpose(org.pk, row.fingerprint))
        row.data_key_wrapped = wrap_data_key(tenant_key, data_key)
    else:
        raise OrgKeyError(f"Unknown key source {source!r}.")
    row.root_wrapped = encrypt(data_key, root, aad=root_aad(org.pk))

    now = timezone.now()
    with transaction.atomic():
        locked = Org.objects.select_for_update().get(pk=org.pk)
        keys = list(OrgKey.objects.select_for_update().filter(org=locked))
        if any(k.fingerprint == row.fingerprint and k.status != "retired" for k in keys):
            raise OrgKeyError("This key is already one of the org's keys.")
        if not keys:
            # The key chosen at connection becomes a row, replaced like any other.
            OrgKey.objects.create(
                org=locked,
                fingerprint=locked.key_fingerprint,
                data_key_id=data_key_id(
                    current.write_key if hasattr(current, "write_key") else current
                ).hex(),
                source=OrgKey.Source.ORIGINAL,
                status=OrgKey.Status.RETIRING,
                tenant_key_wrapped=bytes(locked.tenant_key_wrapped),
                data_key_wrapped=bytes(locked.data_key_wrapped),
                created_at=locked.created_at,
                activated_at=locked.created_at,
            )
        else:
            OrgKey.objects.filter(org=locked, status=OrgKey.Status.ACTIVE).update(
                status=OrgKey.Status.RETIRING
            )
        row.activated_at = now
        row.created_at = now
        row.save()
        # The Org row's envelope follows the active key (reconnect checks a pasted key
        # against it); the old wrapped data key is not kept there.
        locked.key_fingerprint = row.fingerprint
        if tenant_key:
            locked.tenant_key_wrapped = wrap_secret(tenant_key, _tenant_key_purpose(locked.pk))
            locked.data_key_wrapped = bytes(row.data_key_wrapped)
        else:
            locked.tenant_key_wrapped = b""
            locked.data_key_wrapped = bytes(row.data_key_wrapped)
        locked.save(update_fields=["key_fingerprint", "tenant_key_wrapped", "data_key_wrapped"])
    org.refresh_from_db()
    audit(
        org=org,
        action="org.key_added",
        actor=actor,
        request=request,
        detail={"fingerprint": row.fingerprint, "source": source},
    )
    return row, generated


def org_key_retire(*, org: Org, key: OrgKey, actor=None, request=None) -> OrgKey:
    """Forget a replaced key: its wrapped keys are erased, its fingerprint and dates stay.
    The caller (vault.rotation) has checked that nothing is encrypted with it."""
    if key.org_id != org.pk:
        raise OrgKeyError("This key is not one of this org's keys.")
    if key.status != OrgKey.Status.RETIRING:
        raise OrgKeyError("Only a replaced key can be retired; the active key cannot.")
    OrgKey.objects.filter(pk=key.pk, status=OrgKey.Status.RETIRING).update(
        status=OrgKey.Status.RETIRED,
        retired_at=timezone.now(),
        tenant_key_wrapped=b"",
        data_key_wrapped=b"",
        root_wrapped=b"",
        kms_secret_wrapped=b"",
    )
    key.refresh_from_db()
    audit(
        org=org,
        action="org.key_retired",
        actor=actor,
        request=request,
        detail={"fingerprint": key.fingerprint},
    )
    return key
