"""`ObjectBackup`: one object of one backup job, resumable from `job_object.cursor`.

The first backup of an object reads everything; later ones read `queryAll` rows whose
SystemModstamp is past the watermark minus OVERLAP. COUNT() picks REST (small) or Bulk
API 2.0 (big); a big read is split into Id ranges (chunks.py). Rows stream in batches
of 2,000 into the vault's writer, which keeps only new or changed records (keyed content
hash); binary bodies are stored once per hash. Progress (resume point, counters, API
calls) is saved per batch. Composite & Sync then compares every Id (deletes.py).
An incremental asks for its describe with If-Modified-Since (304 when unchanged), and an
object the probe (probe.py) counted no change for is neither described nor read.
"""

from collections.abc import Iterator
from datetime import datetime, timedelta

from backups.engine import tuning
from backups.engine.chunks import ChunkedReads
from backups.engine.connection import api_quota, client_for
from backups.engine.deletes import DeleteDetection
from backups.job_settings import JobSettings
from jobs.models import JobLog, JobObject, JobObjectChunk
from orgs.describes import describe_cached, describe_store
from orgs.services import org_data_key
from salesforce.errors import SalesforceApiError
from salesforce.reads import ObjectReader, Page, RetryPolicy, binary_fields
from vault.models import ObjectWatermark, RecordVersion
from vault.services import ObjectWriter, VaultRecord, blob_put, snapshot_begin


def _soql_datetime(stamp: str, minus: timedelta) -> str:
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")) - minus
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class ObjectBackup(ChunkedReads, DeleteDetection):
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
        client = client_for(
            self.org,
            lambda: self.log(
                f"{self.name}: the Salesforce session expired; renewed the access token "
                "and retried.",
                JobLog.Level.WARNING,
            ),
        )
        retry = RetryPolicy(
            base_seconds=tuning.RETRY_BASE_SECONDS,
            on_retry=lambda m: self.log(m, JobLog.Level.WARNING),
        )
        self.reader = ObjectReader.for_object(
            client, self.name, retry=retry, quota=api_quota(self.org)
        )
        self.reader.heartbeat = self.job.heartbeat
        cached, last_modified = describe_cached(org=self.org, object_name=self.name)
        try:
            self.reader.load_describe(cached, last_modified)
        except SalesforceApiError as exc:
            self.save()
            if exc.error_code in tuning.SKIP_CODES and self.chunk is None:
                self.log(f"{self.name} skipped: {exc}", JobLog.Level.WARNING)
                return False
            raise
        describe = self.reader.describe
        if not self.reader.describe_cached:
            describe_store(
                org=self.org,
                object_name=self.name,
                describe=describe,
                last_modified=self.reader.describe_modified,
            )
        self.binary = (
            binary_fields(describe)
            if JobSettings.from_json(self.job.settings).binary_objects
            else []
        )
        fields = self.reader.fields
        self.id_index = fields.index("Id")
        self.deleted_index = fields.index("IsDeleted") if "IsDeleted" in fields else None
        self.owner_index = fields.index("OwnerId") if "OwnerId" in fields else None
        self.stamp_field = next((f for f in tuning.STAMP_FIELDS if f in fields), None)
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
        if self.cursor.get("probe") == 0 and not self.cursor.get("phase"):
            self.settle_unchanged()
            return
        if not self.open():
            return
        if self.cursor.get("phase") != "ids":
            try:
                self.read_changes(self.stamp_field)
            except SalesforceApiError as exc:
                if exc.error_code in tuning.SKIP_CODES and not self.cursor.get("started"):
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

    # --- the change probe (backups/engine/probe.py) ----------------------------------

    def probe_query(self) -> str:
        """The probe's query for this object (probe.py), or "" when this object must be
        read the usual way (a sync backup, a templated filter, no cached describe).

        Without a watermark: `COUNT()` of every record (0: nothing to read). With one:
        the count and the newest stamp of the records the read would take (its overlap
        window included), so the probe can tell "no change" from a record committed late
        into the window."""
        if self.sync or self.base_where:
            return ""
        watermark = self._watermark()
        if not watermark:
            self.cursor["probe_where"] = ""
            return f"SELECT COUNT() FROM {self.name}"  # noqa: S608
        describe, _ = describe_cached(org=self.org, object_name=self.name)
        names = {f["name"] for f in (describe or {}).get("fields", [])}
        stamp_field = next((f for f in tuning.STAMP_FIELDS if f in names), None)
        if not stamp_field:
            return ""
        where = self.changes_since(stamp_field, watermark)
        self.cursor.update(probe_where=where, probe_watermark=watermark)
        return f"SELECT COUNT(Id), MAX({stamp_field}) FROM {self.name} WHERE {where}"  # noqa: S608

    def settle_unchanged(self) -> None:
        """Salesforce counted no change since the last backup: nothing to describe or read."""
        self.cursor["phase"] = "done"
        self.job_object.save_progress(cursor=self.cursor)
        self.settle(snapshot_begin(org=self.org, job=self.job))

    # --- reading changes -----------------------------------------------------------

    def _watermark(self) -> str:
        return (
            ObjectWatermark.objects.filter(
                org=self.org, scope=self.watermark_scope, object_name=self.name
            )
            .values_list("value", flat=True)
            .first()
        ) or ""

    def changes_since(self, stamp_field: str, watermark: str) -> str:
        """The condition for records changed since the watermark (minus the overlap)."""
        return f"{stamp_field} > {_soql_datetime(watermark, tuning.OVERLAP)}"

    def read_changes(self, stamp_field: str | None) -> None:
        watermark = self._watermark()
        where = self.base_where
        since = self.changes_since(stamp_field, watermark) if watermark and stamp_field else ""
        incremental = bool(since)
        if incremental:
            where = f"({where}) AND {since}" if where else since
        if "method" not in self.cursor:
            probed = self.cursor.get("probe")
            if probed is not None and self.cursor.get("probe_where") == where:
                total = probed  # counted by the probe's composite request
            else:
                total = self.reader.count(where)
            self.cursor.update(where=where, watermark=watermark or "")
            kind = "changes since the last backup" if incremental else "all records"
            if total > tuning.CHUNK_THRESHOLD and self.start_chunks(where, total, kind):
                JobObject.objects.filter(pk=self.job_object.pk).update(method=self.cursor["method"])
                self.save()
                return
            method = "bulk" if total > tuning.BULK_THRESHOLD else "rest"
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
        pages: Iterator[Page]
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
