"""How a Templated Archive job runs (jobs/runner.py drives it).

prepare: open the org's data key (a wrong tenant key stops here), read the org's limits
(the API quota), begin a vault snapshot, create the job's one unit ("Archive").

process (one unit, resumable from `job_object.cursor["phase"]`):
1. read — every selected record (Recycle Bin excluded) of every template object, and its
   file body (Attachment Body, ContentVersion VersionData...), into the snapshot through
   the vault's writer; records to be deleted are stored in state `archived`, retained
   ones `present`. One ArchiveRecord per record with the keyed hash of what Salesforce
   returned. REST query, or Bulk API 2.0 past BULK_THRESHOLD rows.
2. verify — every record is read back from storage, decrypted, and its keyed hash
   compared with Salesforce's; every file body too. A mismatch is never deleted (nor
   the parent whose cascade would take it along).
3. publish — the snapshot is published: from here the vault holds the verified copies.
4. delete — children the template deletes directly, then parents, 200 Ids per sObject
   Collections DELETE (partial success), the API quota checked before each call. A
   refusal is that record's result (Salesforce's code; its message sealed), never a
   stop. Cascade children of a deleted parent are counted as deleted in cascade.
   Before each batch the org is asked for its cascade children: a parent with a child
   the archive holds no copy of, or one Salesforce could not be asked about, is refused
   (CHILD_NOT_ARCHIVED, CHILDREN_NOT_CHECKED), never deleted unchecked.
5. empty — optional (`empty_recycle_bin`): the deleted records are purged from the
   Recycle Bin (partner SOAP emptyRecycleBin).
A worker killed anywhere resumes at its phase: reads are idempotent (the vault keeps one
version per content), verify and delete only look at records not done yet, and a delete
Salesforce already did answers ENTITY_IS_DELETED, counted as deleted.
"""

from __future__ import annotations

import os
import threading
from collections import defaultdict, deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

from django.db import transaction

from archives.descendants import cascade_children, descendant_entries, descendant_plans
from archives.models import ArchiveRecord
from common.crypto import encrypt
from jobs.models import Job, JobLog, JobObject
from jobs.runner import JobMustWait
from object_templates.archive import (
    CASCADED,
    DELETE,
    FILE_LINK,
    KEEP,
    ObjectPlan,
    archive_plan,
    with_files,
)
from object_templates.services import object_wheres
from orgs.keys import org_data_key
from orgs.services import org_client
from salesforce import writes
from salesforce.composite import answered, composite_queries, subrequest_error
from salesforce.errors import SalesforceConnectorError
from salesforce.quota import ApiQuota
from salesforce.reads import ObjectReader, RetryPolicy, binary_fields
from vault import codec
from vault.models import RecordVersion, Snapshot
from vault.selectors import blob_read, version_payloads
from vault.services import (
    ObjectWriter,
    VaultBusy,
    VaultRecord,
    blob_put,
    snapshot_begin,
    snapshot_busy_reason,
    snapshot_discard,
    snapshot_publish,
)

UNIT = "Archive"
BULK_THRESHOLD = 2_000
# An object with more records to delete directly than this goes through one Bulk API 2.0
# delete job per BULK_DELETE_SIZE Ids instead of sObject Collections (200 per call).
BULK_DELETE_THRESHOLD = int(os.environ.get("ORGVAULT_ARCHIVE_BULK_DELETE", "10000"))
BULK_DELETE_SIZE = 100_000
# Before each delete batch the org is asked for the batch's cascade children, CHECK_IDS
# parent Ids per `IN` list: a query of about 10,500 characters (Salesforce refuses SOQL
# over 100,000) and a sub-request URL of about 14 KB, CHECK_QUERIES per composite call
# (Salesforce's limit of 25 sub-requests).
CHECK_IDS = 500
CHECK_QUERIES = 25
# The delete stage walks the records to delete CHECK_IDS * CHECK_QUERIES at a time (one
# composite call per relationship) and writes a Bulk delete job's outcomes OUTCOME_ROWS
# per transaction: what it holds in memory stays the same however big the org (a Bulk
# job's Ids apart: at most BULK_DELETE_SIZE short strings).
OUTCOME_ROWS = 2_000
# File bodies (Attachment Body, ContentVersion VersionData...) are read one GET each, by
# this many threads at once (a small number: Salesforce limits concurrent requests), and
# at most BODY_WINDOW of them are held in memory before they are stored.
BODY_WORKERS = int(os.environ.get("ORGVAULT_ARCHIVE_BODY_WORKERS", "4"))
BODY_WINDOW = BODY_WORKERS * 2
# Records verified per database round; an environment knob so that tests can stretch
# the verify stage enough to kill a worker in it.
VERIFY_BATCH = int(os.environ.get("ORGVAULT_ARCHIVE_VERIFY_BATCH", "500"))
RETRY_BASE_SECONDS = 1.0
PHASES = ("read", "verify", "publish", "delete", "empty", "done")
Outcome, Plan = ArchiveRecord.Outcome, ArchiveRecord.Plan
_PLAN_OF = {DELETE: Plan.DELETE, CASCADED: Plan.CASCADE, KEEP: Plan.KEEP}


def seal_message(data_key: bytes, org_id: int, message: str) -> bytes:
    return encrypt(data_key, message.encode("utf-8"), f"archive-message:{org_id}".encode())


class ChildCheckFailed(Exception):
    """Salesforce did not answer a batch's children check: the batch is not deleted."""


def quota_for(org) -> ApiQuota:
    return ApiQuota(
        rest_percent=org.api_quota_rest_percent, bulk_percent=org.api_quota_bulk_percent
    )


class ArchiveHandler:
    def prepare(self, ctx) -> None:
        job = ctx.job
        org = job.org
        org_data_key(org)  # a wrong or unreadable key stops the job before anything is read
        if not job.settings.get("template"):
            raise ValueError("This job has no template; start it again from an archive template.")
        busy = snapshot_busy_reason(org=org, job=job)
        if busy:
            raise JobMustWait(busy)
        client = org_client(org)
        quota = quota_for(org)
        quota.use_limits(client.limits())
        job.add_counters(setup_api_calls=1)
        ctx.log(f"API use at the start: {quota.summary(client)}.")
        quota.check(client)
        try:
            snapshot_begin(org=org, job=job)
        except VaultBusy as exc:
            raise JobMustWait(str(exc)) from None
        JobObject.objects.bulk_create([JobObject(job=job, object_name=UNIT)], ignore_conflicts=True)
        names = ", ".join(archive_plan(job.settings["template"]))
        ctx.log(f"Template {job.settings['template']['name']}: {names}.")

    def process(self, ctx, job_object: JobObject) -> None:
        ArchiveRun(ctx, job_object).run()

    def finish(self, ctx, status: str) -> None:
        snapshot = Snapshot.objects.filter(
            org_id=ctx.job.org_id, job=ctx.job, status=Snapshot.Status.BUILDING
        ).first()
        if snapshot is not None and status != Job.Status.COMPLETED:
            # Not published: nothing was deleted; the partial copy is dropped.
            snapshot_discard(snapshot=snapshot)
            ctx.log("Nothing was deleted from Salesforce; the partial copy was discarded.")


class ArchiveRun:
    def __init__(self, ctx, job_object: JobObject):
        self.ctx = ctx
        self.job = ctx.job
        self.org = self.job.org
        self.job_object = job_object
        self.cursor = dict(job_object.cursor or {})
        self.snapshot_spec = self.job.settings["template"]
        self.plans = with_files(archive_plan(self.snapshot_spec))
        self.wheres = object_wheres(self.snapshot_spec)
        self.data_key = org_data_key(self.org)
        self.hash_key = codec.hash_key(self.data_key)
        self.client = org_client(self.org)
        self.quota = quota_for(self.org)
        self.calls = 0
        self._body_lock = threading.Lock()
        self._body_readers: list[ObjectReader] = []
        self._body_retries: list[str] = []

    # --- plumbing ----------------------------------------------------------------------

    def log(self, message: str, level: str = JobLog.Level.INFO) -> None:
        self.ctx.log(message, level, job_object=self.job_object)

    def save(self) -> None:
        calls, self.calls = self.calls, 0
        self.job_object.save_progress(cursor=self.cursor, api_calls=calls)

    def sf(self, call, *args, **kwargs):
        """One Salesforce call outside the readers: the API quota first, then counted."""
        self.quota.check(self.client)  # ApiQuotaReached stops the run before the call
        self.calls += 1
        return call(*args, **kwargs)

    def phase(self) -> str:
        return self.cursor.get("phase", "read")

    def advance(self, phase: str) -> None:
        self.cursor["phase"] = phase
        self.save()
        self.ctx.checkpoint()

    def run(self) -> None:
        self.plans = with_files({**archive_plan(self.snapshot_spec), **self.descendants()})
        if self.phase() == "read":
            self.read_all()
            self.advance("verify")
        if self.phase() == "verify":
            self.verify()
            self.advance("publish")
        if self.phase() == "publish":
            self.publish()
            self.advance("delete")
        if self.phase() == "delete":
            if "average_record_bytes" not in self.cursor:
                self.average_record_size()  # before anything is deleted
            self.delete_all()
            self.advance("empty")
        if self.phase() == "empty":
            if self.job.settings.get("empty_recycle_bin"):
                self.empty_recycle_bin()
            self.storage_freed()
            self.advance("done")
        self.settle_counters()

    # --- 1. read -------------------------------------------------------------------------

    def read_all(self) -> None:
        done = set(self.cursor.get("read", []))
        snapshot = snapshot_begin(org=self.org, job=self.job)
        order = sorted(self.plans.values(), key=lambda p: p.depth)
        for plan in order:
            if plan.name in done:
                continue
            if plan.name in ("ContentDocument", "ContentVersion"):
                self.read_files(snapshot, plan)
            elif plan.depth == 2:
                self.read_descendants(snapshot, plan)
            else:
                self.read_object(snapshot, plan)
            done.add(plan.name)
            self.cursor["read"] = sorted(done)
            self.save()
            self.ctx.checkpoint()

    def reader_for(self, name: str) -> ObjectReader:
        """The object's reader, described once per run (chunked reads reuse it)."""
        readers = self.__dict__.setdefault("_readers", {})
        if name in readers:
            return readers[name]
        retry = RetryPolicy(
            base_seconds=RETRY_BASE_SECONDS,
            on_retry=lambda m: self.log(m, JobLog.Level.WARNING),
        )
        reader = ObjectReader.for_object(self.client, name, retry=retry, quota=self.quota)
        reader.heartbeat = self.job.heartbeat
        reader.load_describe()
        readers[name] = reader
        return reader

    def descendants(self) -> dict[str, ObjectPlan]:
        """The children Salesforce deletes in cascade with a child the archive deletes
        (e.g. a Case's CaseComments under a Contact): archived too, read by their
        parents' Ids. Worked out once (describes) and kept in the cursor."""
        if "descendants" not in self.cursor:
            plans = archive_plan(self.snapshot_spec)
            self.cursor["descendants"] = descendant_entries(plans, self.cascade_relationships)
            self.save()
        return descendant_plans(self.cursor["descendants"])

    def read_descendants(self, snapshot: Snapshot, plan) -> None:
        """A descendant's records, 200 parent Ids a query. The parents are walked in Id
        order from the last one read (kept in the cursor), 200 at a time: never all in
        memory."""
        parents = (
            ArchiveRecord.objects.filter(job=self.job, object_name=plan.parent)
            .order_by("record_id")
            .values_list("record_id", flat=True)
        )
        after = self.cursor.get("children_after", {}).get(plan.name, "")
        while True:
            batch = list(parents.filter(record_id__gt=after)[: writes.BATCH])
            if not batch:
                break
            ids = ", ".join(f"'{d}'" for d in batch)
            self.read_object(snapshot, plan, where=f"{plan.field} IN ({ids})")
            after = batch[-1]
            self.cursor.setdefault("children_after", {})[plan.name] = after
            self.save()

    def read_files(self, snapshot: Snapshot, plan) -> None:
        """The files of the archived links, 200 document Ids a query."""
        documents = sorted(set(self.cursor.get("documents", [])))
        field = "Id" if plan.name == "ContentDocument" else "ContentDocumentId"
        start = self.cursor.get("files_at", {}).get(plan.name, 0)
        for at in range(start, len(documents), writes.BATCH):
            ids = ", ".join(f"'{d}'" for d in documents[at : at + writes.BATCH])
            self.read_object(snapshot, plan, where=f"{field} IN ({ids})")
            self.cursor.setdefault("files_at", {})[plan.name] = at + writes.BATCH
            self.save()

    def read_object(self, snapshot: Snapshot, plan, where: str | None = None) -> None:
        name = plan.name
        reader = self.reader_for(name)
        try:
            fields = reader.fields
            binary = binary_fields(reader.describe)
            where = self.wheres.get(name, "") if where is None else where
            total = reader.count(where, include_deleted=False)
            method = "Bulk API 2.0" if total > BULK_THRESHOLD else "REST query"
            action = {DELETE: "to delete", CASCADED: "deleted in cascade", KEEP: "retained"}
            self.log(f"{name}: reading {total} records ({action[plan.action]}) with {method}.")
            self.cursor.setdefault("fields", {})[name] = fields + binary
            writer = ObjectWriter(
                snapshot=snapshot,
                object_name=name,
                fields=fields + binary,
                data_key=self.data_key,
                job=self.job,
            )
            pages = (
                reader.bulk_pages(where, include_deleted=False)
                if total > BULK_THRESHOLD
                else reader.rest_pages(where, include_deleted=False)
            )
            state = (
                RecordVersion.State.PRESENT
                if plan.action == KEEP
                else (RecordVersion.State.ARCHIVED)
            )
            id_index = fields.index("Id")
            parent_index = fields.index(plan.field) if plan.field in fields else None
            owner_index = fields.index("OwnerId") if "OwnerId" in fields else None
            stamp = next((f for f in ("SystemModstamp", "LastModifiedDate") if f in fields), None)
            stamp_index = fields.index(stamp) if stamp else None
            document_index = fields.index("ContentDocumentId") if name == FILE_LINK else None
            for page in pages:
                if document_index is not None:
                    documents = self.cursor.setdefault("documents", [])
                    documents.extend(r[document_index] for r in page.rows if r[document_index])
                records, rows = [], []
                bodies = self.bodies(name, [(r[id_index], f) for r in page.rows for f in binary])
                for row in page.rows:
                    body_hash = ""
                    if binary:
                        keys: list[str | None] = []
                        for _field_name in binary:
                            body = next(bodies) or b""
                            if body:
                                blob, _ = blob_put(
                                    org=self.org, data_key=self.data_key, content=body
                                )
                                keys.append(blob.storage_key)
                                body_hash = codec.content_hash(self.hash_key, body).hex()
                            else:
                                keys.append(None)
                        row = row + keys
                    line = codec.values_line(row)
                    digest = codec.content_hash(self.hash_key, line + state.encode()).hex()
                    records.append(
                        VaultRecord(
                            record_id=row[id_index],
                            values=row,
                            state=state,
                            owner_id=(row[owner_index] or "") if owner_index is not None else "",
                            last_modified=row[stamp_index] if stamp_index is not None else None,
                        )
                    )
                    rows.append(
                        ArchiveRecord(
                            job=self.job,
                            object_name=name,
                            record_id=row[id_index],
                            parent_id=(row[parent_index] or "") if parent_index is not None else "",
                            plan=_PLAN_OF[plan.action],
                            content_hash=digest,
                            body_hash=body_hash,
                        )
                    )
                writer.write_batch(records)
                ArchiveRecord.objects.bulk_create(rows, ignore_conflicts=True)
                self.calls += reader.calls + self.body_calls()
                reader.calls = 0
                self.save()
                self.job.heartbeat()
        finally:
            self.calls += reader.calls + self.body_calls()
            reader.calls = 0

    def bodies(self, name: str, wanted: list[tuple[str, str]]) -> Iterator[bytes]:
        """The bodies of (record Id, binary field) pairs, in that order, fetched by
        BODY_WORKERS threads (one GET each: Salesforce has no batch read of bodies), at
        most BODY_WINDOW in memory. A body that cannot be read raises here, as one read
        alone did: the run stops before anything is deleted and resumes at this page."""
        if not wanted:
            return
        local = threading.local()

        def fetch(record_id: str, field_name: str) -> bytes:
            if not hasattr(local, "reader"):  # one reader (and call count) per thread
                # Its retries are logged by this thread at the next page (a worker thread
                # writes nothing to the database).
                retry = RetryPolicy(base_seconds=RETRY_BASE_SECONDS, on_retry=self.body_retried)
                local.reader = ObjectReader.for_object(
                    self.client, name, retry=retry, quota=self.quota
                )
                with self._body_lock:
                    self._body_readers.append(local.reader)
            return local.reader.get_body(record_id, field_name)

        with ThreadPoolExecutor(max_workers=BODY_WORKERS) as pool:
            pending: deque = deque()
            try:
                for record_id, field_name in wanted:
                    pending.append(pool.submit(fetch, record_id, field_name))
                    if len(pending) >= BODY_WINDOW:
                        yield pending.popleft().result()
                while pending:
                    yield pending.popleft().result()
            finally:
                for future in pending:
                    future.cancel()

    def body_retried(self, message: str) -> None:
        with self._body_lock:
            self._body_retries.append(message)

    def body_calls(self) -> int:
        """Calls the body threads made since last asked (retries included); their retry
        messages go to the job's log here."""
        with self._body_lock:
            calls = sum(r.calls for r in self._body_readers)
            for reader in self._body_readers:
                reader.calls = 0
            retries, self._body_retries[:] = list(self._body_retries), []
        for message in retries:
            self.log(message, JobLog.Level.WARNING)
        return calls

    # --- 2. verify -----------------------------------------------------------------------

    def verify(self) -> None:
        failed = 0
        while True:
            batch = list(
                ArchiveRecord.objects.filter(job=self.job, outcome=Outcome.READ).order_by("id")[
                    :VERIFY_BATCH
                ]
            )
            if not batch:
                break
            by_object: dict[str, list[ArchiveRecord]] = defaultdict(list)
            for rec in batch:
                by_object[rec.object_name].append(rec)
            good: list[int] = []
            bad: list[int] = []
            for name, recs in by_object.items():
                fields = self.cursor.get("fields", {}).get(name, [])
                versions = {
                    v.record_id: v
                    for v in RecordVersion.objects.filter(
                        org=self.org,
                        object_name=name,
                        record_id__in=[r.record_id for r in recs],
                        valid_to__isnull=True,
                    )
                }
                payloads = version_payloads(
                    org=self.org, versions=list(versions.values()), data_key=self.data_key
                )
                for rec in recs:
                    ok = self.verified(rec, versions.get(rec.record_id), payloads, fields)
                    (good if ok else bad).append(rec.pk)
            ArchiveRecord.objects.filter(pk__in=good).update(outcome=Outcome.VERIFIED)
            ArchiveRecord.objects.filter(pk__in=bad).update(
                outcome=Outcome.VERIFY_FAILED, error_code="VERIFY_FAILED"
            )
            failed += len(bad)
            self.ctx.checkpoint()
        verified = ArchiveRecord.objects.filter(job=self.job, outcome=Outcome.VERIFIED).count()
        self.log(f"Verified {verified} archived records against storage; {failed} failed.")
        if failed:
            self.log(
                f"{failed} records failed verification: they are not deleted.",
                JobLog.Level.WARNING,
            )

    def verified(self, rec: ArchiveRecord, version, payloads: dict, fields: list[str]) -> bool:
        if version is None or version.pk not in payloads or not fields:
            return False
        payload = payloads[version.pk]
        values = [payload.get(f) for f in fields]
        line = codec.values_line(values)
        digest = codec.content_hash(self.hash_key, line + version.state.encode()).hex()
        if digest != rec.content_hash:
            return False
        if rec.body_hash:
            keys = [payload.get(f) for f in fields if f in self.binary_names(rec.object_name)]
            bodies = [
                blob_read(org=self.org, blob_key=k, data_key=self.data_key) for k in keys if k
            ]
            hashes = {codec.content_hash(self.hash_key, b).hex() for b in bodies}
            if rec.body_hash not in hashes:
                return False
        return True

    def binary_names(self, name: str) -> set[str]:
        cached = self.__dict__.setdefault("_binary", {})
        if name not in cached:
            cached[name] = set(binary_fields(self.sf(self.client.describe, name)))
        return cached[name]

    # --- 3. publish ----------------------------------------------------------------------

    def publish(self) -> None:
        snapshot = Snapshot.objects.filter(org=self.org, job=self.job).first()
        if snapshot is None:
            raise ValueError("This archive's snapshot is gone; nothing was deleted.")
        if snapshot.status == Snapshot.Status.BUILDING:
            snapshot_publish(snapshot=snapshot)
            self.log(f"Snapshot {snapshot.seq} published: the archive holds the verified copies.")

    # --- 4. delete -----------------------------------------------------------------------

    def delete_all(self) -> None:
        order = [p for p in self.plans.values() if p.action == DELETE]
        # Children the template deletes, then the files, then the parents.
        order.sort(key=lambda p: 1 if p.name == "ContentDocument" else -p.depth)
        for plan in order:
            self.delete_object(plan.name)
            self.ctx.checkpoint()
        # Cascade children whose parent stayed, and retained records: still in Salesforce.
        ArchiveRecord.objects.filter(
            job=self.job, outcome=Outcome.VERIFIED, plan__in=[Plan.KEEP, Plan.CASCADE]
        ).update(outcome=Outcome.KEPT)

    def blocked_parents(self, name: str) -> set[str]:
        """Parents whose cascade (or restricted) children were not verified (or whose
        restricted children were refused): deleting them would lose those children."""
        return set(
            ArchiveRecord.objects.filter(job=self.job)
            .filter(plan__in=[Plan.CASCADE])
            .exclude(outcome__in=[Outcome.VERIFIED, Outcome.CASCADE_DELETED, Outcome.KEPT])
            .exclude(parent_id="")
            .values_list("parent_id", flat=True)
        )

    def delete_object(self, name: str) -> None:
        blocked = self.blocked_parents(name) if self.plans[name].depth in (0, 2) else set()
        if blocked:
            n = ArchiveRecord.objects.filter(
                job=self.job, object_name=name, outcome=Outcome.VERIFIED, record_id__in=blocked
            ).update(outcome=Outcome.REFUSED, error_code="CHILD_NOT_VERIFIED")
            if n:
                self.log(
                    f"{name}: {n} records not deleted: a child Salesforce would delete with "
                    "them failed verification.",
                    JobLog.Level.WARNING,
                )
        deleted = refused = 0
        pending = ArchiveRecord.objects.filter(
            job=self.job, object_name=name, plan=Plan.DELETE, outcome=Outcome.VERIFIED
        )
        bulk = pending.count() > BULK_DELETE_THRESHOLD
        if bulk:
            self.log(f"{name}: deleting with Bulk API 2.0 ({pending.count()} records).")
        size = BULK_DELETE_SIZE if bulk else writes.BATCH
        chunk = min(size, CHECK_IDS * CHECK_QUERIES)
        relationships = self.checked_relationships(name)
        # A delete call (a Bulk job of up to `size` Ids, or one sObject Collections call)
        # gathers the Ids of the checked chunks that were not refused; its Ids only, as
        # the chunks' children and answers are let go once their refusals are written.
        to_delete: list[str] = []
        for batch, found, unchecked in self.checked_batches(name, pending, relationships, chunk):
            checked = self.without_unchecked(name, batch, unchecked)
            safe = self.without_unarchived_children(name, checked, found)
            to_delete.extend(rid for _, rid in safe)
            if len(to_delete) + chunk > size:
                batch_deleted, batch_refused = self.delete_batch(name, bulk, to_delete)
                deleted += batch_deleted
                refused += batch_refused
                to_delete = []
        batch_deleted, batch_refused = self.delete_batch(name, bulk, to_delete)
        deleted += batch_deleted
        refused += batch_refused
        if deleted or refused:
            self.log(f"{name}: {deleted} deleted, {refused} refused by Salesforce.")

    def checked_batches(
        self, name: str, pending, relationships: list[tuple[str, str]], chunk: int
    ) -> Iterator[tuple[list[tuple[int, str]], dict, dict]]:
        """(batch, found, unchecked): the `pending` records in id order, `chunk` at a time,
        each with the org's answer about its children (children_in_org). The records are
        walked by id, not by what is still pending: a chunk waiting in a Bulk job's Ids is
        still pending. While one chunk is handled, a thread asks Salesforce about the
        next chunk's children (Salesforce calls only: the thread writes nothing)."""
        ordered = pending.order_by("id").values_list("pk", "record_id")
        ahead = ThreadPoolExecutor(max_workers=1)
        try:
            batch = list(ordered[:chunk])
            asking = ahead.submit(self.children_in_org, relationships, batch)
            while batch:
                following = list(ordered.filter(pk__gt=batch[-1][0])[:chunk])
                try:
                    found, unchecked, calls = asking.result()
                except SalesforceConnectorError as exc:
                    # The whole check failed: stop rather than delete this batch unchecked.
                    raise ChildCheckFailed(
                        f"{name}: Salesforce did not answer the check for children added "
                        f"since the read ({str(exc).rstrip('.')}); the run stopped before "
                        "deleting this batch"
                    ) from exc
                self.calls += calls
                asking = ahead.submit(self.children_in_org, relationships, following)
                yield batch, found, unchecked
                batch = following
        finally:
            ahead.shutdown(wait=True, cancel_futures=True)

    def delete_batch(self, name: str, bulk: bool, record_ids: list[str]) -> tuple[int, int]:
        """Delete these records in one call (a Bulk job, or sObject Collections) and record
        each one's outcome: (deleted, refused)."""
        if not record_ids:
            return 0, 0
        self.quota.check(self.client)  # ApiQuotaReached stops the run; it resumes later
        if bulk:
            results, calls = writes.bulk_delete(
                self.client, name, record_ids, heartbeat=self.job.heartbeat
            )
            self.calls += calls
        else:
            results = writes.collection_delete(self.client, record_ids)
            self.calls += 1
        deleted = refused = 0
        for at in range(0, len(record_ids), OUTCOME_ROWS):
            done, failed = self.record_outcomes(
                name, record_ids[at : at + OUTCOME_ROWS], results[at : at + OUTCOME_ROWS]
            )
            deleted += done
            refused += failed
        self.save()
        self.ctx.checkpoint()
        return deleted, refused

    def record_outcomes(self, name: str, record_ids: list[str], results: list) -> tuple[int, int]:
        """Write the outcomes of deleted (or refused) records: (deleted, refused)."""
        done_ids, refusals = [], []
        for record_id, result in zip(record_ids, results, strict=True):
            if result.success or result.error_code == "ENTITY_IS_DELETED":
                done_ids.append(record_id)
            else:
                refusals.append((record_id, result))
        # One transaction: a worker killed here leaves these records either wholly
        # recorded (deleted, and their children deleted in cascade) or not at all (the
        # resumed run deletes them again: ENTITY_IS_DELETED counts as done).
        with transaction.atomic():
            ArchiveRecord.objects.filter(
                job=self.job, object_name=name, record_id__in=done_ids
            ).update(outcome=Outcome.DELETED)
            for record_id, result in refusals:
                ArchiveRecord.objects.filter(
                    job=self.job, object_name=name, record_id=record_id
                ).update(
                    outcome=Outcome.REFUSED,
                    error_code=result.error_code[:80],
                    message_sealed=seal_message(self.data_key, self.org.pk, result.message),
                )
            self.mark_cascade(done_ids)
        return len(done_ids), len(refusals)

    def mark_cascade(self, parent_ids: list[str]) -> None:
        """Children (and their children) Salesforce deleted with these parents."""
        while parent_ids:
            taken = ArchiveRecord.objects.filter(
                job=self.job, parent_id__in=parent_ids, plan=Plan.CASCADE, outcome=Outcome.VERIFIED
            )
            parent_ids = list(taken.values_list("record_id", flat=True))
            taken.update(outcome=Outcome.CASCADE_DELETED)

    def cascade_relationships(self, name: str) -> list[tuple[str, str]]:
        """(child object, field) of every relationship Salesforce deletes in cascade with
        `name` whose child this org lets us query."""
        return cascade_children(self.described(name), self.queryable_objects())

    def described(self, name: str) -> dict:
        """The object's describe, asked once per run."""
        cache = self.__dict__.setdefault("_described", {})
        if name not in cache:
            cache[name] = self.sf(self.client.describe, name)
        return cache[name]

    def global_objects(self) -> list[dict]:
        """The org's objects (describe global), asked once per run."""
        if "_global" not in self.__dict__:
            self._global = self.sf(self.client.describe_global).get("sobjects", [])
        return self._global

    def queryable_objects(self) -> set[str]:
        return {o["name"] for o in self.global_objects() if o.get("queryable")}

    def checked_relationships(self, name: str) -> list[tuple[str, str]]:
        """The cascade relationships the delete stage asks the org about before each
        batch. One whose child cannot be queried by that field (the describes say so) is
        never asked, and the log says so once: Salesforce would only refuse the query."""
        cache = self.__dict__.setdefault("_checked", {})
        if name in cache:
            return cache[name]
        queryable = set(self.cascade_relationships(name))
        everything = {o["name"] for o in self.global_objects()}
        checked = []
        for child, field in cascade_children(self.described(name), everything):
            if (child, field) not in queryable:
                reason = f"this org does not let {child} be queried"
            else:
                info = next(
                    (f for f in self.described(child).get("fields", []) if f["name"] == field),
                    None,
                )
                if info is None:
                    reason = f"{child}.{field} is not visible to the connected user"
                elif info.get("filterable") is False:
                    reason = f"{child}.{field} cannot be used in a filter"
                else:
                    checked.append((child, field))
                    continue
            self.log(
                f"{name}: its {child} children ({field}) are not checked in the org before "
                f"the delete: {reason}.",
                JobLog.Level.WARNING,
            )
        cache[name] = checked
        return checked

    def children_in_org(
        self, relationships: list[tuple[str, str]], batch: list[tuple[int, str]]
    ) -> tuple[dict[str, set[tuple[str, str]]], dict[str, str], int]:
        """The org's children of the batch's records on every cascade relationship
        (parent Id -> {(child object, child Id)}), the parents Salesforce could not be
        asked about (parent Id -> why), and the calls made. One query per relationship
        per CHECK_IDS parents, CHECK_QUERIES a composite call. Salesforce calls only, so
        it may run in a thread."""
        found: dict[str, set[tuple[str, str]]] = defaultdict(set)
        unchecked: dict[str, str] = {}
        calls = 0
        if not relationships or not batch:
            return found, unchecked, calls
        parent_ids = [rid for _, rid in batch]
        queries = [
            (child, field, parent_ids[at : at + CHECK_IDS])
            for at in range(0, len(parent_ids), CHECK_IDS)
            for child, field in relationships
        ]
        texts = [
            f"SELECT Id, {field} FROM {child} WHERE {field} IN ("  # noqa: S608
            + ", ".join(f"'{rid}'" for rid in ids)
            + ")"
            for child, field, ids in queries
        ]

        def post(body: dict) -> dict:
            nonlocal calls
            self.quota.check(self.client)
            calls += 1
            return self.client.request("POST", "composite/", json=body).json()

        answers = composite_queries(post, self.client.api_version, texts, per_call=CHECK_QUERIES)
        for (child, field, ids), answer in zip(queries, answers, strict=True):
            page = answered(answer)
            if page is None:
                # Not an answer (too long, a limit, a 5xx...): these parents' children
                # are unknown, so they must not be deleted in this batch.
                why = f"{child}.{field}: {subrequest_error(answer)}"
                for rid in ids:
                    unchecked.setdefault(rid, why)
                continue
            while True:
                for row in page.get("records", []):
                    found[row[field]].add((child, row["Id"]))
                if page.get("done", True) or not page.get("nextRecordsUrl"):
                    break
                self.quota.check(self.client)
                calls += 1
                page = self.client.request("GET", page["nextRecordsUrl"]).json()
        return found, unchecked, calls

    def without_unchecked(
        self, name: str, batch: list[tuple[int, str]], unchecked: dict[str, str]
    ) -> list[tuple[int, str]]:
        """Leave out (refused, CHILDREN_NOT_CHECKED) the records whose children Salesforce
        did not answer for. Refused rather than stopping the run: like every refusal it
        is that record's result and the rest goes on; the record stays in Salesforce
        and its verified copy in the archive, so nothing is lost either way."""
        if not unchecked:
            return batch
        refused: dict[str, list[int]] = defaultdict(list)
        keep = []
        for pk, rid in batch:
            if rid in unchecked:
                refused[unchecked[rid]].append(pk)
            else:
                keep.append((pk, rid))
        for why, pks in refused.items():
            message = (
                "Not deleted: Salesforce did not answer whether it has children added "
                f"since the archive read it ({why})."
            )
            ArchiveRecord.objects.filter(pk__in=pks).update(
                outcome=Outcome.REFUSED,
                error_code="CHILDREN_NOT_CHECKED",
                message_sealed=seal_message(self.data_key, self.org.pk, message),
            )
        self.log(
            f"{name}: {len(batch) - len(keep)} records not deleted: Salesforce did not "
            f"answer whether they have children added since the read "
            f"({'; '.join(sorted(refused))[:500]}).",
            JobLog.Level.WARNING,
        )
        return keep

    def without_unarchived_children(
        self, name: str, batch: list[tuple[int, str]], found: dict[str, set[tuple[str, str]]]
    ) -> list[tuple[int, str]]:
        """Leave out (refused, CHILD_NOT_ARCHIVED) the records whose delete would take along
        a child (`found` in the org by children_in_org) the archive holds no verified copy
        of."""
        if not found:
            return batch
        children = {rid for ids_ in found.values() for _, rid in ids_}
        safe = set(
            ArchiveRecord.objects.filter(
                job=self.job,
                record_id__in=children,
                outcome__in=[Outcome.VERIFIED, Outcome.DELETED, Outcome.CASCADE_DELETED],
            ).values_list("record_id", flat=True)
        )
        keep: list[tuple[int, str, list]] = []
        blocked: list[tuple[int, str, list]] = []
        for pk, rid in batch:
            missing = [c for c in found.get(rid, ()) if c[1] not in safe]
            (blocked if missing else keep).append((pk, rid, missing))
        for pk, _rid, missing in blocked:
            names = sorted({child for child, _ in missing})
            message = (
                f"Not deleted: Salesforce would delete {len(missing)} child record(s) "
                f"({', '.join(names)}) with it that this archive holds no copy of."
            )
            ArchiveRecord.objects.filter(pk=pk).update(
                outcome=Outcome.REFUSED,
                error_code="CHILD_NOT_ARCHIVED",
                message_sealed=seal_message(self.data_key, self.org.pk, message),
            )
        if blocked:
            self.log(
                f"{name}: {len(blocked)} records not deleted: their delete would take along "
                "children this archive did not copy.",
                JobLog.Level.WARNING,
            )
        return [(pk, rid) for pk, rid, _ in keep]

    # --- 5. Recycle Bin, storage ---------------------------------------------------------

    def empty_recycle_bin(self) -> None:
        emptied = self.cursor.get("emptied_after", 0)
        purged = 0
        while True:
            batch = list(
                ArchiveRecord.objects.filter(job=self.job, outcome=Outcome.DELETED, pk__gt=emptied)
                .order_by("id")
                .values_list("pk", "record_id")[: writes.BATCH]
            )
            if not batch:
                break
            self.quota.check(self.client)
            results = writes.empty_recycle_bin(self.client, [rid for _, rid in batch])
            self.calls += 1
            purged += sum(1 for r in results if r.success)
            emptied = batch[-1][0]
            self.cursor["emptied_after"] = emptied
            self.save()
        self.log(f"Emptied {purged} deleted records (and what their delete took along) "
                 "from the Recycle Bin.")  # fmt: skip

    def average_record_size(self) -> None:
        """The org's average record size before the deletes: DataStorageMB used (limits
        API) ÷ its records (limits/recordCount)."""
        limits = self.sf(self.client.limits)
        counts = self.sf(self.client.get_json, "limits/recordCount")
        storage = limits.get("DataStorageMB") or {}
        used_mb = max(int(storage.get("Max", 0)) - int(storage.get("Remaining", 0)), 0)
        total = sum(int(s.get("count", 0)) for s in counts.get("sObjects", []))
        # Salesforce counts most records as 2 KB; an org too small to report a whole MB
        # used gives no average of its own.
        average = (used_mb * 1024 * 1024 / total) if used_mb and total else 2048
        self.cursor["average_record_bytes"] = int(average)
        self.save()

    def storage_freed(self) -> None:
        """Records deleted × the org's average record size."""
        if "average_record_bytes" not in self.cursor:
            self.average_record_size()
        average = self.cursor["average_record_bytes"]
        gone = ArchiveRecord.objects.filter(
            job=self.job, outcome__in=[Outcome.DELETED, Outcome.CASCADE_DELETED]
        ).count()
        self.cursor["storage_freed_bytes"] = int(gone * average)
        self.log(
            f"Storage freed in Salesforce: about {int(gone * average / 1024)} KB "
            f"({gone} records × {int(average)} bytes on average)."
        )

    def settle_counters(self) -> None:
        """Exact counters from the per-record results (a resumed run re-reads pages)."""
        records = ArchiveRecord.objects.filter(job=self.job)
        JobObject.objects.filter(pk=self.job_object.pk).update(
            records=records.count(),
            added=records.exclude(outcome=Outcome.VERIFY_FAILED).count(),
            deleted=records.filter(outcome__in=[Outcome.DELETED, Outcome.CASCADE_DELETED]).count(),
        )
