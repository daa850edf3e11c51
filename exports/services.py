"""Writes for exports.

- `export_start(*, org, as_of_job, objects, filters=None, fields=None, format="csv",
  created_by=None, records_per_file=None, rules=None, children=None,
  include_files=False, archives_from="", archives_to="", enqueue=True) -> Job` — queue
  an export job as of a backup job, or of the archive jobs between two dates (`rules`:
  declarative filter rows per object; `children`: {parent: [child objects]};
  `include_files`: bodies in files/) through jobs.services.job_start with the "export"
  operation; ValueError with a message for the user when the request is not valid.
- `export_record_download(*, export, user) -> None` — count and log a download.
- `export_sweep_expired(*, now=None) -> int` — delete the files of expired exports
  (the scheduler loop calls it); the rows stay, marked deleted. Returns how many.
- `exports_drop_purged(*, org, versions) -> int` — vault.hooks.records_erasing: delete
  the files of the org's exports that may hold records being purged (an export as of a
  snapshot inside one of the versions' intervals, of an object they belong to), the
  finished ones and the parts of ones still running. Returns how many files.
- `exports_reseal(*, org, data_key, **_) -> list[str]` — vault.hooks.key_retiring: the
  export files still sealed with a key being retired are sealed again with the org's
  active key, frame by frame, under the same name. Answers no reason to wait.
"""

import logging

from django.db.models import F
from django.utils import timezone

from common.crypto import KEY_ID_BYTES, Keyring, ciphertext_key_id
from common.storage import org_storage
from exports.models import Export
from exports.operations import EXPORT
from exports.sealed import sealed_stream_reseal
from jobs.models import Job, JobLog
from jobs.services import job_log, job_start

logger = logging.getLogger(__name__)


def export_start(
    *,
    org,
    as_of_job: int | None = None,
    objects: list[str],
    filters: dict[str, str] | None = None,
    fields: dict[str, list[str]] | None = None,
    format: str = "csv",  # noqa: A002 — the option's name
    created_by=None,
    records_per_file: int | None = None,
    rules: dict[str, list[dict]] | None = None,
    children: dict[str, list[str]] | None = None,
    include_files: bool = False,
    archives_from: str = "",
    archives_to: str = "",
    enqueue: bool = True,
) -> Job:
    settings: dict = {
        "as_of_job": as_of_job or 0,
        "archives_from": archives_from,
        "archives_to": archives_to,
        "objects": objects,
        "filters": filters or {},
        "rules": rules or {},
        "fields": fields or {},
        "children": children or {},
        "include_files": include_files,
        "format": format,
    }
    if records_per_file:
        settings["records_per_file"] = records_per_file
    return job_start(
        org=org, operation=EXPORT, settings=settings, created_by=created_by, enqueue=enqueue
    )


def export_record_download(*, export: Export, user) -> None:
    Export.objects.filter(pk=export.pk).update(downloads=F("downloads") + 1)
    who = getattr(user, "email", "") or "someone"
    job_log(job=export.job, message=f"{export.file_name} downloaded by {who}.")


def export_sweep_expired(*, now=None) -> int:
    now = now or timezone.now()
    swept = 0
    expired = Export.objects.filter(expires_at__lte=now, deleted_at__isnull=True).select_related(
        "org", "job"
    )
    for export in expired:
        try:
            storage = org_storage(export.org)
            if export.storage_key and storage.exists(export.storage_key):
                storage.delete(export.storage_key)
        except Exception:
            logger.exception(
                "export %s: its file could not be deleted; retried next sweep", export.pk
            )
            continue
        Export.objects.filter(pk=export.pk).update(deleted_at=now)
        job_log(
            job=export.job,
            message=f"{export.file_name} expired and was deleted.",
            level=JobLog.Level.INFO,
        )
        swept += 1
    return swept


def _covers(intervals, seq: int) -> bool:
    return any(start <= seq and (end is None or seq < end) for start, end in intervals)


def exports_drop_purged(*, org, versions: dict[str, list], **_) -> int:
    dropped = 0
    storage = org_storage(org)
    for export in Export.objects.filter(org=org, deleted_at__isnull=True).select_related("job"):
        spec = export.job.settings or {}
        objects = set(spec.get("objects", [])) | {
            child for kids in (spec.get("children") or {}).values() for child in kids
        }
        # An archive export holds the records its archive jobs' snapshots wrote.
        seqs = [int(seq) for _, seq in spec.get("archive_jobs") or []] or [export.snapshot_seq]
        if not any(_covers(versions.get(name, []), seq) for name in objects for seq in seqs):
            continue
        keys = [export.storage_key] if export.storage_key else []
        keys += [
            key
            for files in export.job.job_objects.values_list("cursor", flat=True)
            for key in (files or {}).get("files", [])
        ]
        for key in keys:
            if storage.exists(key):
                storage.delete(key)
        Export.objects.filter(pk=export.pk).update(deleted_at=timezone.now())
        job_log(
            job=export.job,
            message="The export file was deleted: it may hold records that were purged.",
            level=JobLog.Level.INFO,
        )
        dropped += 1
    return dropped


def exports_reseal(*, org, data_key, **_) -> list[str]:
    storage = org_storage(org)
    active = data_key.write_id.hex() if isinstance(data_key, Keyring) else ""
    for export in Export.objects.filter(org=org, deleted_at__isnull=True).exclude(storage_key=""):
        if not storage.exists(export.storage_key):
            continue
        with storage.open(export.storage_key, "rb") as handle:
            head = handle.read(4 + 1 + KEY_ID_BYTES)
        if ciphertext_key_id(head[4:]) == active:
            continue
        sealed_stream_reseal(
            storage=storage, storage_key=export.storage_key, data_key=data_key, org_id=org.pk
        )
    return []
