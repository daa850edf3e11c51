"""`CompositeBackupHandler`: how a Composite (& Sync) Backup job runs (jobs/runner.py drives it).

1. prepare: open the org's data key (a wrong tenant key stops here, nothing written),
   choose the objects from the org's catalog and the job settings, begin a snapshot,
   create one JobObject per object (and the Metadata unit when the setting is on).
2. process: one task per object, any worker (object_backup.py, chunks.py, deletes.py).
3. finish: publish the snapshot (advancing the watermarks) when every object completed;
   discard it otherwise, so the previous snapshot stays as it was.
"""

from backups.engine.connection import check_api_quota, stop_job_on_fatal_errors
from backups.engine.discard import backup_discard
from backups.engine.metadata import MetadataBackup, is_metadata_unit, metadata_unit_add
from backups.engine.object_backup import ObjectBackup
from backups.engine.probe import probe_changes
from backups.job_settings import JobSettings
from backups.operations import COMPOSITE_SYNC_BACKUP
from jobs.models import Job, JobLog, JobObject, JobObjectChunk
from jobs.runner import JobMustWait
from orgs.models import ObjectCatalogEntry
from orgs.selectors import catalog_entries
from orgs.services import org_data_key
from vault.metadata_services import metadata_discard
from vault.models import Snapshot
from vault.services import (
    VaultBusy,
    snapshot_begin,
    snapshot_busy_reason,
    snapshot_publish,
    watermark_mark_full_sync,
)

CATEGORY_SETTINGS: dict[str, str] = {
    ObjectCatalogEntry.Category.BIG_OBJECT: "big_objects",
    ObjectCatalogEntry.Category.BINARY: "binary_objects",
    ObjectCatalogEntry.Category.TAG: "tag_objects",
    ObjectCatalogEntry.Category.HISTORY: "history_objects",
    ObjectCatalogEntry.Category.FEED: "feed_objects",
    ObjectCatalogEntry.Category.SHARE: "share_objects",
    ObjectCatalogEntry.Category.CUSTOM_METADATA: "custom_metadata_type_objects",
}


def included_objects(*, org, settings: JobSettings) -> tuple[list[str], list[str]]:
    """(object names to back up, names left out because they cannot be queried)."""
    chosen: list[str] = []
    unqueryable: list[str] = []
    for entry in catalog_entries(org=org):
        setting = CATEGORY_SETTINGS.get(entry.category)
        if setting is not None and not getattr(settings, setting):
            continue
        (chosen if entry.queryable else unqueryable).append(entry.name)
    return chosen, unqueryable


# --- the handler ----------------------------------------------------------------------


class CompositeBackupHandler:
    """Composite (& Sync) Backup. A subclass (backups/engine/templated.py's Templated
    Backup) changes what is read through `choose_objects`, `object_backup` and
    `watermark_scope`, and keeps the rest: quota, metadata, snapshot, publish."""

    def prepare(self, ctx) -> None:
        job = ctx.job
        org = job.org
        org_data_key(org)  # a wrong or unreadable key stops the job before anything is written
        names = self.choose_objects(ctx)
        busy = snapshot_busy_reason(org=org, job=job)
        if busy:  # another backup of this org is writing: our turn next, nothing spent
            raise JobMustWait(busy)
        with stop_job_on_fatal_errors(ctx):
            check_api_quota(ctx, org)
        try:
            snapshot_begin(org=org, job=job)
        except VaultBusy as exc:  # it started a moment ago
            raise JobMustWait(str(exc)) from None
        metadata_discard(org=org)  # a stale snapshot discarded above leaves no metadata versions
        JobObject.objects.bulk_create(
            [JobObject(job=job, object_name=name) for name in names], ignore_conflicts=True
        )
        with stop_job_on_fatal_errors(ctx):
            probe_changes(
                ctx,
                self,
                list(
                    JobObject.objects.filter(
                        job=job, object_name__in=names, status=JobObject.Status.QUEUED
                    )
                ),
            )
        sync = " and compared with every Id in the org" if self._sync(job) else ""
        ctx.log(f"{len(names)} objects will be backed up{sync}.")
        if JobSettings.from_json(job.settings).metadata:
            metadata_unit_add(job=job)
            ctx.log("The org's metadata will be backed up too.")

    def choose_objects(self, ctx) -> list[str]:
        """The objects this job backs up (unqueryable ones are logged and left out)."""
        names, unqueryable = included_objects(
            org=ctx.job.org, settings=JobSettings.from_json(ctx.job.settings)
        )
        if not names:
            raise ValueError(
                "This org's object catalog is empty: run the connection check in the org's "
                "settings, then start the backup again."
            )
        for name in unqueryable:
            ctx.log(f"{name} skipped: Salesforce does not allow querying it.", JobLog.Level.INFO)
        return names

    def object_backup(self, ctx, job_object: JobObject) -> "ObjectBackup":
        return ObjectBackup(ctx, job_object, sync=self._sync(ctx.job))

    @staticmethod
    def _sync(job: Job) -> bool:
        return job.operation == COMPOSITE_SYNC_BACKUP

    def watermark_scope(self, job: Job) -> str:
        """Which series of watermarks this job reads and advances ("" = composite)."""
        return ""

    def process(self, ctx, job_object: JobObject) -> None:
        if is_metadata_unit(job_object):
            MetadataBackup(ctx, job_object).run()
            return
        with stop_job_on_fatal_errors(ctx):
            self.object_backup(ctx, job_object).run()

    def process_chunk(self, ctx, job_object: JobObject, chunk: JobObjectChunk) -> None:
        with stop_job_on_fatal_errors(ctx):
            self.object_backup(ctx, job_object).run_chunk(chunk)

    def finish_object(self, ctx, job_object: JobObject) -> None:
        """Every chunk of a chunked object completed (idempotent)."""
        self.object_backup(ctx, job_object).finish_chunks()

    def finish(self, ctx, status: str) -> None:
        job = ctx.job
        snapshot = Snapshot.objects.filter(
            org_id=job.org_id, job=job, status=Snapshot.Status.BUILDING
        ).first()
        if snapshot is None:
            return
        if status != Job.Status.COMPLETED:
            backup_discard(ctx, snapshot)
            return
        objects = list(JobObject.objects.filter(job=job, status=JobObject.Status.COMPLETED))
        watermarks = {
            o.object_name: o.cursor["watermark"] for o in objects if o.cursor.get("watermark")
        }
        scope = self.watermark_scope(job)
        if snapshot_publish(snapshot=snapshot, watermarks=watermarks, scope=scope):
            if self._sync(job):
                for o in objects:
                    watermark_mark_full_sync(org=job.org, object_name=o.object_name)
            ctx.log(f"Snapshot {snapshot.seq} published.")
