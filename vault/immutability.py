"""Immutable storage: S3 Object Lock on the org's segments and blobs.

When the org's retention policy sets a lock mode (governance or compliance) and the
org's blobs live on S3, every segment and blob is written with S3 Object Lock retention
of `lock_days` days (common.storage.VaultS3Storage), so not even someone holding the
bucket's keys can delete it earlier. The bucket must have been created with Object Lock
enabled. Local storage cannot lock anything: the settings page says so plainly.

- `object_lock_for(org) -> (mode, days) | None` — registered with common.storage.
- `storage_immutability(*, org) -> Immutability` — what the settings page shows.
- `locked_until(*, org, storage_keys) -> datetime | None` — the latest retention date
  among those objects (asked of S3).
- `org_delete_refusals(*, org)` — orgs.hooks receiver: locked objects block deleting
  the org's connection (and its data).
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Max
from django.utils import timezone

from common.storage import VaultS3Storage, org_storage, storage_retain_until
from vault.models import Blob, RetentionPolicy, Segment


def object_lock_for(org) -> tuple[str, int] | None:
    policy = RetentionPolicy.objects.filter(org_id=org.pk).only("lock_mode", "lock_days").first()
    if policy is None or not policy.lock_mode or not policy.lock_days:
        return None
    return policy.lock_mode, policy.lock_days


@dataclass
class Immutability:
    on_s3: bool
    mode: str
    days: int

    @property
    def immutable(self) -> bool:
        return self.on_s3 and bool(self.mode)

    @property
    def sentence(self) -> str:
        if not self.on_s3:
            return (
                "Not immutable: this org's backups are kept on the server's local storage, "
                "where anyone with access to the server can delete or change them. Use an "
                "S3 bucket with Object Lock for write-once backups."
            )
        if not self.mode:
            return (
                "Not immutable: S3 Object Lock is off for this org; anyone with the bucket's "
                "keys can delete its backups."
            )
        return (
            f"Immutable: every segment and blob is written with S3 Object Lock "
            f"({self.mode.lower()} mode) for {self.days} days; it cannot be deleted earlier."
        )


def storage_immutability(*, org) -> Immutability:
    storage = org_storage(org)
    lock = object_lock_for(org)
    return Immutability(
        on_s3=isinstance(storage, VaultS3Storage),
        mode=lock[0] if lock else "",
        days=lock[1] if lock else 0,
    )


def locked_until(*, org, storage_keys, storage=None, now=None) -> dt.datetime | None:
    """The latest Object Lock date still in the future among these objects, or None."""
    storage = storage or org_storage(org)
    if not isinstance(storage, VaultS3Storage):
        return None
    now = now or timezone.now()
    latest = None
    for key in storage_keys:
        until = storage_retain_until(storage, key)
        if until is not None and until > now and (latest is None or until > latest):
            latest = until
    return latest


def org_delete_refusals(*, org) -> list[str]:
    """Objects still under Object Lock block deleting the org (checked on the newest
    segment and blob, which are locked the longest)."""
    storage = org_storage(org)
    if not isinstance(storage, VaultS3Storage):
        return []
    keys = []
    for model in (Segment, Blob):
        newest = model.objects.filter(org=org).aggregate(m=Max("created_at"))["m"]
        if newest is not None:
            keys += list(
                model.objects.filter(org=org, created_at=newest).values_list(
                    "storage_key", flat=True
                )[:5]
            )
    until = locked_until(org=org, storage_keys=keys, storage=storage)
    if until is None:
        return []
    return [
        f"This org's backups are locked by S3 Object Lock until {until:%Y-%m-%d %H:%M} UTC: "
        "they cannot be deleted before then, so the org cannot be deleted yet."
    ]
