"""Blob storage for an org: the managed storage (settings STORAGES["vault"]) or the
org's own S3 bucket.

    storage = org_storage(org)        # a django Storage; callers choose the names
    storage_probe(storage)            # write, read back and delete a small object

With managed storage every org shares one storage, so callers must put each org's
blobs under their own prefix (e.g. ``orgs/<org.pk>/...``). An org's own bucket holds
only that org's blobs. The S3 secret is kept wrapped with the master key
(``s3_secret_purpose(org_id)``) and unwrapped only here.
"""

import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages

from common.crypto import unwrap_secret

PROBE_PREFIX = "orgvault-probe"


class StorageProbeError(Exception):
    """The storage could not be written, read back or cleaned: `str(exc)` says why."""


def s3_secret_purpose(org_id: int) -> str:
    return f"s3-secret:{org_id}"


def managed_storage() -> Storage:
    return storages["vault"]


def s3_storage(
    *,
    bucket: str,
    endpoint_url: str,
    region: str,
    access_key_id: str,
    secret_access_key: str,
) -> Storage:
    """An S3Storage for one bucket; nothing is sent until a file is read or written."""
    from botocore.config import Config
    from storages.backends.s3 import S3Storage

    config = Config(
        # Custom endpoints (MinIO, Ceph, moto) rarely resolve bucket sub-domains.
        s3={"addressing_style": "path" if endpoint_url else "auto"},
        connect_timeout=10,
        read_timeout=60,
        retries={"max_attempts": 3, "mode": "standard"},
    )
    return S3Storage(
        client_config=config,
        bucket_name=bucket,
        endpoint_url=endpoint_url or None,
        region_name=region or None,
        access_key=access_key_id or None,
        secret_key=secret_access_key or None,
        file_overwrite=True,
        default_acl=None,
        querystring_auth=False,
    )


def org_storage(org) -> Storage:
    """Where the org's blobs live (`org` is an orgs.models.Org)."""
    if org.storage != "s3":
        return managed_storage()
    return s3_storage(
        bucket=org.s3_bucket,
        endpoint_url=org.s3_endpoint_url,
        region=org.s3_region,
        access_key_id=org.s3_access_key_id,
        secret_access_key=unwrap_secret(org.s3_secret_wrapped, s3_secret_purpose(org.pk)).decode(),
    )


def _reason(exc: Exception) -> str:
    """A readable reason from a boto3/botocore or OS error."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        error = response["Error"]
        code, message = error.get("Code", ""), error.get("Message", "")
        return f"{code}: {message}" if message else str(code)
    return str(exc) or type(exc).__name__


def storage_probe(storage: Storage) -> None:
    """Write, read back and delete a small object; raise StorageProbeError on any failure."""
    name = f"{PROBE_PREFIX}/{uuid.uuid4().hex}.txt"
    payload = b"OrgVault storage probe " + uuid.uuid4().bytes.hex().encode()
    try:
        saved = storage.save(name, ContentFile(payload))
    except Exception as exc:
        raise StorageProbeError(f"could not write a test object ({_reason(exc)})") from exc
    try:
        with storage.open(saved, "rb") as handle:
            read_back = handle.read()
    except Exception as exc:
        raise StorageProbeError(f"could not read the test object back ({_reason(exc)})") from exc
    if read_back != payload:
        raise StorageProbeError("the test object read back differs from what was written")
    try:
        storage.delete(saved)
    except Exception as exc:
        raise StorageProbeError(f"could not delete the test object ({_reason(exc)})") from exc
