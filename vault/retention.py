"""Retention: which snapshots a policy keeps, and the sweep that drops the rest.

    policy = retention_policy(org=org)                        # the saved one or the default
    plan = retention_plan(org=org, policy=policy, now=now)    # what would go (nothing written)
    result = retention_sweep(org=org, data_key=key, now=now)  # drop it

A version [valid_from, valid_to) is kept when a kept snapshot lies inside it, or — with
"keep the latest version of every record" — when it is the last version of its record
that holds a payload. Everything else is dropped: versions (records and metadata),
segments nobody reads any more (deleted; a segment whose live rows fell under half is
rewritten with only those rows), blobs that no kept record or component references,
and files left under discarded snapshots. Snapshots that are no longer kept become
`expired` (their rows stay: they number the intervals).

Nothing under an active legal hold (vault.holds) is dropped or rewritten; under a hold
of the whole org the sweep does nothing at all.

Days, weeks and months are counted in UTC from each snapshot's publication time. The
newest published snapshot is always kept.
"""

import bisect
import json
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from common.storage import org_storage
from vault import codec
from vault.holds import HeldScope, held_scope
from vault.immutability import locked_until
from vault.metadata_services import sealed_aad_key
from vault.models import (
    Blob,
    MetadataComponentVersion,
    RecordVersion,
    RetentionPolicy,
    Segment,
    Snapshot,
)
from vault.services import _delete_prefix, _prefix, _save

Mode = RetentionPolicy.Mode
REWRITE_BELOW = 0.5  # rewrite a segment when fewer than half its rows are still read


def retention_policy(*, org) -> RetentionPolicy:
    """The org's saved policy, or an unsaved default (keep everything)."""
    return RetentionPolicy.objects.filter(org=org).first() or RetentionPolicy(org=org)


@transaction.atomic
def retention_policy_save(*, org, actor, **values) -> RetentionPolicy:
    if actor.tenant_id != org.tenant_id or not actor.is_tenant_admin:
        raise PermissionDenied("Only an Admin of this organization can change retention.")
    policy, _ = RetentionPolicy.objects.update_or_create(
        org=org, defaults={**values, "updated_by": actor, "updated_at": timezone.now()}
    )
    return policy


def _tenant_zone(org):
    try:
        return ZoneInfo(org.tenant.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def kept_seqs(
    *, policy: RetentionPolicy, snapshots: list[tuple[int, datetime]], now, tz=None
) -> set[int]:
    """The published snapshots (seq, published_at) the policy keeps. Days, weeks and
    months are those of the tenant's time zone `tz` (UTC when not given)."""
    if not snapshots:
        return set()
    zone = tz or UTC
    ordered = sorted((seq, at.astimezone(zone)) for seq, at in snapshots)
    kept = {ordered[-1][0]}  # the newest is always kept
    if policy.mode == Mode.KEEP_ALL:
        return {seq for seq, _ in ordered}
    if policy.mode == Mode.DAYS:
        since = now - timedelta(days=policy.keep_days)
        return kept | {seq for seq, at in ordered if at >= since}
    buckets: list[tuple[int, object]] = [
        (policy.daily_days, lambda d: d.date()),
        (policy.weekly_weeks * 7, lambda d: d.isocalendar()[:2]),
        (policy.monthly_months * 31, lambda d: (d.year, d.month)),
    ]
    for days, bucket_of in buckets:
        if not days:
            continue
        since = now - timedelta(days=days)
        last: dict = {}
        for seq, at in ordered:  # ascending: the last one of each bucket wins
            if at >= since:
                last[bucket_of(at)] = seq  # type: ignore[operator]
        kept |= set(last.values())
    return kept


def _covered(seq_from: int, seq_to: int | None, kept_sorted: list[int]) -> bool:
    """Is a kept snapshot S with seq_from <= S < seq_to?"""
    i = bisect.bisect_left(kept_sorted, seq_from)
    return i < len(kept_sorted) and (seq_to is None or kept_sorted[i] < seq_to)


@dataclass
class RetentionPlan:
    held_whole_org: bool = False
    snapshots_expiring: list[int] = field(default_factory=list)
    versions: dict[str, int] = field(default_factory=dict)  # object -> versions dropped
    metadata_versions: int = 0
    segments_deleted: int = 0
    segments_rewritten: int = 0
    drop_version_ids: list[int] = field(default_factory=list)
    drop_metadata_ids: list[int] = field(default_factory=list)

    @property
    def total_versions(self) -> int:
        return sum(self.versions.values())

    @property
    def empty(self) -> bool:
        return not (self.snapshots_expiring or self.drop_version_ids or self.drop_metadata_ids)


@dataclass
class SweepResult:
    plan: RetentionPlan
    blobs_deleted: int = 0
    files_deleted: int = 0
    skipped: str = ""
    # Objects under S3 Object Lock the sweep could not delete yet (kept, retried daily).
    locked: list[str] = field(default_factory=list)
    locked_until: datetime | None = None

    def lock_refused(self, key: str, until) -> None:
        self.locked.append(key)
        if self.locked_until is None or until > self.locked_until:
            self.locked_until = until


def retention_plan(*, org, policy: RetentionPolicy, now=None) -> RetentionPlan:
    now = now or timezone.now()
    plan = RetentionPlan()
    scope = held_scope(org=org)
    if scope.whole_org:
        plan.held_whole_org = True
        return plan
    published = list(
        Snapshot.objects.filter(org=org, status=Snapshot.Status.PUBLISHED).values_list(
            "seq", "published_at", "created_at"
        )
    )
    snapshots = [(seq, published_at or created_at) for seq, published_at, created_at in published]
    kept = kept_seqs(policy=policy, snapshots=snapshots, now=now, tz=_tenant_zone(org))
    # An archive is the only copy of what it deleted from Salesforce: its snapshot and
    # its archived versions are never retention's to drop (only a purge removes them).
    archives = set(
        RecordVersion.objects.filter(org=org, state=RecordVersion.State.ARCHIVED)
        .values_list("valid_from", flat=True)
        .distinct()
    )
    plan.snapshots_expiring = sorted(
        seq for seq, _ in snapshots if seq not in kept and seq not in archives
    )
    if not plan.snapshots_expiring:
        return plan
    kept_sorted = sorted(kept)
    last_with_payload: dict[tuple[str, str], int] = {}
    if policy.keep_latest:
        rows = (
            RecordVersion.objects.filter(org=org, segment__isnull=False)
            .values("object_name", "record_id")
            .order_by()
        )
        for row in rows.annotate(m=Max("valid_from")):
            last_with_payload[(row["object_name"], row["record_id"])] = row["m"]
    segment_rows: dict[int, int] = defaultdict(int)  # dropped rows per segment
    candidates = (
        RecordVersion.objects.filter(org=org, valid_to__isnull=False)
        .exclude(state=RecordVersion.State.ARCHIVED)
        .values_list("pk", "object_name", "record_id", "valid_from", "valid_to", "segment_id")
        .iterator(chunk_size=5000)
    )
    for pk, object_name, record_id, valid_from, valid_to, segment_id in candidates:
        if _covered(valid_from, valid_to, kept_sorted) or scope.covers(object_name, record_id):
            continue
        if last_with_payload.get((object_name, record_id)) == valid_from:
            continue
        plan.drop_version_ids.append(pk)
        plan.versions[object_name] = plan.versions.get(object_name, 0) + 1
        if segment_id is not None:
            segment_rows[segment_id] += 1
    _plan_segments(org, plan, segment_rows, scope)
    metadata = MetadataComponentVersion.objects.filter(org=org, valid_to__isnull=False)
    last_meta: dict[tuple[str, str], int] = {}
    if policy.keep_latest:
        for _pk, mtype, name, valid_from in (
            MetadataComponentVersion.objects.filter(org=org, is_deleted=False)
            .values_list("pk", "metadata_type", "full_name", "valid_from")
            .order_by("valid_from")
        ):
            last_meta[(mtype, name)] = valid_from
    for pk, mtype, name, valid_from, valid_to in metadata.values_list(
        "pk", "metadata_type", "full_name", "valid_from", "valid_to"
    ):
        if (
            _covered(valid_from, valid_to, kept_sorted)
            or last_meta.get((mtype, name)) == valid_from
        ):
            continue
        plan.drop_metadata_ids.append(pk)
    plan.metadata_versions = len(plan.drop_metadata_ids)
    return plan


def _plan_segments(org, plan: RetentionPlan, dropped: dict[int, int], scope: HeldScope) -> None:
    if not dropped:
        return
    live = dict(
        Segment.objects.filter(org=org, pk__in=list(dropped)).values_list("pk", "record_count")
    )
    for segment_id, gone in dropped.items():
        total = RecordVersion.objects.filter(segment_id=segment_id).count()
        remaining = total - gone
        if remaining <= 0:
            plan.segments_deleted += 1
        elif remaining < live.get(segment_id, total) * REWRITE_BELOW:
            plan.segments_rewritten += 1


def retention_sweep(*, org, data_key: bytes, now=None) -> SweepResult:
    """Drop what the org's policy no longer keeps (see the module's docstring)."""
    policy = retention_policy(org=org)
    plan = retention_plan(org=org, policy=policy, now=now)
    result = SweepResult(plan=plan)
    if plan.held_whole_org:
        return result
    if Snapshot.objects.filter(org=org, status=Snapshot.Status.BUILDING).exists():
        # A backup is writing: its blobs are not referenced yet. The next sweep runs.
        result.skipped = "A backup of this org is running; the sweep waits for the next run."
        return result
    storage = org_storage(org)
    touched: set[int] = set()
    with transaction.atomic():
        if plan.snapshots_expiring:
            Snapshot.objects.filter(org=org, seq__in=plan.snapshots_expiring).update(
                status=Snapshot.Status.EXPIRED
            )
        for start in range(0, len(plan.drop_version_ids), 2000):
            ids = plan.drop_version_ids[start : start + 2000]
            touched |= set(
                RecordVersion.objects.filter(pk__in=ids, segment__isnull=False).values_list(
                    "segment_id", flat=True
                )
            )
            RecordVersion.objects.filter(pk__in=ids).delete()
        MetadataComponentVersion.objects.filter(pk__in=plan.drop_metadata_ids).delete()
    scope = held_scope(org=org)
    # Segments nothing reads any more (a locked one a previous sweep had to keep) too.
    touched |= set(
        Segment.objects.filter(org=org)
        .annotate(n=Count("versions"))
        .filter(n=0)
        .values_list("pk", flat=True)
    )
    for segment in Segment.objects.filter(pk__in=touched).select_related("snapshot"):
        until = locked_until(org=org, storage_keys=[segment.storage_key], storage=storage)
        if until is not None:
            result.lock_refused(segment.storage_key, until)
            continue
        result.files_deleted += _shrink_segment(org, storage, data_key, segment, scope)
    result.blobs_deleted = _drop_unreferenced_blobs(org, storage, data_key, result)
    for snapshot in Snapshot.objects.filter(org=org, status=Snapshot.Status.DISCARDED):
        _delete_prefix(storage, _prefix(org, snapshot.seq))
    report = {}
    if result.locked and result.locked_until is not None:
        until = result.locked_until.astimezone(UTC)
        report = {"locked": len(result.locked), "locked_until": f"{until:%Y-%m-%d %H:%M}"}
    RetentionPolicy.objects.filter(org=org).update(
        last_swept_at=timezone.now(), last_sweep_report=report
    )
    return result


def _shrink_segment(org, storage, data_key, segment: Segment, scope: HeldScope) -> int:
    """Delete a segment nothing reads; rewrite one mostly dead. Returns files deleted."""
    versions = list(
        RecordVersion.objects.filter(segment=segment).values_list(
            "pk", "record_id", "segment_index"
        )
    )
    if not versions:
        with transaction.atomic():
            Segment.objects.filter(pk=segment.pk).delete()
        storage.delete(segment.storage_key)
        return 1
    if len(versions) >= segment.record_count * REWRITE_BELOW:
        return 0
    if scope.objects and segment.object_name in scope.objects:
        return 0
    if any((segment.object_name, rid) in scope.records for _, rid, _ in versions):
        return 0
    with storage.open(segment.storage_key, "rb") as handle:
        plaintext = codec.unseal(
            data_key=data_key, org_id=org.pk, storage_key=segment.storage_key, blob=handle.read()
        )
    lines = plaintext.split(b"\n")
    header, rows = lines[0], lines[1:]
    ordered = sorted(versions, key=lambda v: v[2])
    new_key = segment.storage_key.rsplit("/", 1)[0] + f"/{uuid.uuid4().hex}.seg"
    sealed = codec.seal(
        data_key=data_key,
        org_id=org.pk,
        storage_key=new_key,
        plaintext=b"\n".join([header, *(rows[index] for _, _, index in ordered)]),
    )
    _save(storage, new_key, sealed)
    with transaction.atomic():
        fresh = Segment.objects.create(
            org=org,
            snapshot=segment.snapshot,
            object_name=segment.object_name,
            storage_key=new_key,
            byte_size=len(sealed),
            record_count=len(ordered),
            created_at=segment.created_at,
        )
        for new_index, (pk, _, _) in enumerate(ordered):
            RecordVersion.objects.filter(pk=pk).update(segment=fresh, segment_index=new_index)
        Segment.objects.filter(pk=segment.pk).delete()
    storage.delete(segment.storage_key)
    return 1


def _drop_unreferenced_blobs(org, storage, data_key, result=None) -> int:
    """Delete blobs that no remaining record value or metadata manifest names."""
    if not Blob.objects.filter(org=org).exists():
        return 0
    prefix = f"orgs/{org.pk}/blobs/"
    referenced: set[str] = set()
    for segment in Segment.objects.filter(org=org).iterator():
        with storage.open(segment.storage_key, "rb") as handle:
            plaintext = codec.unseal(
                data_key=data_key,
                org_id=org.pk,
                storage_key=segment.storage_key,
                blob=handle.read(),
            )
        if prefix.encode() not in plaintext:
            continue
        for line in plaintext.split(b"\n")[1:]:
            for value in json.loads(line)[1]:
                if isinstance(value, str) and value.startswith(prefix):
                    referenced.add(value)
    for version in MetadataComponentVersion.objects.filter(org=org).iterator():
        sealed = codec.unseal(
            data_key=data_key,
            org_id=org.pk,
            storage_key=sealed_aad_key(org.pk, version.metadata_type, version.full_name),
            blob=bytes(version.sealed),
        )
        referenced.update(f["blob"] for f in json.loads(sealed)["files"])
    dropped = 0
    started = timezone.now()
    building = Snapshot.objects.filter(org=org, status=Snapshot.Status.BUILDING)
    for blob in Blob.objects.filter(org=org, created_at__lt=started).exclude(
        storage_key__in=referenced
    ):
        # A backup that began since the references were read may reuse this body: stop.
        if building.exists():
            break
        until = locked_until(org=org, storage_keys=[blob.storage_key], storage=storage)
        if until is not None:
            if result is not None:
                result.lock_refused(blob.storage_key, until)
            continue
        with transaction.atomic():
            Blob.objects.filter(pk=blob.pk).delete()
        storage.delete(blob.storage_key)
        dropped += 1
    return dropped
