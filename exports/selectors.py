"""Reads for exports, always scoped by an org the caller got through
orgs.selectors.org_get(tenant=..., org_id=...).

- `export_list(*, org) -> QuerySet[Export]` — the org's exports, newest first.
- `export_get(*, org, export_id) -> Export` — 404 if not this org's.
- `export_for_job(*, job) -> Export | None`
- `source_jobs(*, org, limit=200) -> list[Job]` — backup jobs whose snapshot is
  published (the "as of" choices), newest first.
- `snapshot_seq_for_job(*, org, job_id) -> int | None`
- `objects_as_of(*, org, seq) -> dict[str, int]` — objects and record counts.
- `object_fields_as_of(*, org, object_name, seq, data_key) -> list[str]` — the fields of
  the newest segment holding the object's records as of `seq`.
- `records_as_of(*, org, object_name, seq, data_key) -> Iterator[dict]` — the object's
  records as of snapshot `seq` (hard-deleted and archived ones left out), decrypted one
  segment at a time, in storage order: memory holds one segment whatever the size.
- `archive_snapshots(*, org, date_from, date_to) -> list[tuple[int, int]]` — (archive
  job id, snapshot seq) of the archive jobs published within the dates (inclusive).
- `objects_of_snapshot(*, org, seq) -> dict[str, int]` /
  `object_fields_of_snapshot(...)` / `records_of_snapshot(*, org, object_name, seq,
  data_key)` — the records a snapshot wrote (an archive job's archived records).
"""

from collections.abc import Iterator
from datetime import date

from django.db.models import Count, Max
from django.shortcuts import get_object_or_404

from common.storage import org_storage
from exports.models import Export
from jobs.models import Job
from vault import codec
from vault.models import RecordVersion, Segment, Snapshot
from vault.selectors import object_counts_as_of, object_records_as_of


def export_list(*, org):
    return Export.objects.filter(org=org).select_related("job", "source_job")


def export_get(*, org, export_id: int) -> Export:
    return get_object_or_404(export_list(org=org), pk=export_id)


def export_for_job(*, job) -> Export | None:
    return Export.objects.filter(org_id=job.org_id, job=job).first()


def source_jobs(*, org, limit: int = 200) -> list[Job]:
    snapshots = (
        Snapshot.objects.filter(org=org, status=Snapshot.Status.PUBLISHED, job__isnull=False)
        .select_related("job")
        .order_by("-seq")[:limit]
    )
    return [snapshot.job for snapshot in snapshots if snapshot.job is not None]


def snapshot_seq_for_job(*, org, job_id: int) -> int | None:
    return (
        Snapshot.objects.filter(org=org, job_id=job_id, status=Snapshot.Status.PUBLISHED)
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    )


def objects_as_of(*, org, seq: int) -> dict[str, int]:
    return dict(sorted(object_counts_as_of(org=org, seq=seq).items()))


def _versions(*, org, object_name: str, seq: int):
    return object_records_as_of(
        org=org, object_name=object_name, seq=seq, include_gone=False
    ).exclude(segment__isnull=True)


def _decode(storage, org, segment: Segment, data_key: bytes) -> tuple[list[str], list]:
    with storage.open(segment.storage_key, "rb") as handle:
        sealed = handle.read()
    plaintext = codec.unseal(
        data_key=data_key, org_id=org.pk, storage_key=segment.storage_key, blob=sealed
    )
    return codec.decode_segment(plaintext)


def object_fields_as_of(*, org, object_name: str, seq: int, data_key: bytes) -> list[str]:
    newest = _versions(org=org, object_name=object_name, seq=seq).aggregate(m=Max("segment_id"))
    if newest["m"] is None:
        return ["Id"]
    segment = Segment.objects.get(org=org, pk=newest["m"])
    fields, _ = _decode(org_storage(org), org, segment, data_key)
    return fields


def records_as_of(*, org, object_name: str, seq: int, data_key: bytes) -> Iterator[dict]:
    return _records(org, _versions(org=org, object_name=object_name, seq=seq), data_key)


ARCHIVE_OPERATION = "archive"


def archive_snapshots(*, org, date_from: date, date_to: date) -> list[tuple[int, int]]:
    rows = (
        Snapshot.objects.filter(
            org=org,
            status=Snapshot.Status.PUBLISHED,
            job__operation=ARCHIVE_OPERATION,
            published_at__date__gte=date_from,
            published_at__date__lte=date_to,
        )
        .order_by("seq")
        .values_list("job_id", "seq")
    )
    return [(job_id, seq) for job_id, seq in rows if job_id is not None]


def _written(*, org, seq: int, object_name: str | None = None):
    rows = RecordVersion.objects.filter(org=org, valid_from=seq, segment__isnull=False)
    return rows if object_name is None else rows.filter(object_name=object_name)


def objects_of_snapshot(*, org, seq: int) -> dict[str, int]:
    rows = _written(org=org, seq=seq).values("object_name").annotate(n=Count("id"))
    return {row["object_name"]: row["n"] for row in rows.order_by("object_name")}


def object_fields_of_snapshot(*, org, object_name: str, seq: int, data_key: bytes) -> list[str]:
    newest = _written(org=org, seq=seq, object_name=object_name).aggregate(m=Max("segment_id"))
    if newest["m"] is None:
        return ["Id"]
    segment = Segment.objects.get(org=org, pk=newest["m"])
    fields, _ = _decode(org_storage(org), org, segment, data_key)
    return fields


def records_of_snapshot(*, org, object_name: str, seq: int, data_key: bytes) -> Iterator[dict]:
    return _records(org, _written(org=org, seq=seq, object_name=object_name), data_key)


def _records(org, versions, data_key: bytes) -> Iterator[dict]:
    storage = org_storage(org)
    places = (
        versions.order_by("segment_id", "segment_index")
        .values_list("segment_id", "segment_index")
        .iterator(chunk_size=5000)
    )
    current_id = None
    fields: list[str] = []
    rows: list = []
    for segment_id, index in places:
        if segment_id != current_id:
            segment = Segment.objects.get(org=org, pk=segment_id)
            fields, rows = _decode(storage, org, segment, data_key)
            current_id = segment_id
        if index < len(rows):
            yield dict(zip(fields, rows[index][1], strict=False))
