"""The one versioning routine for record versions and metadata component versions.

Both keep versions as intervals [valid_from, valid_to) of snapshot sequence numbers.
Writing a batch into a building snapshot is the same for both:

1. `plan_versions`: for each item (deduplicated by key) compare its keyed content hash
   with the current version: unchanged items are skipped; a current version written by
   this same snapshot (a resumed batch) is dropped and replaced, keeping "added"; an
   older one is closed at this snapshot.
2. `commit_versions`: in one transaction that holds the snapshot as still building (a
   concurrent discard or publish waits, a closed snapshot refuses the write), drop,
   close, and insert the new versions.

Writing the same items twice is a no-op, so resumed work is idempotent.
"""

from collections.abc import Callable, Container, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db import models, transaction

from vault.models import Snapshot

ADDED = "added"
T = TypeVar("T")


class SnapshotClosed(Exception):
    """The snapshot is no longer building (published or discarded): nothing is written."""


@dataclass(frozen=True, slots=True)
class CurrentVersion:
    """What the routine needs of an item's current version."""

    id: int
    content_hash: bytes
    valid_from: int
    change: str
    # A deleted version (a hard-deleted record, a component no longer in the org).
    gone: bool = False
    # The record's state (present, soft_deleted, ...); "" for metadata.
    state: str = ""


@dataclass
class VersionPlan(Generic[T]):
    new: list[tuple[T, bytes, str]] = field(default_factory=list)  # (item, hash, change)
    to_drop: list[int] = field(default_factory=list)
    to_close: list[int] = field(default_factory=list)


def plan_versions(
    items: Iterable[tuple[T, bytes]],
    *,
    seq: int,
    current: Mapping[Any, CurrentVersion],
    key: Callable[[T], Hashable],
    change_of: Callable[[T, CurrentVersion | None], str],
    suppressed: Container[Hashable] = (),
) -> VersionPlan[T]:
    """`items` are (item, content hash) pairs; `current` maps keys to current versions.
    Keys in `suppressed` (records purged with the suppression option,
    vault.suppression) are never stored again."""
    plan: VersionPlan[T] = VersionPlan()
    seen: set[Hashable] = set()
    for item, digest in items:
        item_key = key(item)
        if item_key in seen or item_key in suppressed:
            continue  # the same item twice in one batch: keep the first
        seen.add(item_key)
        row = current.get(item_key)
        if row is not None and not row.gone and row.content_hash == digest:
            continue
        change = change_of(item, row)
        if row is not None and row.valid_from == seq:
            # Re-written within the same snapshot (a resumed batch saw a newer copy).
            plan.to_drop.append(row.id)
            if row.change == ADDED:
                change = ADDED
        elif row is not None:
            plan.to_close.append(row.id)
        plan.new.append((item, digest, change))
    return plan


def lock_building(snapshot: Snapshot) -> None:
    """Inside a transaction: make sure the snapshot is still building (and hold it so a
    concurrent discard waits), or raise SnapshotClosed."""
    if (
        not Snapshot.objects.select_for_update()
        .filter(pk=snapshot.pk, status=Snapshot.Status.BUILDING)
        .exists()
    ):
        raise SnapshotClosed(
            f"Snapshot {snapshot.seq} is no longer being built; this write was dropped."
        )


def commit_versions(
    *,
    snapshot: Snapshot,
    model: type[models.Model],
    plan: VersionPlan[Any],
    insert: Callable[[], object],
) -> None:
    """Drop, close and insert (`insert()` writes the new rows) in one transaction, only
    while the snapshot is still building."""
    with transaction.atomic():
        lock_building(snapshot)
        manager = model._default_manager
        if plan.to_drop:
            manager.filter(id__in=plan.to_drop).delete()
        if plan.to_close:
            manager.filter(id__in=plan.to_close, valid_to__isnull=True).update(
                valid_to=snapshot.seq
            )
        insert()
