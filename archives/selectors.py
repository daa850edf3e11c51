"""Reads for archives (always through a job the caller reached tenant-scoped).

- `archive_counts(*, job) -> dict[str, dict[str, int]]` — per object: archived
  (verified copies), deleted (directly or in cascade), kept, refused, unverified.
- `archive_records(*, job, object_name=None, outcome=None, search="")` — the job's
  per-record results (a search matches a record Id or its parent's).
- `archived_payloads(*, job, records) -> dict[record_id, dict]` — the archived copies
  of those records, decrypted from the vault (the Data tab's browse and search).
- `archive_summary(*, job) -> dict` — the command's --json: counts per object, totals,
  API calls, storage freed.
"""

from django.db.models import Count, Q

from archives.models import ArchiveRecord
from jobs.models import Job, JobObject
from orgs.keys import org_data_key
from vault.models import RecordVersion
from vault.selectors import version_payloads

Outcome = ArchiveRecord.Outcome
DELETED = (Outcome.DELETED, Outcome.CASCADE_DELETED)
ARCHIVED = (Outcome.VERIFIED, Outcome.DELETED, Outcome.CASCADE_DELETED, Outcome.REFUSED,
            Outcome.KEPT)  # fmt: skip


def archive_counts(*, job: Job) -> dict[str, dict[str, int]]:
    rows = (
        ArchiveRecord.objects.filter(job=job)
        .values("object_name")
        .annotate(
            read=Count("id"),
            archived=Count("id", filter=Q(outcome__in=ARCHIVED)),
            deleted=Count("id", filter=Q(outcome=Outcome.DELETED)),
            cascade_deleted=Count("id", filter=Q(outcome=Outcome.CASCADE_DELETED)),
            kept=Count("id", filter=Q(outcome=Outcome.KEPT)),
            refused=Count("id", filter=Q(outcome=Outcome.REFUSED)),
            unverified=Count("id", filter=Q(outcome=Outcome.VERIFY_FAILED)),
        )
        .order_by("object_name")
    )
    out = {}
    for row in rows:
        name = row.pop("object_name")
        row["deleted"] += row["cascade_deleted"]
        out[name] = row
    return out


def archive_records(*, job: Job, object_name: str | None = None, outcome: str | None = None,
                    search: str = ""):  # fmt: skip
    rows = ArchiveRecord.objects.filter(job=job)
    if object_name:
        rows = rows.filter(object_name=object_name)
    if outcome:
        rows = rows.filter(outcome=outcome)
    if search:
        rows = rows.filter(Q(record_id__istartswith=search) | Q(parent_id__istartswith=search))
    return rows.order_by("object_name", "record_id")


def archived_versions(*, job: Job, object_name: str, record_ids: list[str]):
    """The version each record had in the archive's snapshot (the newest at or before it)."""
    from vault.selectors import snapshot_for_job

    snapshot = snapshot_for_job(job=job)
    if snapshot is None:
        return {}
    versions = (
        RecordVersion.objects.filter(
            org_id=job.org_id,
            object_name=object_name,
            record_id__in=record_ids,
            valid_from__lte=snapshot.seq,
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=snapshot.seq))
        .select_related("segment")
    )
    return {v.record_id: v for v in versions}


def archived_payloads(*, job: Job, object_name: str, record_ids: list[str]) -> dict[str, dict]:
    versions = archived_versions(job=job, object_name=object_name, record_ids=record_ids)
    payloads = version_payloads(
        org=job.org, versions=list(versions.values()), data_key=org_data_key(job.org)
    )
    return {rid: payloads.get(v.pk, {}) for rid, v in versions.items()}


def archive_summary(*, job: Job) -> dict:
    counts = archive_counts(job=job)
    unit = JobObject.objects.filter(job=job).first()
    cursor = (unit.cursor if unit else {}) or {}
    keys = ("archived", "deleted", "kept", "refused", "unverified")
    job.refresh_from_db()
    return {
        "job_id": job.pk,
        "status": job.status,
        "objects": {
            name: {k: row[k] for k in (*keys, "cascade_deleted")} for name, row in counts.items()
        },
        "totals": {k: sum(row[k] for row in counts.values()) for k in keys},
        "api_calls": job.api_calls,
        "storage_freed_bytes": cursor.get("storage_freed_bytes", 0),
        "phase": cursor.get("phase", ""),
    }
