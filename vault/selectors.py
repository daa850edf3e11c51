"""Reads from the vault. Every function is scoped by an `org` the caller obtained through
a tenant-scoped selector (orgs.selectors.org_get(tenant=..., org_id=...)) or by a `job`
obtained through jobs.selectors.job_get(org=..., job_id=...). Readers only ever see
published snapshots.

Functions for pages:

- `snapshot_latest(*, org) -> Snapshot | None` — the newest published snapshot.
- `snapshot_for_job(*, job) -> Snapshot | None` — the snapshot a backup job wrote.
- `published_seq(*, org) -> int` — the newest published snapshot number (0 if none).
- `record_versions(*, org, object_name, record_id) -> list[RecordVersion]` — a record's
  versions, oldest first; `version.valid_to` is None for the current one.
- `object_records_as_of(*, org, object_name, seq, include_gone=True) -> QuerySet` — an
  object's record versions as of snapshot `seq` (one range query), ordered by record id.
- `job_changes(*, job, object_name=None, change=None) -> QuerySet` — the versions a
  job added / changed / deleted (`change` is a RecordVersion.Change value).
- `job_change_counts(*, job) -> dict[str, dict[str, int]]` — per object:
  {"added": n, "changed": n, "deleted": n} in one query.
- `version_payloads(*, org, versions, data_key) -> dict[int, dict]` — decrypt the
  fields of many versions at once (one storage read per segment, not per row):
  {version.pk: {"Id": ..., "Name": ..., ...}}. Hard-deleted versions show the fields
  of the version they closed. `data_key` is orgs.services.org_data_key(org).
- `version_get(*, org, object_name, record_id, version_id) -> RecordVersion` (404 if
  not this org's).
- `blob_read(*, org, blob_key, data_key) -> bytes` — a stored binary body.

Display fields (Name, ...) are never stored in clear: fetch a page of versions, then
`version_payloads` for that page only.
"""

from django.db.models import Count, Max, Q
from django.shortcuts import get_object_or_404

from common.storage import org_storage
from vault import codec
from vault.models import Blob, RecordVersion, Segment, Snapshot

Change = RecordVersion.Change
State = RecordVersion.State


def snapshot_latest(*, org) -> Snapshot | None:
    return (
        Snapshot.objects.filter(org=org, status=Snapshot.Status.PUBLISHED).order_by("-seq").first()
    )


def published_seq(*, org) -> int:
    result = Snapshot.objects.filter(org=org, status=Snapshot.Status.PUBLISHED).aggregate(
        m=Max("seq")
    )
    return result["m"] or 0


def snapshot_for_job(*, job) -> Snapshot | None:
    return Snapshot.objects.filter(org_id=job.org_id, job=job).order_by("-seq").first()


def record_versions(*, org, object_name: str, record_id: str) -> list[RecordVersion]:
    seq = published_seq(org=org)
    versions = list(
        RecordVersion.objects.filter(
            org=org, object_name=object_name, record_id=record_id, valid_from__lte=seq
        ).order_by("valid_from")
    )
    for version in versions:
        if version.valid_to is not None and version.valid_to > seq:
            version.valid_to = None  # closed by a snapshot that is not published yet
    return versions


def object_records_as_of(*, org, object_name: str, seq: int, include_gone: bool = True):
    rows = RecordVersion.objects.filter(
        org=org, object_name=object_name, valid_from__lte=seq
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=seq))
    if not include_gone:
        rows = rows.exclude(state__in=[State.HARD_DELETED, State.ARCHIVED])
    return rows.order_by("record_id")


def object_counts_as_of(*, org, seq: int) -> dict[str, int]:
    """Records per object as of snapshot `seq` (hard-deleted and archived excluded)."""
    rows = (
        RecordVersion.objects.filter(org=org, valid_from__lte=seq)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=seq))
        .exclude(state__in=[State.HARD_DELETED, State.ARCHIVED])
        .values("object_name")
        .annotate(n=Count("id"))
    )
    return {row["object_name"]: row["n"] for row in rows}


def job_changes(*, job, object_name: str | None = None, change: str | None = None):
    rows = RecordVersion.objects.filter(org_id=job.org_id, job=job)
    if object_name is not None:
        rows = rows.filter(object_name=object_name)
    if change is not None:
        rows = rows.filter(change=change)
    return rows.order_by("object_name", "record_id")


def job_change_counts(*, job) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    rows = (
        RecordVersion.objects.filter(org_id=job.org_id, job=job)
        .values("object_name", "change")
        .annotate(n=Count("id"))
    )
    for row in rows:
        per_object = counts.setdefault(
            row["object_name"], {Change.ADDED: 0, Change.CHANGED: 0, Change.DELETED: 0}
        )
        per_object[row["change"]] = row["n"]
    return counts


def version_get(*, org, object_name: str, record_id: str, version_id: int) -> RecordVersion:
    return get_object_or_404(
        RecordVersion.objects.filter(
            org=org,
            object_name=object_name,
            record_id=record_id,
            valid_from__lte=published_seq(org=org),
        ),
        pk=version_id,
    )


def _read_segment(storage, org, segment, data_key: bytes) -> dict[int, dict]:
    with storage.open(segment.storage_key, "rb") as handle:
        sealed = handle.read()
    plaintext = codec.unseal(
        data_key=data_key, org_id=org.pk, storage_key=segment.storage_key, blob=sealed
    )
    fields, rows = codec.decode_segment(plaintext)
    return {
        index: dict(zip(fields, values, strict=False)) for index, (_, values) in enumerate(rows)
    }


def version_payloads(*, org, versions, data_key: bytes) -> dict[int, dict]:
    """{version.pk: fields} for the given versions of this org, decrypting each segment once."""
    versions = [v for v in versions if v.org_id == org.pk]
    # A hard-deleted version has no payload: show the one it closed.
    gone = [v for v in versions if v.segment_id is None]
    previous = {}
    if gone:
        query = Q()
        for v in gone:
            query |= Q(object_name=v.object_name, record_id=v.record_id, valid_to=v.valid_from)
        for row in RecordVersion.objects.filter(org=org).filter(query).select_related("segment"):
            previous[(row.object_name, row.record_id)] = row
    sources = {}
    for v in versions:
        source = v if v.segment_id is not None else previous.get((v.object_name, v.record_id))
        if source is not None:
            sources[v.pk] = source
    segment_ids = {s.segment_id for s in sources.values()}
    segments = {s.pk: s for s in Segment.objects.filter(org=org, pk__in=segment_ids)}
    storage = org_storage(org)
    decoded = {
        seg_id: _read_segment(storage, org, segments[seg_id], data_key) for seg_id in segments
    }
    return {
        pk: decoded[source.segment_id].get(source.segment_index, {})
        for pk, source in sources.items()
        if source.segment_id in decoded
    }


def blob_read(*, org, blob_key: str, data_key: bytes) -> bytes:
    blob = get_object_or_404(Blob, org=org, storage_key=blob_key)
    with org_storage(org).open(blob.storage_key, "rb") as handle:
        sealed = handle.read()
    return codec.unseal(data_key=data_key, org_id=org.pk, storage_key=blob.storage_key, blob=sealed)
