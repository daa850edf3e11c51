"""Reads of metadata component versions. Every function is scoped by an `org` the caller
obtained through a tenant-scoped selector (or by a `job` from jobs.selectors.job_get);
readers only ever see published snapshots.

- `metadata_published_seq(*, job) -> int | None` — the published snapshot a job wrote.
- `metadata_type_counts(*, org, seq, job) -> list[TypeCount]` — per type: components as
  of snapshot `seq`, and how many the job added, changed, deleted (two queries).
- `metadata_components(*, org, seq, metadata_type, change=None, search="",
  order="full_name")` — a type's components as of `seq` (those deleted by snapshot `seq`
  included); `order` is one of COMPONENT_ORDERS ("-" for descending).
- `metadata_version_get(*, org, metadata_type, version_id) -> MetadataComponentVersion`
  (Http404 when not this org's, or not published yet).
- `metadata_versions(*, org, metadata_type, full_name) -> list` — oldest first.
- `metadata_unseal(*, org, versions, data_key) -> dict[int, dict]` — {pk: {"properties":
  {...}, "files": [{"name", "blob", "size"}, ...]}} for many rows (no storage reads).
- `metadata_file_contents(*, org, version, data_key) -> list[tuple[str, bytes]]`.
"""

import json
from dataclasses import dataclass

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from vault import codec
from vault.metadata_services import sealed_aad_key
from vault.models import MetadataComponentVersion, Snapshot
from vault.selectors import blob_read, published_seq

Change = MetadataComponentVersion.Change


@dataclass
class TypeCount:
    metadata_type: str
    total: int = 0
    added: int = 0
    changed: int = 0
    deleted: int = 0


def metadata_published_seq(*, job) -> int | None:
    return (
        Snapshot.objects.filter(org_id=job.org_id, job=job, status=Snapshot.Status.PUBLISHED)
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    )


def _as_of(*, org, seq: int):
    """Rows valid in snapshot `seq`; deleted ones only when `seq` itself deleted them."""
    return (
        MetadataComponentVersion.objects.filter(org=org, valid_from__lte=seq)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=seq))
        .filter(Q(is_deleted=False) | Q(valid_from=seq))
    )


def metadata_type_counts(*, org, seq: int, job) -> list[TypeCount]:
    counts: dict[str, TypeCount] = {}
    totals = (
        _as_of(org=org, seq=seq)
        .filter(is_deleted=False)
        .values("metadata_type")
        .annotate(n=Count("id"))
    )
    for row in totals:
        counts[row["metadata_type"]] = TypeCount(row["metadata_type"], total=row["n"])
    changes = (
        MetadataComponentVersion.objects.filter(org=org, job=job, valid_from=seq)
        .values("metadata_type", "change")
        .annotate(n=Count("id"))
    )
    for row in changes:
        entry = counts.setdefault(row["metadata_type"], TypeCount(row["metadata_type"]))
        setattr(entry, row["change"], row["n"])
    return sorted(counts.values(), key=lambda c: c.metadata_type.lower())


COMPONENT_ORDERS = ("full_name", "last_modified")


def metadata_components(
    *,
    org,
    seq: int,
    metadata_type: str,
    change: str | None = None,
    search: str = "",
    order: str = "full_name",
):
    rows = _as_of(org=org, seq=seq).filter(metadata_type=metadata_type)
    if change:
        rows = rows.filter(valid_from=seq, change=change)
    if search.strip():
        rows = rows.filter(full_name__icontains=search.strip())
    if order.lstrip("-") not in COMPONENT_ORDERS:
        order = "full_name"
    return rows.order_by(order, "full_name", "id")


def metadata_version_get(*, org, metadata_type: str, version_id: int) -> MetadataComponentVersion:
    return get_object_or_404(
        MetadataComponentVersion.objects.filter(
            org=org, metadata_type=metadata_type, valid_from__lte=published_seq(org=org)
        ),
        pk=version_id,
    )


def metadata_versions(*, org, metadata_type: str, full_name: str) -> list:
    seq = published_seq(org=org)
    versions = list(
        MetadataComponentVersion.objects.filter(
            org=org, metadata_type=metadata_type, full_name=full_name, valid_from__lte=seq
        )
        .defer("sealed")
        .order_by("valid_from")
    )
    for version in versions:
        if version.valid_to is not None and version.valid_to > seq:
            version.valid_to = None  # closed by a snapshot that is not published yet
    return versions


def metadata_unseal(*, org, versions, data_key: bytes) -> dict[int, dict]:
    """Properties and file list of each version (decrypted in memory, nothing stored)."""
    opened = {}
    for version in versions:
        if version.org_id != org.pk:
            continue
        plaintext = codec.unseal(
            data_key=data_key,
            org_id=org.pk,
            storage_key=sealed_aad_key(org.pk, version.metadata_type, version.full_name),
            blob=bytes(version.sealed),
        )
        opened[version.pk] = json.loads(plaintext)
    return opened


def metadata_file_contents(*, org, version, data_key: bytes) -> list[tuple[str, bytes]]:
    manifest = metadata_unseal(org=org, versions=[version], data_key=data_key)
    files = manifest.get(version.pk, {}).get("files", [])
    return [(f["name"], blob_read(org=org, blob_key=f["blob"], data_key=data_key)) for f in files]
