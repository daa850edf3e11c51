"""Composite Backup and Composite & Sync Backup.

- `backup_start(*, org, sync=False, name="", settings=None, trigger=MANUAL,
  created_by=None, description="", enqueue=True) -> Job` — a queued job, handed to the
  workers after commit (unless `enqueue=False`, for `backup_run_inline`).
- `backup_run_inline(*, job) -> Job` — run a queued job in this process (the
  `backup_run --wait` command; no qcluster needed). Returns the refreshed job.

How a backup runs (jobs/runner.py drives `CompositeBackupHandler`):

1. prepare: open the org's data key (a wrong tenant key stops here, nothing written),
   choose the objects from the org's catalog and the job settings, begin a snapshot,
   create one JobObject per object.
2. process (one task per object, any worker): describe; the first backup of an object
   reads everything, later ones read `queryAll` rows whose SystemModstamp is past the
   watermark minus OVERLAP; COUNT() picks REST (small) or Bulk API 2.0 (big). Rows
   stream in batches of 2,000 into the vault's writer, which keeps only new or changed
   records (keyed content hash). Binary bodies are downloaded and stored once per hash.
   Composite & Sync then reads every Id of the object and marks the vault's missing Ids
   hard-deleted. Progress (the resume point, counters, API calls) is saved per batch.
   A big read (COUNT() > CHUNK_THRESHOLD, full or incremental) is split into Id ranges
   (`JobObjectChunk` rows, bounds interpolated between the lowest and highest Id: 2
   calls) that any workers read side by side, each with its own cursor; the same
   filter (the SystemModstamp watermark included) applies inside every range, and the
   open first and last ranges cover every Id exactly once. The last chunk to finish
   merges the chunks' watermarks, runs Composite & Sync's Id comparison (once, over the
   whole object) and the exact counters (`finish_object`).
3. finish: publish the snapshot (advancing the watermarks) when every object completed;
   discard it otherwise, so the previous snapshot stays as it was.
"""

import bisect
import logging
import os
from array import array
from datetime import datetime, timedelta

from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from backups.metadata_backup import MetadataBackup, is_metadata_unit, metadata_unit_add
from jobs.models import Job, JobLog, JobObject, JobObjectChunk, JobSettings
from jobs.services import job_create, job_enqueue, job_log
from orgs.models import ObjectCatalogEntry
from orgs.selectors import catalog_entries
from orgs.services import org_client, org_data_key
from salesforce.errors import SalesforceApiError
from salesforce.quota import ApiQuota, ApiQuotaReached
from salesforce.reads import ObjectReader, RetryPolicy, binary_fields, id_range_bounds
from vault.metadata_services import metadata_discard
from vault.models import ObjectWatermark, RecordVersion, Segment, Snapshot
from vault.services import (
    ObjectWriter,
    VaultRecord,
    current_record_ids,
    mark_hard_deleted,
    snapshot_begin,
    snapshot_discard,
    snapshot_publish,
    watermark_mark_full_sync,
)

logger = logging.getLogger(__name__)

OVERLAP = timedelta(minutes=5)
BULK_THRESHOLD = 2_000  # more than one REST page: Bulk API 2.0
# A read of more rows than this is split into Id ranges of about CHUNK_ROWS rows each.
CHUNK_THRESHOLD = django_settings.BACKUP_CHUNK_THRESHOLD  # 100,000 unless set in the environment
CHUNK_ROWS = django_settings.BACKUP_CHUNK_ROWS  # 50,000
RETRY_BASE_SECONDS = 1.0
# Errors that mean "this object cannot be queried": the object is skipped with a log line.
SKIP_CODES = frozenset(
    {
        "MALFORMED_QUERY",
        "INVALID_TYPE",
        "INVALID_FIELD",
        "NOT_FOUND",
        "INVALID_TYPE_FOR_OPERATION",
        "API_DISABLED_FOR_ORG",
        "EXTERNAL_OBJECT_UNSUPPORTED_EXCEPTION",
        "FUNCTIONALITY_NOT_ENABLED",
        "INVALID_OPERATION",
        "INSUFFICIENT_ACCESS",
    }
)
CATEGORY_SETTINGS = {
    ObjectCatalogEntry.Category.BIG_OBJECT: "big_objects",
    ObjectCatalogEntry.Category.BINARY: "binary_objects",
    ObjectCatalogEntry.Category.TAG: "tag_objects",
    ObjectCatalogEntry.Category.HISTORY: "history_objects",
    ObjectCatalogEntry.Category.FEED: "feed_objects",
    ObjectCatalogEntry.Category.SHARE: "share_objects",
    ObjectCatalogEntry.Category.CUSTOM_METADATA: "custom_metadata_type_objects",
}
STAMP_FIELDS = ("SystemModstamp", "LastModifiedDate", "CreatedDate")
BACKUP_OPERATIONS = (Job.Operation.COMPOSITE_BACKUP, Job.Operation.COMPOSITE_SYNC_BACKUP)


def backup_start(
    *,
    org,
    sync: bool = False,
    name: str = "",
    settings: JobSettings | dict | None = None,
    trigger: str = Job.Trigger.MANUAL,
    created_by=None,
    description: str = "",
    enqueue: bool = True,
) -> Job:
    operation = Job.Operation.COMPOSITE_SYNC_BACKUP if sync else Job.Operation.COMPOSITE_BACKUP
    with transaction.atomic():
        job = job_create(
            org=org,
            operation=operation,
            name=name or Job.Operation(operation).label,
            settings=settings,
            trigger=trigger,
            created_by=created_by,
            description=description,
        )
        job_log(job=job, message=f"{job.get_operation_display()} queued.")
        if enqueue:
            job_enqueue(job=job)
    return job


def backup_run_inline(*, job: Job, workers: int = 1) -> Job:
    """Run the job in this process; with `workers` > 1, objects run in that many forked
    processes (a file or server database only: an in-memory test database runs inline)."""
    from jobs.runner import job_prepare

    job_prepare(job.pk, inline=True, workers=workers)
    job.refresh_from_db()
    return job


def included_objects(*, org, settings: JobSettings) -> tuple[list[str], list[str]]:
    """(object names to back up, names left out because they cannot be queried)."""
    chosen, unqueryable = [], []
    for entry in catalog_entries(org=org):
        setting = CATEGORY_SETTINGS.get(entry.category)
        if setting is not None and not getattr(settings, setting):
            continue
        (chosen if entry.queryable else unqueryable).append(entry.name)
    return chosen, unqueryable


# --- the handler ----------------------------------------------------------------------


class CompositeBackupHandler:
    """Composite (& Sync) Backup. A subclass (backups/template_services.py's Templated
    Backup) changes what is read through `choose_objects`, `object_backup` and
    `watermark_scope`, and keeps the rest: quota, metadata, snapshot, publish."""

    def prepare(self, ctx) -> None:
        job = ctx.job
        org = job.org
        org_data_key(org)  # a wrong or unreadable key stops the job before anything is written
        names = self.choose_objects(ctx)
        check_api_quota(ctx, org)
        snapshot_begin(org=org, job=job)
        metadata_discard(org=org)  # a stale snapshot discarded above leaves no metadata versions
        JobObject.objects.bulk_create(
            [JobObject(job=job, object_name=name) for name in names], ignore_conflicts=True
        )
        sync = " and compared with every Id in the org" if self._sync(job) else ""
        ctx.log(f"{len(names)} objects will be backed up{sync}.")
        if job.job_settings.metadata:
            metadata_unit_add(job=job)
            ctx.log("The org's metadata will be backed up too.")

    def choose_objects(self, ctx) -> list[str]:
        """The objects this job backs up (unqueryable ones are logged and left out)."""
        names, unqueryable = included_objects(org=ctx.job.org, settings=ctx.job.job_settings)
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
        return job.operation == Job.Operation.COMPOSITE_SYNC_BACKUP

    def watermark_scope(self, job: Job) -> str:
        """Which series of watermarks this job reads and advances ("" = composite)."""
        return ""

    def process(self, ctx, job_object: JobObject) -> None:
        if is_metadata_unit(job_object):
            MetadataBackup(ctx, job_object).run()
            return
        try:
            self.object_backup(ctx, job_object).run()
        except ApiQuotaReached as exc:
            stop_queued_objects(ctx, exc)
            raise

    def process_chunk(self, ctx, job_object: JobObject, chunk: JobObjectChunk) -> None:
        try:
            self.object_backup(ctx, job_object).run_chunk(chunk)
        except ApiQuotaReached as exc:
            stop_queued_objects(ctx, exc)
            raise

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
            snapshot_discard(snapshot=snapshot)
            metadata_discard(org=job.org)
            ctx.log(
                f"Snapshot {snapshot.seq} was discarded: the previous backup stays the latest.",
                JobLog.Level.WARNING,
            )
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


_client_cache: dict[tuple[int, int], object] = {}


def _client_for(org, on_refresh):
    """One client per org per process (the client renews its own token on
    INVALID_SESSION_ID); `on_refresh()` is told when that happens."""
    key = (os.getpid(), org.pk)  # a forked worker opens its own connections
    client = _client_cache.get(key)
    if client is None:
        client = org_client(org)
        client.session.add_refresh_listener(lambda token: client.on_token_refresh())
        _client_cache.clear()
        _client_cache[key] = client
    client.on_token_refresh = on_refresh
    return client


def api_quota(org) -> ApiQuota:
    """The org's API-quota guard (Settings → General → API Quota)."""
    return ApiQuota(
        rest_percent=org.api_quota_rest_percent, bulk_percent=org.api_quota_bulk_percent
    )


def check_api_quota(ctx, org) -> None:
    """Read the org's `limits` at the start of a job, log them, and stop (ApiQuotaReached)
    if the quota is already used up."""
    client = _client_for(org, lambda: None)
    quota = api_quota(org)
    quota.use_limits(client.limits())
    ctx.job.add_counters(setup_api_calls=1)
    ctx.log(f"API use at the start: {quota.summary(client)}.")
    quota.check(client)


def stop_queued_objects(ctx, exc: ApiQuotaReached) -> None:
    """The quota is used up: the objects not started yet are not read at all."""
    stopped = JobObject.objects.filter(job=ctx.job, status=JobObject.Status.QUEUED).update(
        status=JobObject.Status.EXCEPTION, finished_at=timezone.now(), error_message=str(exc)
    )
    if stopped:
        ctx.log(
            f"{stopped} object(s) were not read: the API quota was reached.",
            JobLog.Level.WARNING,
        )


def _soql_datetime(stamp: str, minus: timedelta) -> str:
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")) - minus
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class ObjectBackup:
    """One object of one backup job; resumable from `job_object.cursor`."""

    def __init__(self, ctx, job_object: JobObject, *, sync: bool, where: str = "", scope: str = ""):
        self.ctx = ctx
        # A templated backup reads only the records its filter selects, with its own
        # watermarks (`scope`), so it never hides records from composite backups.
        self.base_where = where
        self.watermark_scope = scope
        self.job = ctx.job
        self.org = self.job.org
        self.job_object = job_object
        self.name = job_object.object_name
        self.sync = sync
        self.cursor = dict(job_object.cursor or {})
        self.calls_saved = 0
        self.chunk: JobObjectChunk | None = None

    def log(self, message: str, level: str = JobLog.Level.INFO) -> None:
        self.ctx.log(message, level, job_object=self.job_object)

    def save(self, **deltas) -> None:
        calls = self.reader.calls - self.calls_saved
        self.calls_saved += calls
        if self.chunk is None:
            self.job_object.save_progress(cursor=self.cursor, api_calls=calls, **deltas)
        else:
            # The chunk keeps its own cursor; the object's counters add up every chunk's.
            self.chunk.save_progress(cursor=self.cursor, api_calls=calls, **deltas)
            self.job_object.save_progress(api_calls=calls, **deltas)

    def open(self) -> bool:
        """Describe the object and open the vault writer; False if it cannot be read."""
        data_key = org_data_key(self.org)
        client = _client_for(
            self.org,
            lambda: self.log(
                f"{self.name}: the Salesforce session expired; renewed the access token "
                "and retried.",
                JobLog.Level.WARNING,
            ),
        )
        retry = RetryPolicy(
            base_seconds=RETRY_BASE_SECONDS, on_retry=lambda m: self.log(m, JobLog.Level.WARNING)
        )
        self.reader = ObjectReader.for_object(
            client, self.name, retry=retry, quota=api_quota(self.org)
        )
        self.reader.heartbeat = self.job.heartbeat
        try:
            self.reader.load_describe()
        except SalesforceApiError as exc:
            self.save()
            if exc.error_code in SKIP_CODES and self.chunk is None:
                self.log(f"{self.name} skipped: {exc}", JobLog.Level.WARNING)
                return False
            raise
        describe = self.reader.describe
        self.binary = binary_fields(describe) if self.job.job_settings.binary_objects else []
        fields = self.reader.fields
        self.id_index = fields.index("Id")
        self.deleted_index = fields.index("IsDeleted") if "IsDeleted" in fields else None
        self.owner_index = fields.index("OwnerId") if "OwnerId" in fields else None
        self.stamp_field = next((f for f in STAMP_FIELDS if f in fields), None)
        self.stamp_index = fields.index(self.stamp_field) if self.stamp_field else None
        self.snapshot = snapshot_begin(org=self.org, job=self.job)
        self.writer = ObjectWriter(
            snapshot=self.snapshot,
            object_name=self.name,
            fields=fields + self.binary,
            data_key=data_key,
            job=self.job,
        )
        self.data_key = data_key
        return True

    def run(self) -> None:
        if self.cursor.get("chunks"):
            return  # split into Id ranges: the runner runs the chunks, then finish_object
        if not self.open():
            return
        if self.cursor.get("phase") != "ids":
            try:
                self.read_changes(self.stamp_field)
            except SalesforceApiError as exc:
                if exc.error_code in SKIP_CODES and not self.cursor.get("started"):
                    self.save()
                    self.log(f"{self.name} skipped: {exc}", JobLog.Level.WARNING)
                    return
                raise
            if self.cursor.get("chunks"):
                return
        self.finish_reading()

    def finish_reading(self) -> None:
        if self.sync:
            self.find_hard_deletes(self.snapshot)
        self.cursor["phase"] = "done"
        self.save()
        self.settle(self.snapshot)

    # --- chunks (Id ranges of a big object) ----------------------------------------

    def plan_chunks(self, where: str, total: int) -> list[tuple[str, str]]:
        """Id ranges of about CHUNK_ROWS rows: [("", b1), (b1, b2), ..., (bn, "")]."""
        parts = max(2, -(-total // CHUNK_ROWS))
        low = self.reader.edge_id(where)
        high = self.reader.edge_id(where, last=True)
        bounds = id_range_bounds(low, high, parts)
        if not bounds:
            return []
        return list(zip(["", *bounds], [*bounds, ""], strict=True))

    def start_chunks(self, where: str, total: int, kind: str) -> bool:
        planned = JobObjectChunk.objects.filter(job_object=self.job_object)
        if planned.exists():  # planned before a worker stopped: keep those exact ranges
            ranges = list(planned.order_by("index").values_list("id_from", "id_to"))
        else:
            ranges = self.plan_chunks(where, total)
        if len(ranges) < 2:
            return False
        JobObjectChunk.objects.bulk_create(
            [
                JobObjectChunk(job_object=self.job_object, index=i, id_from=low, id_to=high)
                for i, (low, high) in enumerate(ranges)
            ],
            ignore_conflicts=True,
        )
        per_chunk = total // len(ranges)
        method = "bulk" if per_chunk > BULK_THRESHOLD else "rest"
        self.cursor.update(chunks=len(ranges), phase="chunks", method=method)
        label = "Bulk API 2.0" if method == "bulk" else "REST query"
        self.log(
            f"{self.name}: reading {kind} ({total} rows) with {label}, "
            f"in {len(ranges)} Id ranges read side by side."
        )
        return True

    def run_chunk(self, chunk: JobObjectChunk) -> None:
        """Read one Id range of the object with the object's filter, from its own cursor."""
        self.chunk = chunk
        planned = self.cursor
        self.cursor = dict(chunk.cursor or {})
        self.open()
        if "where" not in self.cursor:
            ranges = [f"Id >= '{chunk.id_from}'"] if chunk.id_from else []
            ranges += [f"Id < '{chunk.id_to}'"] if chunk.id_to else []
            where = " AND ".join(ranges)
            if planned.get("where"):
                where = f"({planned['where']}) AND {where}"
            self.cursor.update(
                method=planned["method"],
                where=where,
                watermark=planned.get("watermark", ""),
                phase="read",
            )
            self.save()
        self.read_pages()
        self.cursor["phase"] = "done"
        self.save()

    def finish_chunks(self) -> None:
        """All chunks completed: merge their watermarks, then what follows the reads."""
        if not self.open():
            return
        marks = [self.cursor.get("watermark") or ""]
        marks += [
            (c.get("watermark") or "")
            for c in JobObjectChunk.objects.filter(job_object=self.job_object).values_list(
                "cursor", flat=True
            )
        ]
        self.cursor["watermark"] = max(marks)
        self.cursor["phase"] = "ids"
        self.save()
        self.finish_reading()

    # --- reading changes -----------------------------------------------------------

    def changes_since(self, stamp_field: str, watermark: str) -> str:
        """The condition for records changed since the watermark (minus the overlap)."""
        return f"{stamp_field} > {_soql_datetime(watermark, OVERLAP)}"

    def read_changes(self, stamp_field: str | None) -> None:
        watermark = (
            ObjectWatermark.objects.filter(
                org=self.org, scope=self.watermark_scope, object_name=self.name
            )
            .values_list("value", flat=True)
            .first()
        )
        where = self.base_where
        incremental = bool(watermark and stamp_field)
        if incremental:
            since = self.changes_since(stamp_field, watermark)
            where = f"({where}) AND {since}" if where else since
        if "method" not in self.cursor:
            total = self.reader.count(where)
            self.cursor.update(where=where, watermark=watermark or "")
            kind = "changes since the last backup" if incremental else "all records"
            if total > CHUNK_THRESHOLD and self.start_chunks(where, total, kind):
                JobObject.objects.filter(pk=self.job_object.pk).update(method=self.cursor["method"])
                self.save()
                return
            method = "bulk" if total > BULK_THRESHOLD else "rest"
            self.cursor.update(
                method=method,
                empty=total == 0,  # nothing to read: no query at all
                phase="read",
            )
            method = "Bulk API 2.0" if self.cursor["method"] == "bulk" else "REST query"
            self.log(f"{self.name}: reading {kind} ({total} rows) with {method}.")
            JobObject.objects.filter(pk=self.job_object.pk).update(method=self.cursor["method"])
            self.save()
        self.read_pages()
        self.cursor["phase"] = "ids"
        self.save()

    def read_pages(self) -> None:
        """Read (or resume) the query in the cursor, writing every page to the vault."""
        where = self.cursor["where"]
        if self.cursor.get("empty"):
            pages = iter(())
        elif self.cursor["method"] == "bulk":
            pages = self.reader.bulk_pages(
                where, job_id=self.cursor.get("job_id", ""), locator=self.cursor.get("locator", "")
            )
        else:
            pages = self._rest_pages(where)
        for page in pages:
            self.cursor["started"] = True
            self.write_rows(page.rows)
            if self.cursor["method"] == "bulk":
                self.cursor.update(job_id=page.job_id, locator=page.next_locator)
            else:
                self.cursor["next_url"] = page.next_url
            self.save(records=len(page.rows))
            self.ctx.checkpoint()

    def _rest_pages(self, where: str):
        next_url = self.cursor.get("next_url", "")
        if not next_url:
            return self.reader.rest_pages(where)
        try:
            first = self.reader.rest_pages(where, next_url=next_url)
            page = next(first)
        except SalesforceApiError as exc:
            # The query locator expired (e.g. a long pause): read again, the vault skips
            # what it already holds.
            self.log(f"{self.name}: cannot resume the query ({exc}); reading it again.")
            return self.reader.rest_pages(where)

        def chained():
            yield page
            yield from first

        return chained()

    def write_rows(self, rows: list[list]) -> None:
        if not rows:
            return
        id_index, deleted_index, owner_index, stamp_index = (
            self.id_index,
            self.deleted_index,
            self.owner_index,
            self.stamp_index,
        )
        present, soft_deleted = RecordVersion.State.PRESENT, RecordVersion.State.SOFT_DELETED
        records = []
        top = self.cursor.get("max_stamp", "")
        for row in rows:
            if self.binary:
                row = row + [self._store_body(row[id_index], name) for name in self.binary]
            stamp = row[stamp_index] if stamp_index is not None else None
            if stamp and stamp > top:
                top = stamp
            records.append(
                VaultRecord(
                    record_id=row[id_index],
                    values=row,
                    state=soft_deleted
                    if deleted_index is not None and row[deleted_index]
                    else present,
                    owner_id=(row[owner_index] or "") if owner_index is not None else "",
                    last_modified=stamp or None,
                )
            )
        self.writer.write_batch(records)
        if top:
            self.cursor["max_stamp"] = top
            if top > (self.cursor.get("watermark") or ""):
                self.cursor["watermark"] = top

    def _store_body(self, record_id: str, field_name: str) -> str | None:
        from vault.services import blob_put

        try:
            body = self.reader.get_body(record_id, field_name)
        except SalesforceApiError as exc:
            if exc.status == 404 or exc.error_code == "NOT_FOUND":
                return None
            raise
        if not body:
            return None
        blob, _ = blob_put(org=self.org, data_key=self.data_key, content=body)
        return blob.storage_key

    # --- hard deletes --------------------------------------------------------------

    def find_hard_deletes(self, snapshot: Snapshot) -> None:
        """Every Id in the org (queryAll: the Recycle Bin counts as present) vs the vault."""
        self.cursor["phase"] = "ids"
        total = self.reader.count()
        if total > BULK_THRESHOLD:
            pages = self.reader.bulk_pages(fields=["Id"])
        else:
            pages = self.reader.rest_pages(fields=["Id"])
        seen = array("q")
        for page in pages:
            seen.extend(hash(row[0]) for row in page.rows)
            self.ctx.checkpoint()
        seen = array("q", sorted(seen))
        size = len(seen)

        def in_org(record_id: str) -> bool:
            value = hash(record_id)
            at = bisect.bisect_left(seen, value)
            return at < size and seen[at] == value

        missing = [
            rid
            for rid in current_record_ids(org=self.org, object_name=self.name)
            if not in_org(rid)
        ]
        marked = mark_hard_deleted(
            snapshot=snapshot, object_name=self.name, record_ids=missing, job=self.job
        )
        if marked:
            self.log(f"{self.name}: {marked} record(s) were hard deleted in Salesforce.")
        self.save()

    # --- counters ------------------------------------------------------------------

    def current_total(self) -> int:
        """The object's records this backup covers: every current one in the vault, or
        (a templated backup) the org's records its filter selects, Recycle Bin included."""
        if self.base_where:
            total = self.reader.count(self.base_where)
            self.save()  # the COUNT() call
            return total
        return (
            RecordVersion.objects.filter(
                org_id=self.org.pk, object_name=self.name, valid_to__isnull=True
            )
            .exclude(state__in=[RecordVersion.State.HARD_DELETED, RecordVersion.State.ARCHIVED])
            .count()
        )

    def settle(self, snapshot: Snapshot) -> None:
        """Exact counters from the vault, whatever retries or resumes happened."""
        changes = dict(
            RecordVersion.objects.filter(org_id=self.org.pk, job=self.job, object_name=self.name)
            .values_list("change")
            .annotate(n=Count("id"))
            .values_list("change", "n")
        )
        total = self.current_total()
        size = (
            Segment.objects.filter(snapshot=snapshot, object_name=self.name).aggregate(
                s=Sum("byte_size")
            )["s"]
            or 0
        )
        JobObject.objects.filter(pk=self.job_object.pk).update(
            records=total,
            added=changes.get(RecordVersion.Change.ADDED, 0),
            changed=changes.get(RecordVersion.Change.CHANGED, 0),
            deleted=changes.get(RecordVersion.Change.DELETED, 0),
            size_bytes=size,
        )
        summary = ", ".join(
            f"{changes.get(kind, 0)} {kind}" for kind in RecordVersion.Change.values
        )
        self.log(f"{self.name}: {total} records ({summary}).")


def job_objects_summary(*, job: Job) -> list[dict]:
    """Per-object rows for `job_show --json`."""
    return [
        {
            "object": o.object_name,
            "status": o.status,
            "method": o.method,
            "records": o.records,
            "added": o.added,
            "changed": o.changed,
            "deleted": o.deleted,
            "size_bytes": o.size_bytes,
            "api_calls": o.api_calls,
            "error": o.error_message,
        }
        for o in JobObject.objects.filter(job=job).order_by("object_name")
    ]
