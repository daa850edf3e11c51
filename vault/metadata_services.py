"""Writes of metadata component versions. Like the rest of the vault, it knows nothing
of Salesforce: a component is an opaque (type, name) with properties and files.

    writer = MetadataWriter(snapshot=snapshot, data_key=key, job=job)
    result = writer.write_batch([MetadataComponent(...), ...])   # new or changed only
    metadata_mark_deleted(snapshot=snapshot, present={(type, name), ...},
                          types={type, ...}, job=job)           # gone from the org
    metadata_discard(org=org)      # after a snapshot was discarded: drop its versions

A component's files go to `Blob`s (once per keyed content hash, shared between
versions); its properties and file list are sealed into the version row. Writing the
same components again in the same snapshot is a no-op, so resumed work is idempotent.
"""

import json
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from vault import codec
from vault.models import MetadataComponentVersion, Snapshot
from vault.services import BatchResult, batched, blob_put
from vault.versioning import CurrentVersion, commit_versions, lock_building, plan_versions

Change = MetadataComponentVersion.Change
BATCH_SIZE = 500


@dataclass(frozen=True)
class MetadataComponent:
    metadata_type: str
    full_name: str
    file_name: str
    properties: dict
    files: dict[str, bytes] = field(default_factory=dict)
    last_modified: datetime | None = None
    last_modified_by_id: str = ""


def sealed_aad_key(org_id: int, metadata_type: str, full_name: str) -> str:
    """What a sealed row is bound to (the AAD), so rows cannot be swapped."""
    return f"metadata:{org_id}:{metadata_type}:{full_name}"


def files_hash(hash_key: bytes, files: dict[str, bytes]) -> bytes:
    """The keyed hash of a component's files (names and contents, in name order)."""
    parts = []
    for name in sorted(files):
        body = files[name]
        parts += [name.encode(), b"\0", str(len(body)).encode(), b"\0", body]
    return codec.content_hash(hash_key, b"".join(parts))


class MetadataWriter:
    def __init__(self, *, snapshot: Snapshot, data_key: bytes, job):
        self.snapshot = snapshot
        self.org = snapshot.org
        self.data_key = data_key
        self.job = job
        self._hash_key = codec.hash_key(data_key)

    def write(self, components) -> BatchResult:
        total = BatchResult()
        for batch in batched(components, BATCH_SIZE):
            total.add(self.write_batch(batch))
        return total

    def write_batch(self, components: list[MetadataComponent]) -> BatchResult:
        result = BatchResult(seen=len(components))
        if not components:
            return result
        seq = self.snapshot.seq
        plan = plan_versions(
            ((c, files_hash(self._hash_key, c.files)) for c in components),
            seq=seq,
            current=self._current(components),
            key=lambda c: (c.metadata_type, c.full_name),
            change_of=_component_change,
        )
        new = plan.new
        if not new:
            return result
        versions = []
        for component, digest, change in new:
            manifest = []
            for name in sorted(component.files):
                body = component.files[name]
                blob, created = blob_put(org=self.org, data_key=self.data_key, content=body)
                if created:
                    result.stored_bytes += blob.stored_bytes
                manifest.append({"name": name, "blob": blob.storage_key, "size": len(body)})
            versions.append(
                MetadataComponentVersion(
                    org_id=self.org.pk,
                    metadata_type=component.metadata_type,
                    full_name=component.full_name,
                    file_name=component.file_name,
                    valid_from=seq,
                    content_hash=digest,
                    change=change,
                    last_modified=component.last_modified,
                    last_modified_by_id=component.last_modified_by_id[:18],
                    file_count=len(manifest),
                    size_bytes=sum(f["size"] for f in manifest),
                    sealed=self._seal(component, manifest),
                    job=self.job,
                )
            )
            setattr(result, change, getattr(result, change) + 1)
        commit_versions(
            snapshot=self.snapshot,
            model=MetadataComponentVersion,
            plan=plan,
            insert=lambda: MetadataComponentVersion.objects.bulk_create(versions),
        )
        return result

    def _current(self, components) -> dict[Hashable, CurrentVersion]:
        types = {c.metadata_type for c in components}
        names = {c.full_name for c in components}
        rows = MetadataComponentVersion.objects.filter(
            org_id=self.org.pk, metadata_type__in=types, full_name__in=names, valid_to__isnull=True
        ).values_list(
            "id", "metadata_type", "full_name", "content_hash", "is_deleted", "valid_from", "change"
        )
        return {
            (metadata_type, full_name): CurrentVersion(
                id=pk,
                content_hash=bytes(digest),
                valid_from=valid_from,
                change=change,
                gone=is_deleted,
            )
            for pk, metadata_type, full_name, digest, is_deleted, valid_from, change in rows
        }

    def _seal(self, component: MetadataComponent, manifest: list[dict]) -> bytes:
        plaintext = json.dumps(
            {"properties": component.properties, "files": manifest}, separators=(",", ":")
        ).encode()
        return codec.seal(
            data_key=self.data_key,
            org_id=self.org.pk,
            storage_key=sealed_aad_key(self.org.pk, component.metadata_type, component.full_name),
            plaintext=plaintext,
        )


def _component_change(component: MetadataComponent, row: CurrentVersion | None) -> str:
    """Changed when it had a version in the org; added when new (or back after deletion)."""
    return Change.CHANGED if row is not None and not row.gone else Change.ADDED


def metadata_mark_deleted(
    *, snapshot: Snapshot, present: set[tuple[str, str]], types: set[str], job
) -> int:
    """Give every current component of `types` that is not in `present` a deleted version
    (keeping its last properties and files). Returns how many were marked."""
    seq = snapshot.seq
    rows = (
        MetadataComponentVersion.objects.filter(
            org_id=snapshot.org_id, valid_to__isnull=True, is_deleted=False, metadata_type__in=types
        )
        .only("id", "metadata_type", "full_name", "valid_from")
        .iterator(chunk_size=BATCH_SIZE)
    )
    gone = [r.pk for r in rows if (r.metadata_type, r.full_name) not in present]
    marked = 0
    for batch in batched(gone, BATCH_SIZE):
        with transaction.atomic():
            lock_building(snapshot)
            closed = list(
                MetadataComponentVersion.objects.filter(id__in=batch, valid_to__isnull=True)
            )
            same = [r.pk for r in closed if r.valid_from == seq]
            older = [r.pk for r in closed if r.valid_from != seq]
            if same:
                MetadataComponentVersion.objects.filter(id__in=same).delete()
            if older:
                MetadataComponentVersion.objects.filter(id__in=older).update(valid_to=seq)
            MetadataComponentVersion.objects.bulk_create(
                [
                    MetadataComponentVersion(
                        org_id=snapshot.org_id,
                        metadata_type=r.metadata_type,
                        full_name=r.full_name,
                        file_name=r.file_name,
                        valid_from=seq,
                        content_hash=b"",
                        is_deleted=True,
                        change=Change.DELETED,
                        last_modified=r.last_modified,
                        last_modified_by_id=r.last_modified_by_id,
                        file_count=r.file_count,
                        size_bytes=0,
                        sealed=bytes(r.sealed),
                        job=job,
                    )
                    for r in closed
                    if r.valid_from != seq or r.change != Change.ADDED
                ]
            )
            marked += len(closed)
    return marked


def metadata_discard(*, org) -> int:
    """Undo the metadata versions of this org's discarded snapshots: drop the versions
    they wrote and reopen the ones they closed. Returns the rows dropped."""
    discarded = Snapshot.objects.filter(org=org, status=Snapshot.Status.DISCARDED).values("seq")
    with transaction.atomic():
        dropped, _ = MetadataComponentVersion.objects.filter(
            org=org, valid_from__in=discarded
        ).delete()
        MetadataComponentVersion.objects.filter(org=org, valid_to__in=discarded).update(
            valid_to=None
        )
    return dropped
