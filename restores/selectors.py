"""Reads for restores, always scoped by an org the caller got through
orgs.selectors.org_get(tenant=..., org_id=...).

- `request_list(*, org)`, `request_get(*, org, request_id)` (404 if not this org's).
- `run_for_job(*, job) -> RestoreRun | None`
- `records_for_job(*, job)` — the run's per-record results.
- `counts_for_job(*, job) -> dict[str, dict[str, dict[str, int]]]` — {object: {action:
  {status: n}}}.
- `backup_jobs(*, org, limit=200, type=None)` — jobs with a published snapshot, newest
  first (type "archive": archive jobs' snapshots; "records"/"metadata": backups).
- `snapshot_seq_for_job(*, org, job_id, type=None) -> int | None`
- `ready_requests(*, org)` — finished (not draft) requests.
- `payload_batches_as_of(*, org, object_name, seq, data_key, states, size)` — the
  object's versions as of snapshot `seq` in the given states, decrypted and yielded a
  batch of (record Id, state, fields) at a time.
- `fingerprints_as_of(*, org, object_name, seq, data_key, fields, record_ids)` — digests
  of the given records' `fields` as of snapshot `seq`.
"""

import hashlib
import json
from collections import defaultdict

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from jobs.models import Job
from restores.models import RestoreRecord, RestoreRequest, RestoreRun
from vault.models import MetadataComponentVersion, RecordVersion, Snapshot
from vault.selectors import object_records_as_of, version_payloads

DECRYPT_BATCH = 2000


def request_list(*, org):
    return (
        RestoreRequest.objects.filter(org=org)
        .select_related("correct_job", "compromised_job")
        .prefetch_related("runs")
    )


def ready_requests(*, org):
    return request_list(org=org).filter(status=RestoreRequest.Status.READY)


def request_get(*, org, request_id: int) -> RestoreRequest:
    return get_object_or_404(request_list(org=org), pk=request_id)


def run_for_job(*, job) -> RestoreRun | None:
    return RestoreRun.objects.filter(job=job, request__org_id=job.org_id).first()


def records_for_job(*, job):
    return RestoreRecord.objects.filter(job=job, request__org_id=job.org_id)


def counts_for_job(*, job) -> dict[str, dict[str, dict[str, int]]]:
    counts: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    rows = (
        records_for_job(job=job)
        .values("object_name", "action", "status")
        .annotate(n=Count("id"))
        .order_by("object_name", "action", "status")
    )
    for row in rows:
        counts[row["object_name"]][row["action"]][row["status"]] = row["n"]
    return {name: dict(actions) for name, actions in counts.items()}


ARCHIVE_OPERATION = "archive"
ARCHIVED = "archived"  # an archive job's snapshot state (the archives app writes it)


def _snapshots(*, org, type: str | None):
    snapshots = Snapshot.objects.filter(org=org, job__isnull=False)
    if type == RestoreRequest.Type.ARCHIVE:
        return snapshots.filter(
            job__operation=ARCHIVE_OPERATION, status__in=[Snapshot.Status.PUBLISHED, ARCHIVED]
        )
    snapshots = snapshots.filter(status=Snapshot.Status.PUBLISHED)
    if type is not None:
        snapshots = snapshots.exclude(job__operation=ARCHIVE_OPERATION)
    return snapshots


def backup_jobs(*, org, limit: int = 200, type: str | None = None) -> list[Job]:
    """Jobs whose snapshot a request can name: backups, or archive jobs (type archive)."""
    snapshots = _snapshots(org=org, type=type).select_related("job").order_by("-seq")[:limit]
    return [snapshot.job for snapshot in snapshots if snapshot.job is not None]


def snapshot_seq_for_job(*, org, job_id: int, type: str | None = None) -> int | None:
    return (
        _snapshots(org=org, type=type)
        .filter(job_id=job_id)
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    )


def payload_batches_as_of(
    *, org, object_name: str, seq: int, data_key: bytes, states, size: int = DECRYPT_BATCH
):
    """The object's versions as of snapshot `seq` in the given states, as lists of
    (record Id, state, fields) of at most `size`: a restore holds one batch at a time."""
    versions = object_records_as_of(org=org, object_name=object_name, seq=seq).filter(
        state__in=list(states)
    )
    batch: list[RecordVersion] = []

    def decrypted() -> list[tuple[str, str, dict]]:
        payloads = version_payloads(org=org, versions=batch, data_key=data_key)
        return [(v.record_id, v.state, payloads.get(v.pk, {})) for v in batch]

    for version in versions.iterator(chunk_size=size):
        batch.append(version)
        if len(batch) >= size:
            yield decrypted()
            batch = []
    if batch:
        yield decrypted()


def correct_version(*, request, object_name: str, record_id: str, data_key: bytes) -> dict:
    """The record's fields in the request's correct backup ({} if it holds none)."""
    version = (
        object_records_as_of(org=request.org, object_name=object_name, seq=request.correct_seq)
        .filter(record_id=record_id)
        .first()
    )
    if version is None:
        return {}
    return version_payloads(org=request.org, versions=[version], data_key=data_key).get(
        version.pk, {}
    )


def live_record(*, client, object_name: str, record_id: str) -> dict | None:
    """The org's record now (Recycle Bin included), read live: describe + one queryAll."""
    describe = client.describe(object_name)
    names = [
        f["name"]
        for f in describe.get("fields", [])
        if f.get("type") not in ("address", "location")
    ]
    # Names come from the org's describe; the Id is checked to be an Id.
    if not record_id.isalnum() or len(record_id) not in (15, 18):
        return None
    soql = f"SELECT {', '.join(names)} FROM {object_name} WHERE Id = '{record_id}'"  # noqa: S608
    rows = client.request("GET", "queryAll/", params={"q": soql}).json().get("records", [])
    if not rows:
        return None
    rows[0].pop("attributes", None)
    return rows[0]


def compare_rows(correct: dict, current: dict | None, *, hide_identical: bool) -> list[tuple]:
    """[(field, correct value, current value, identical)] side by side."""
    current = current or {}
    rows = []
    for name in sorted(set(correct) | set(current)):
        if name == "attributes":
            continue
        same = correct.get(name) == current.get(name)
        if hide_identical and same:
            continue
        rows.append((name, correct.get(name), current.get(name), same))
    return rows


def values_key(record: dict, fields: list[str]) -> str:
    """A short digest of a record's values of `fields` (to compare versions cheaply)."""
    text = json.dumps([record.get(f) for f in fields], sort_keys=True, default=str)
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def fingerprints_as_of(
    *, org, object_name: str, seq: int, data_key: bytes, fields: list[str], record_ids
) -> dict[str, tuple[str, str]]:
    """{record Id: (state, values_key of `fields`)} of the given records as of snapshot
    `seq`: what a comparison needs, without holding their payloads."""
    versions = object_records_as_of(org=org, object_name=object_name, seq=seq).filter(
        record_id__in=list(record_ids)
    )
    out: dict[str, tuple[str, str]] = {}
    batch: list[RecordVersion] = []

    def flush() -> None:
        payloads = version_payloads(org=org, versions=batch, data_key=data_key)
        for version in batch:
            out[version.record_id] = (
                version.state,
                values_key(payloads.get(version.pk, {}), fields),
            )
        batch.clear()

    for version in versions.iterator(chunk_size=DECRYPT_BATCH):
        batch.append(version)
        if len(batch) >= DECRYPT_BATCH:
            flush()
    if batch:
        flush()
    return out


def components_as_of(*, org, seq: int) -> dict[str, int]:
    """{"Type:FullName": 1} of the metadata components in snapshot `seq` (not deleted):
    what a Backup Metadata request can restore."""
    rows = (
        MetadataComponentVersion.objects.filter(org=org, valid_from__lte=seq, is_deleted=False)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=seq))
        .order_by("metadata_type", "full_name")
        .values_list("metadata_type", "full_name")
    )
    return {f"{mtype}:{name}": 1 for mtype, name in rows}
