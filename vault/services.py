"""Writes to the vault. Callers pass the org's data key (bytes); the vault never
unwraps keys itself and knows nothing of where records come from.

    snapshot = snapshot_begin(org=org, job=job)          # or the same building one, to resume
    writer = ObjectWriter(snapshot=snapshot, object_name="Account", fields=[...],
                          data_key=key, job=job)
    for batch in batches:                                # ~2,000 VaultRecords at a time
        result = writer.write_batch(batch)               # one segment + versions, one transaction
    mark_hard_deleted(snapshot=snapshot, object_name="Account", record_ids=[...], job=job)
    snapshot_publish(snapshot=snapshot, watermarks={"Account": "2026-..."})

`snapshot_discard` undoes a building snapshot exactly (deletes its versions and
segments, reopens the versions it closed), so the previous snapshot reads as before.
"""

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from common.storage import org_storage
from vault import codec
from vault.models import Blob, ObjectWatermark, RecordVersion, Segment, Snapshot
from vault.suppression import object_suppresses, suppressed_ids
from vault.versioning import (
    CurrentVersion,
    SnapshotClosed,
    commit_versions,
    lock_building,
    plan_versions,
)

BATCH_SIZE = 2000
State = RecordVersion.State
Change = RecordVersion.Change
_GONE_STATES = (State.HARD_DELETED, State.ARCHIVED)


class VaultBusy(Exception):
    """Another job is writing a snapshot of this org."""


@dataclass(frozen=True, slots=True)
class VaultRecord:
    """One record to store: values in the writer's field order (JSON-serializable)."""

    record_id: str
    values: list
    state: str = State.PRESENT
    owner_id: str = ""
    last_modified: datetime | str | None = None  # a datetime or ISO 8601 UTC text


@dataclass
class BatchResult:
    seen: int = 0
    added: int = 0
    changed: int = 0
    deleted: int = 0
    stored_bytes: int = 0

    def add(self, other: "BatchResult") -> None:
        self.seen += other.seen
        self.added += other.added
        self.changed += other.changed
        self.deleted += other.deleted
        self.stored_bytes += other.stored_bytes


def _prefix(org, seq: int) -> str:
    return f"orgs/{org.pk}/snapshots/{seq}/"


# --- snapshots ------------------------------------------------------------------------


def snapshot_busy_reason(*, org, job) -> str:
    """Why `job` cannot begin a snapshot now ("" when it can): another running job is
    writing this org's snapshot. Read before a job spends anything on starting."""
    existing = Snapshot.objects.filter(org=org, status=Snapshot.Status.BUILDING).first()
    if existing is None or existing.job_id == job.pk:
        return ""
    if existing.job is not None and existing.job.is_running:
        return (
            f"Job {existing.job_id} is still writing a backup of this org; "
            "wait for it to finish or abort it."
        )
    return ""


def snapshot_begin(*, org, job) -> Snapshot:
    """A new building snapshot for `job`, or the one it already has (resume).

    A building snapshot left by a job that is no longer running is discarded first;
    one that belongs to a running job raises VaultBusy.
    """
    existing = Snapshot.objects.filter(org=org, status=Snapshot.Status.BUILDING).first()
    if existing is not None and existing.job_id == job.pk:
        return existing
    if job is not None and Snapshot.objects.filter(org=org, job=job).exists():
        raise SnapshotClosed(
            f"Job {job.pk}'s snapshot was already published or discarded; it cannot begin again."
        )
    if existing is not None:
        busy = snapshot_busy_reason(org=org, job=job)
        if busy:
            raise VaultBusy(busy)
        snapshot_discard(snapshot=existing)
    with transaction.atomic():
        last = Snapshot.objects.filter(org=org).aggregate(m=Max("seq"))["m"] or 0
        try:
            with transaction.atomic():
                return Snapshot.objects.create(org=org, seq=last + 1, job=job)
        except IntegrityError:
            raise VaultBusy(
                "Another job started a backup of this org at the same moment; try again."
            ) from None


def snapshot_publish(
    *, snapshot: Snapshot, watermarks: dict[str, str] | None = None, scope: str = ""
) -> bool:
    """building -> published exactly once; advances the watermarks (of `scope`) in the
    same transaction."""
    now = timezone.now()
    with transaction.atomic():
        won = Snapshot.objects.filter(pk=snapshot.pk, status=Snapshot.Status.BUILDING).update(
            status=Snapshot.Status.PUBLISHED, published_at=now
        )
        if won != 1:
            return False
        for object_name, value in (watermarks or {}).items():
            ObjectWatermark.objects.update_or_create(
                org_id=snapshot.org_id,
                scope=scope,
                object_name=object_name,
                defaults={"value": value, "snapshot_seq": snapshot.seq, "updated_at": now},
            )
    snapshot.refresh_from_db()
    return True


def watermark_mark_full_sync(*, org, object_name: str) -> None:
    ObjectWatermark.objects.filter(org=org, scope="", object_name=object_name).update(
        last_full_sync_at=timezone.now()
    )


def watermarks_drop(*, org, scope_prefix: str, keep: str = "") -> int:
    """Forget the watermarks of every scope starting with `scope_prefix` (a non-empty
    prefix; never the composite scope "") except `keep`. Returns how many were dropped."""
    if not scope_prefix:
        raise ValueError("watermarks_drop needs a scope prefix; the composite scope is kept.")
    drop = ObjectWatermark.objects.filter(org=org, scope__startswith=scope_prefix)
    return drop.exclude(scope=keep).delete()[0] if keep else drop.delete()[0]


def snapshot_discard(*, snapshot: Snapshot) -> None:
    """Undo a building snapshot: the previous published snapshot is left exactly as it was."""
    with transaction.atomic():
        locked = Snapshot.objects.select_for_update().get(pk=snapshot.pk)
        if locked.status != Snapshot.Status.BUILDING:
            return
        versions = RecordVersion.objects.filter(org_id=snapshot.org_id)
        versions.filter(valid_from=snapshot.seq).delete()
        versions.filter(valid_to=snapshot.seq).update(valid_to=None)
        Segment.objects.filter(snapshot=snapshot).delete()
        locked.status = Snapshot.Status.DISCARDED
        locked.save(update_fields=["status"])
    _delete_prefix(org_storage(snapshot.org), _prefix(snapshot.org, snapshot.seq))
    snapshot.refresh_from_db()


def _delete_prefix(storage, prefix: str) -> None:
    """Remove every file under `prefix` (segments written before a crash included)."""
    try:
        dirs, files = storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        storage.delete(prefix + name)
    for name in dirs:
        _delete_prefix(storage, f"{prefix}{name}/")


# --- the streaming writer -------------------------------------------------------------


class ObjectWriter:
    """Writes one object's records into a building snapshot, batch by batch.

    Each `write_batch` compares keyed content hashes with the current versions of
    those ids (one query), writes one encrypted segment with only the new or changed
    records, closes the replaced versions and inserts the new ones in one transaction.
    Writing the same records twice is a no-op, which makes resumed work idempotent.
    """

    def __init__(self, *, snapshot: Snapshot, object_name: str, fields: list[str], data_key, job):
        self.snapshot = snapshot
        self.org = snapshot.org
        self.object_name = object_name
        self.fields = list(fields)
        self.data_key = data_key
        self.job = job
        self.storage = org_storage(self.org)
        self._hash_key = codec.hash_key(data_key)
        self._new_object = not RecordVersion.objects.filter(
            org_id=self.org.pk, object_name=object_name
        ).exists()
        # Records purged with the suppression option are left out (vault.suppression).
        self._suppressing = object_suppresses(org=self.org, object_name=object_name)
        self._dir = (
            f"{_prefix(self.org, snapshot.seq)}{uuid.uuid5(uuid.NAMESPACE_URL, object_name).hex}/"
        )

    def write(self, records: Iterable[VaultRecord]) -> BatchResult:
        total = BatchResult()
        for batch in batched(records, BATCH_SIZE):
            total.add(self.write_batch(batch))
        return total

    def _current(self, record_ids: list[str]) -> dict[str, CurrentVersion]:
        """Current versions of these ids, in one query."""
        table = connection.ops.quote_name(RecordVersion._meta.db_table)
        placeholders = ", ".join(["%s"] * len(record_ids))
        sql = (
            f"SELECT id, record_id, content_hash, state, valid_from, change FROM {table} "  # noqa: S608
            f"WHERE org_id = %s AND object_name = %s AND valid_to IS NULL "
            f"AND record_id IN ({placeholders})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.org.pk, self.object_name, *record_ids])
            return {
                record_id: CurrentVersion(
                    id=pk,
                    content_hash=bytes(digest),
                    valid_from=valid_from,
                    change=change,
                    gone=state in _GONE_STATES,
                    state=state,
                )
                for pk, record_id, digest, state, valid_from, change in cursor.fetchall()
            }

    def _suppressed(self, record_ids: list[str]) -> set[str]:
        if not self._suppressing:
            return set()
        return suppressed_ids(
            org=self.org, object_name=self.object_name, record_ids=record_ids,
            data_key=self.data_key,
        )  # fmt: skip

    def write_batch(self, records: list[VaultRecord]) -> BatchResult:
        try:
            return self._write_batch(records)
        except IntegrityError:
            if not self._new_object:
                raise
            # Some of these ids are already stored: compare with them after all.
            self._new_object = False
            return self._write_batch(records)

    def _write_batch(self, records: list[VaultRecord]) -> BatchResult:
        result = BatchResult(seen=len(records))
        if not records:
            return result
        lines, hashes = [], []
        for record in records:
            line = codec.values_line(record.values)
            lines.append(line)
            hashes.append(codec.content_hash(self._hash_key, line + record.state.encode()))
        # An object the vault has never seen has no current versions to compare with:
        # skip the lookup (the one-current-version constraint still guards duplicates).
        current = {} if self._new_object else self._current([r.record_id for r in records])
        plan = plan_versions(
            zip(zip(records, lines, strict=True), hashes, strict=True),
            seq=self.snapshot.seq,
            current=current,
            key=lambda pair: pair[0].record_id,
            change_of=_record_change,
            suppressed=self._suppressed([r.record_id for r in records]),
        )
        new = [(record, line, digest, change) for (record, line), digest, change in plan.new]
        if not new:
            return result

        key = f"{self._dir}{uuid.uuid4().hex}.seg"
        plaintext = codec.encode_segment(
            self.object_name,
            self.fields,
            [codec.record_line(r.record_id, line) for r, line, _, _ in new],
        )
        blob = codec.seal(
            data_key=self.data_key, org_id=self.org.pk, storage_key=key, plaintext=plaintext
        )
        _save(self.storage, key, blob)
        try:
            self._commit_batch(key, blob, new, plan)
        except BaseException:
            self.storage.delete(key)
            raise
        for _, _, _, change in new:
            setattr(result, change, getattr(result, change) + 1)
        result.stored_bytes = len(blob)
        return result

    def _commit_batch(self, key, blob, new, plan) -> None:
        seq = self.snapshot.seq
        org_id, job_id = self.org.pk, (self.job.pk if self.job is not None else None)

        def insert() -> None:
            segment = Segment.objects.create(
                org_id=self.org.pk,
                snapshot=self.snapshot,
                object_name=self.object_name,
                storage_key=key,
                byte_size=len(blob),
                record_count=len(new),
            )
            adapt = _iso_adapter()
            _insert_versions(
                [
                    (
                        org_id,
                        self.object_name,
                        record.record_id,
                        seq,
                        digest,
                        record.state,
                        record.owner_id or "",
                        adapt(record.last_modified),
                        segment.pk,
                        index,
                        len(line),
                        job_id,
                        change,
                    )
                    for index, (record, line, digest, change) in enumerate(new)
                ]
            )

        commit_versions(snapshot=self.snapshot, model=RecordVersion, plan=plan, insert=insert)


_INSERT_COLUMNS = (
    "org_id",
    "object_name",
    "record_id",
    "valid_from",
    "content_hash",
    "state",
    "owner_id",
    "last_modified",
    "segment_id",
    "segment_index",
    "size_bytes",
    "job_id",
    "change",
)


def _record_change(pair: tuple, row: CurrentVersion | None) -> str:
    """Added (new Id), deleted (it left the org or went to the Recycle Bin), or changed."""
    record = pair[0]
    if row is None:
        return Change.ADDED
    if record.state != State.PRESENT and row.state == State.PRESENT:
        return Change.DELETED
    return Change.CHANGED


def _insert_versions(rows: list[tuple]) -> None:
    """Insert many versions with one executemany (SQLite) or one COPY (PostgreSQL, where
    executemany sends a statement per row): the ORM's bulk_create spends most of a
    backup preparing values one by one. `rows` hold _INSERT_COLUMNS' values, ready for
    the database (last_modified through _iso_adapter)."""
    ops = connection.ops
    table = ops.quote_name(RecordVersion._meta.db_table)
    columns = ", ".join(ops.quote_name(c) for c in _INSERT_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The raw psycopg cursor: Django's error wrapper keeps a duplicate an
            # IntegrityError (ObjectWriter.write_batch retries on it).
            copy_sql = f"COPY {table} ({columns}) FROM STDIN"
            with connection.wrap_database_errors, cursor.cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(_INSERT_COLUMNS))
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({placeholders})",  # noqa: S608
            rows,
        )


def _iso_adapter():
    """last_modified may be a datetime or an ISO 8601 UTC string ("...T10:20:30.000Z"),
    which is stored without building a datetime (a measurable cost at 1M records)."""
    django_adapt = connection.ops.adapt_datetimefield_value
    sqlite = connection.vendor == "sqlite"

    def adapt(value):
        if isinstance(value, str):
            return f"{value[:10]} {value[11:23]}" if sqlite else value
        return django_adapt(value)

    return adapt


def _save(storage, key: str, data: bytes) -> None:
    saved = storage.save(key, ContentFile(data))
    if saved != key:
        storage.delete(saved)
        raise RuntimeError(f"The storage renamed {key!r} to {saved!r}; nothing was stored.")


def batched(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def mark_hard_deleted(
    *, snapshot: Snapshot, object_name: str, record_ids: Iterable[str], job
) -> int:
    """Close the current versions of `record_ids` with a hard-deleted version. Returns count."""
    marked = 0
    for batch in batched(record_ids, BATCH_SIZE):
        with transaction.atomic():
            lock_building(snapshot)
            rows = list(
                RecordVersion.objects.filter(
                    org_id=snapshot.org_id,
                    object_name=object_name,
                    record_id__in=batch,
                    valid_to__isnull=True,
                )
                .exclude(state__in=_GONE_STATES)
                .values_list("id", "record_id", "owner_id", "valid_from")
            )
            if not rows:
                continue
            same = [r[0] for r in rows if r[3] == snapshot.seq]
            older = [r[0] for r in rows if r[3] != snapshot.seq]
            if same:
                RecordVersion.objects.filter(id__in=same).delete()
            if older:
                RecordVersion.objects.filter(id__in=older).update(valid_to=snapshot.seq)
            RecordVersion.objects.bulk_create(
                [
                    RecordVersion(
                        org_id=snapshot.org_id,
                        object_name=object_name,
                        record_id=record_id,
                        valid_from=snapshot.seq,
                        content_hash=b"",
                        state=State.HARD_DELETED,
                        owner_id=owner_id,
                        job=job,
                        change=Change.DELETED,
                    )
                    for _, record_id, owner_id, _ in rows
                ]
            )
            marked += len(rows)
    return marked


def current_record_ids(*, org, object_name: str) -> Iterator[str]:
    """Ids the vault holds as existing in the org (present or in the Recycle Bin), streamed."""
    return (
        RecordVersion.objects.filter(org=org, object_name=object_name, valid_to__isnull=True)
        .exclude(state__in=_GONE_STATES)
        .values_list("record_id", flat=True)
        .iterator(chunk_size=BATCH_SIZE)
    )


# --- blobs ----------------------------------------------------------------------------


def blob_put(*, org, data_key: bytes, content: bytes) -> tuple[Blob, bool]:
    """Store a binary body once per content hash. Returns (blob, created)."""
    digest = codec.content_hash(codec.hash_key(data_key), content)
    existing = Blob.objects.filter(org=org, content_hash=digest).first()
    if existing is not None:
        return existing, False
    key = f"orgs/{org.pk}/blobs/{digest.hex()[:2]}/{digest.hex()}-{uuid.uuid4().hex[:8]}.blob"
    sealed = codec.seal(data_key=data_key, org_id=org.pk, storage_key=key, plaintext=content)
    _save(org_storage(org), key, sealed)
    try:
        with transaction.atomic():
            blob = Blob.objects.create(
                org=org,
                content_hash=digest,
                storage_key=key,
                size_bytes=len(content),
                stored_bytes=len(sealed),
            )
    except IntegrityError:
        return Blob.objects.get(org=org, content_hash=digest), False
    return blob, True
