"""Erasure: remove chosen records from every version in the vault (the right to erasure).

    result = records_erase(org=org, data_key=key, records={"Contact": ["003..."]})

For each object, every segment that holds a row of those records (through a version, or
as a row no version reads any more) is rewritten without those rows: re-encrypted under
a new storage key, a new `Segment` row, the remaining versions re-pointed to it, the old
segment row and file deleted (a segment left empty is just deleted). Then every version
of those records is deleted (hard-deleted markers included; rows that reference a
version, such as search's blind-index entries, go with it), and the blobs that only
those records referenced are deleted.

Refused, with nothing written: a record under an active legal hold (`HeldRecords`), a
segment to rewrite under S3 Object Lock retention (`RecordsLocked`, `.until`), or
a backup writing a snapshot of the org (`vault.services.VaultBusy`). Each segment is
rewritten in its own transaction, so an interrupted erasure can be run again.
"""

import json
import uuid
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count

from common.storage import org_storage
from vault import codec
from vault.holds import held_scope
from vault.immutability import locked_until
from vault.metadata_services import sealed_aad_key
from vault.models import Blob, MetadataComponentVersion, RecordVersion, Segment, Snapshot
from vault.services import VaultBusy, _save


class RecordsLocked(Exception):
    """A version to rewrite is under S3 Object Lock retention until `until` (aware
    datetime): nothing was erased; the purge can run once the lock has expired."""

    def __init__(self, until):
        self.until = until
        super().__init__(
            f"Some of these records are in backups locked by S3 Object Lock until "
            f"{until:%Y-%m-%d %H:%M} UTC: they cannot be rewritten before then."
        )


class HeldRecords(Exception):
    """Some of the records are under an active legal hold: nothing was erased."""


@dataclass
class ErasureResult:
    # {object name: {"records": n, "versions": n}}
    objects: dict[str, dict[str, int]] = field(default_factory=dict)
    segments_rewritten: int = 0
    segments_deleted: int = 0
    bytes_rewritten: int = 0
    blobs_deleted: int = 0


def erasure_refusals(*, org, records: dict[str, list[str]]) -> list[str]:
    """Why these records cannot be erased now ([] when they can)."""
    reasons = []
    scope = held_scope(org=org)
    held = Counter(name for name, ids in records.items() for rid in ids if scope.covers(name, rid))
    if held:
        listed = ", ".join(f"{n} of {name}" for name, n in sorted(held.items()))
        reasons.append(
            f"A legal hold covers {listed} record(s): nothing under a legal hold may be "
            "purged; lift the hold in Settings → Retention & legal hold first."
        )
    if Snapshot.objects.filter(org=org, status=Snapshot.Status.BUILDING).exists():
        reasons.append("A backup is writing this org's vault; purge when it has finished.")
    return reasons


def records_erase(*, org, data_key: bytes, records: dict[str, list[str]]) -> ErasureResult:
    scope = held_scope(org=org)
    if any(scope.covers(name, rid) for name, ids in records.items() for rid in ids):
        raise HeldRecords(erasure_refusals(org=org, records=records)[0])
    if Snapshot.objects.filter(org=org, status=Snapshot.Status.BUILDING).exists():
        raise VaultBusy("A backup is writing this org's vault; purge when it has finished.")
    storage = org_storage(org)
    blob_prefix = f"orgs/{org.pk}/blobs/"
    result = ErasureResult()
    candidates: set[str] = set()
    plans = {}
    for object_name, id_list in records.items():
        ids = {rid for rid in id_list if rid}
        if ids:
            plans[object_name] = (ids, _segments_to_rewrite(org, object_name, ids))
    # A segment under S3 Object Lock cannot be replaced yet: refuse before any change.
    until = locked_until(
        org=org,
        storage_keys=Segment.objects.filter(
            pk__in={pk for _, seg_ids in plans.values() for pk in seg_ids}
        ).values_list("storage_key", flat=True),
        storage=storage,
    )
    if until is not None:
        raise RecordsLocked(until)
    for object_name, (ids, segment_ids) in plans.items():
        versions = RecordVersion.objects.filter(org=org, object_name=object_name)
        mine = versions.filter(record_id__in=ids)
        counted = list(mine.values_list("record_id", flat=True))
        for segment in Segment.objects.filter(pk__in=segment_ids).order_by("pk"):
            _rewrite_without(org, storage, data_key, segment, ids, blob_prefix, candidates, result)
        with transaction.atomic():
            mine.delete()  # the versions without a payload (hard-deleted markers) remain
        result.objects[object_name] = {"records": len(set(counted)), "versions": len(counted)}
    if candidates:
        result.blobs_deleted = _drop_blobs_only_they_referenced(
            org, storage, data_key, candidates, blob_prefix
        )
    return result


def _segments_to_rewrite(org, object_name: str, ids: set[str]) -> set[int]:
    mine = RecordVersion.objects.filter(org=org, object_name=object_name, record_id__in=ids)
    segment_ids = set(mine.exclude(segment=None).values_list("segment_id", flat=True))
    # Segments holding rows no version reads (retention leaves mostly-live segments
    # as they are) may hold these records too.
    for pk, live, total in (
        Segment.objects.filter(org=org, object_name=object_name)
        .annotate(n=Count("versions"))
        .values_list("pk", "n", "record_count")
    ):
        if live < total:
            segment_ids.add(pk)
    return segment_ids


def _rewrite_without(org, storage, data_key, segment, ids, blob_prefix, candidates, result):
    with storage.open(segment.storage_key, "rb") as handle:
        plaintext = codec.unseal(
            data_key=data_key, org_id=org.pk, storage_key=segment.storage_key, blob=handle.read()
        )
    lines = plaintext.split(b"\n")
    header, rows = lines[0], lines[1:]
    removed = set()
    for index, line in enumerate(rows):
        record_id, values = json.loads(line)
        if record_id in ids:
            removed.add(index)
            candidates.update(v for v in values if isinstance(v, str) and v.startswith(blob_prefix))
    if not removed:
        return
    kept = list(
        RecordVersion.objects.filter(segment=segment)
        .exclude(record_id__in=ids)
        .order_by("segment_index")
        .values_list("pk", "segment_index")
    )
    kept = [(pk, index) for pk, index in kept if index not in removed]
    if not kept:
        with transaction.atomic():
            RecordVersion.objects.filter(segment=segment, record_id__in=ids).delete()
            Segment.objects.filter(pk=segment.pk).delete()
        storage.delete(segment.storage_key)
        result.segments_deleted += 1
        return
    new_key = segment.storage_key.rsplit("/", 1)[0] + f"/{uuid.uuid4().hex}.seg"
    sealed = codec.seal(
        data_key=data_key,
        org_id=org.pk,
        storage_key=new_key,
        plaintext=b"\n".join([header, *(rows[index] for _, index in kept)]),
    )
    _save(storage, new_key, sealed)
    try:
        with transaction.atomic():
            fresh = Segment.objects.create(
                org=org,
                snapshot=segment.snapshot,
                object_name=segment.object_name,
                storage_key=new_key,
                byte_size=len(sealed),
                record_count=len(kept),
                created_at=segment.created_at,
            )
            for new_index, (pk, _) in enumerate(kept):
                RecordVersion.objects.filter(pk=pk).update(segment=fresh, segment_index=new_index)
            # The erased records' versions in it go now: the old segment is deleted next.
            RecordVersion.objects.filter(segment=segment, record_id__in=ids).delete()
            Segment.objects.filter(pk=segment.pk).delete()
    except BaseException:
        storage.delete(new_key)
        raise
    storage.delete(segment.storage_key)
    result.segments_rewritten += 1
    result.bytes_rewritten += len(sealed)


def _drop_blobs_only_they_referenced(org, storage, data_key, candidates, blob_prefix) -> int:
    still: set[str] = set()
    marker = blob_prefix.encode()
    for segment in Segment.objects.filter(org=org).iterator():
        with storage.open(segment.storage_key, "rb") as handle:
            plaintext = codec.unseal(
                data_key=data_key,
                org_id=org.pk,
                storage_key=segment.storage_key,
                blob=handle.read(),
            )
        if marker not in plaintext:
            continue
        for line in plaintext.split(b"\n")[1:]:
            still.update(v for v in json.loads(line)[1] if isinstance(v, str) and v in candidates)
    for version in MetadataComponentVersion.objects.filter(org=org).iterator():
        sealed = codec.unseal(
            data_key=data_key,
            org_id=org.pk,
            storage_key=sealed_aad_key(org.pk, version.metadata_type, version.full_name),
            blob=bytes(version.sealed),
        )
        still.update(f["blob"] for f in json.loads(sealed)["files"] if f["blob"] in candidates)
    dropped = 0
    for blob in Blob.objects.filter(org=org, storage_key__in=candidates - still):
        with transaction.atomic():
            Blob.objects.filter(pk=blob.pk).delete()
        storage.delete(blob.storage_key)
        dropped += 1
    return dropped
