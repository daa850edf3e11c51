"""The per-org suppression list: records purged with "keep them out of later backups".

Each row is a keyed hash (HMAC-SHA256 with a key derived from the org's data key) of
"object name:record Id", never the Id itself. The writer (vault.services.ObjectWriter)
asks `suppressed_ids` once per batch, only for objects with rows here, and the
versioning routine's planning step (vault.versioning.plan_versions, `suppressed`)
leaves those records out: a later backup does not bring them back.

- `suppression_hash(data_key, object_name, record_id) -> bytes`
- `records_suppress(*, org, data_key, records: {object: [ids]}) -> int` — rows added.
- `object_suppresses(*, org, object_name) -> bool`
- `suppressed_ids(*, org, object_name, record_ids, data_key) -> set[str]`
"""

import hashlib
import hmac
from collections.abc import Iterable

from django.db import models
from django.utils import timezone


class SuppressedRecord(models.Model):
    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+")
    object_name = models.CharField(max_length=120)
    id_hash = models.BinaryField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "vault"
        constraints = [
            models.UniqueConstraint(
                fields=["org", "object_name", "id_hash"], name="suppressedrecord_unique"
            )
        ]
        indexes = [models.Index(fields=["org", "object_name"], name="suppressedrecord_object")]

    def __str__(self) -> str:
        return f"A suppressed {self.object_name} record"


def _key(data_key: bytes) -> bytes:
    return hmac.new(data_key, b"orgvault-suppression", hashlib.sha256).digest()


def suppression_hash(data_key: bytes, object_name: str, record_id: str) -> bytes:
    return _hash(_key(data_key), object_name, record_id)


def _hash(key: bytes, object_name: str, record_id: str) -> bytes:
    return hmac.new(key, f"{object_name}:{record_id}".encode(), hashlib.sha256).digest()


def records_suppress(*, org, data_key: bytes, records: dict[str, list[str]]) -> int:
    key = _key(data_key)
    rows = [
        SuppressedRecord(org=org, object_name=name, id_hash=_hash(key, name, rid))
        for name, ids in records.items()
        for rid in dict.fromkeys(ids)
        if rid
    ]
    before = SuppressedRecord.objects.filter(org=org).count()
    SuppressedRecord.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return SuppressedRecord.objects.filter(org=org).count() - before


def object_suppresses(*, org, object_name: str) -> bool:
    return SuppressedRecord.objects.filter(org=org, object_name=object_name).exists()


def suppressed_ids(
    *, org, object_name: str, record_ids: Iterable[str], data_key: bytes
) -> set[str]:
    key = _key(data_key)
    by_hash = {_hash(key, object_name, rid): rid for rid in record_ids}
    if not by_hash:
        return set()
    found = SuppressedRecord.objects.filter(
        org=org, object_name=object_name, id_hash__in=list(by_hash)
    ).values_list("id_hash", flat=True)
    return {by_hash[bytes(digest)] for digest in found}
