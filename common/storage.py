"""Blob storage for an org: the managed storage (settings STORAGES["vault"]) or the
org's own S3 bucket.

    storage = org_storage(org)        # a django Storage; callers choose the names
    storage_probe(storage)            # write, read back and delete a small object

With managed storage every org shares one storage, so callers must put each org's
blobs under their own prefix (e.g. ``orgs/<org.pk>/...``). An org's own bucket holds
only that org's blobs. The S3 secret is kept wrapped with the master key
(``s3_secret_purpose(org_id)``) and unwrapped only here.

S3 (managed or own bucket) uses `VaultS3Storage`:

- `delete(name)` removes every version of the object, not only the current one (on a
  versioned bucket a plain delete only adds a delete marker and keeps the bytes);
- with `object_lock = ("GOVERNANCE" | "COMPLIANCE", days)` every object it writes is
  put with S3 Object Lock retention; deleting a locked version early raises
  `StorageLocked` (with `.until`), which callers report and keep;
- `retain_until(name)` answers the latest retention date of the object's versions.

The org's lock setting comes from a policy provider the vault registers
(`object_lock_provider`), since common knows nothing of retention policies.
`storage_overwrite(storage, name, data)` replaces an object's bytes in place (an atomic
rename on a local folder; a new version, then the older versions deleted, on S3).
"""

import datetime as dt
import os
import tempfile
import uuid
from collections.abc import Callable

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from storages.backends.s3 import S3Storage

from common.crypto import unwrap_secret

PROBE_PREFIX = "orgvault-probe"
LOCK_MODES = ("GOVERNANCE", "COMPLIANCE")


class StorageLocked(Exception):
    """An object version is under S3 Object Lock retention and cannot be deleted yet."""

    def __init__(self, name: str, until: dt.datetime | None, reason: str = ""):
        self.name = name
        self.until = until
        when = f" until {until:%Y-%m-%d %H:%M} UTC" if until else ""
        super().__init__(
            f"{name} is locked by S3 Object Lock{when}; it cannot be deleted before then"
            + (f" ({reason})" if reason else "")
        )


# (org) -> ("GOVERNANCE" | "COMPLIANCE", days) or None; registered by the vault.
_object_lock_provider: Callable | None = None


def object_lock_provider(provider: Callable | None) -> None:
    global _object_lock_provider
    _object_lock_provider = provider


class VaultS3Storage(S3Storage):
    """S3Storage that deletes every version and can write with Object Lock."""

    object_lock: tuple[str, int] | None = None

    def get_object_parameters(self, name):
        params = super().get_object_parameters(name)
        if self.object_lock:
            mode, days = self.object_lock
            params["ObjectLockMode"] = mode
            params["ObjectLockRetainUntilDate"] = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
        return params

    def _client(self):
        return self.connection.meta.client

    def _versions(self, key: str, *, keep_latest: bool = False) -> list[str]:
        versions: list[str] = []
        paginator = self._client().get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.bucket_name, Prefix=key):
            for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
                if item["Key"] == key and not (keep_latest and item.get("IsLatest")):
                    versions.append(item["VersionId"])
        return versions

    def _version_until(self, key: str, version_id: str) -> dt.datetime | None:
        from botocore.exceptions import ClientError

        try:
            answer = self._client().head_object(
                Bucket=self.bucket_name, Key=key, VersionId=version_id
            )
        except ClientError:
            return None
        return answer.get("ObjectLockRetainUntilDate")

    def retain_until(self, name: str) -> dt.datetime | None:
        key = self._normalize_name(_clean(name))
        dates = [d for v in self._versions(key) if (d := self._version_until(key, v))]
        return max(dates) if dates else None

    def delete(self, name):
        self.delete_versions(name)

    def delete_versions(self, name, *, keep_current: bool = False) -> None:
        """Delete every version of `name` (all but the current one with keep_current)."""
        from botocore.exceptions import ClientError

        key = self._normalize_name(_clean(name))
        try:
            versions = self._versions(key, keep_latest=keep_current)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code", "") not in ("AccessDenied",):
                raise
            # Keys without s3:ListBucketVersions: a plain delete is all we may do.
            if not keep_current:
                super().delete(name)
            return
        for version_id in versions:
            try:
                self._client().delete_object(Bucket=self.bucket_name, Key=key, VersionId=version_id)
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                    continue
                until = self._version_until(key, version_id)
                if until is not None and code in ("AccessDenied", "InvalidRequest"):
                    raise StorageLocked(name, until, _reason(exc)) from exc
                raise


def _clean(name: str) -> str:
    from storages.utils import clean_name

    return clean_name(name)


def storage_overwrite(storage: Storage, name: str, data: bytes) -> None:
    """Replace the bytes of `name` in place: readers see the old or the new bytes, never
    a missing object. On S3 the older versions are deleted afterwards (StorageLocked
    when a lock keeps them)."""
    if isinstance(storage, VaultS3Storage):
        storage.save(name, ContentFile(data))
        storage.delete_versions(name, keep_current=True)
        return
    path = storage.path(name)
    folder = os.path.dirname(path)
    mode = getattr(storage, "file_permissions_mode", None) or 0o600
    handle, temp = tempfile.mkstemp(dir=folder, prefix=".rewrite-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def storage_retain_until(storage: Storage, name: str) -> dt.datetime | None:
    """The Object Lock retention date of `name` (None on storage without locks)."""
    if isinstance(storage, VaultS3Storage):
        return storage.retain_until(name)
    return None


def storage_is_immutable(storage: Storage) -> bool:
    return isinstance(storage, VaultS3Storage) and bool(storage.object_lock)


class StorageProbeError(Exception):
    """The storage could not be written, read back or cleaned: `str(exc)` says why."""


def s3_secret_purpose(org_id: int) -> str:
    return f"s3-secret:{org_id}"


def managed_storage() -> Storage:
    return storages["vault"]


def _with_lock(storage: Storage, org) -> Storage:
    if not isinstance(storage, VaultS3Storage) or _object_lock_provider is None:
        return storage  # local storage cannot lock anything
    lock = _object_lock_provider(org)
    if lock:
        if storage is storages["vault"]:
            storage = _copy(storage)
        storage.object_lock = lock
    return storage


def _copy(storage: "VaultS3Storage") -> "VaultS3Storage":
    """A separate instance of the shared managed storage (its lock is this org's)."""
    import copy

    clone = copy.copy(storage)
    clone.object_lock = None
    return clone


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

    config = Config(
        # Custom endpoints (MinIO, Ceph, moto) rarely resolve bucket sub-domains.
        s3={"addressing_style": "path" if endpoint_url else "auto"},
        connect_timeout=10,
        read_timeout=60,
        retries={"max_attempts": 3, "mode": "standard"},
    )
    return VaultS3Storage(
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
        return _with_lock(managed_storage(), org)
    return _with_lock(
        s3_storage(
            bucket=org.s3_bucket,
            endpoint_url=org.s3_endpoint_url,
            region=org.s3_region,
            access_key_id=org.s3_access_key_id,
            secret_access_key=unwrap_secret(
                org.s3_secret_wrapped, s3_secret_purpose(org.pk)
            ).decode(),
        ),
        org,
    )


UNREACHABLE = "the endpoint could not be reached"


def _reason(exc: Exception) -> str:
    """A readable reason from a boto3/botocore or OS error. An S3 server's answer is
    told as it is; every failure to reach one (refused, timed out, TLS not trusted) is
    the same sentence, so the form does not tell the server's network apart."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        error = response["Error"]
        code, message = error.get("Code", ""), error.get("Message", "")
        return f"{code}: {message}" if message else str(code)
    from botocore.exceptions import ConnectionError as BotoConnectionError
    from botocore.exceptions import HTTPClientError

    if isinstance(exc, BotoConnectionError | HTTPClientError | OSError):
        return UNREACHABLE
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
