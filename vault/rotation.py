"""Re-encrypting an org's vault after a key rotation (orgs/key_services.py adds the key).

    rotation = rotation_start(org=org, actor=user)   # after org_key_add; queues the job
    rotation_step(rotation)                          # one chunk; True while work is left
    rotation_run(rotation)                           # every chunk inline (tests, commands)

From the moment a key is added, new segments and blobs are written with it (the org's
`common.crypto.Keyring` writes with the active key). The rotation job rewrites the rest
in chunks of `CHUNK` objects, each one in place (same storage key, so readers see the
old or the new bytes, never a missing object; decryption picks the key each ciphertext
names): segments, then blobs, then the sealed metadata rows. Progress and the cursor
are saved after every chunk, so a stopped job resumes where it was. It takes no lock on
the vault: backups keep writing meanwhile; a backup that began with the old key and is
still building makes the job wait, then a last pass rewrites what it wrote. When a full
check finds nothing written with a replaced key, that key is retired (its wrapped keys
are erased; only its fingerprint and dates stay).

django-q2 runs the chunks (`rotation_chunk_task`, each queues the next one).
"""

import contextlib
import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from common.crypto import CryptoError, ciphertext_key_id
from common.storage import StorageLocked, VaultS3Storage, org_storage, storage_overwrite
from orgs.key_models import OrgKey
from orgs.key_services import audit, org_key_retire
from orgs.keys import OrgKeyError, org_data_key
from vault import codec
from vault.hooks import key_retiring
from vault.metadata_services import sealed_aad_key
from vault.models import Blob, MetadataComponentVersion, Segment, Snapshot
from vault.rotation_models import KeyRotation

logger = logging.getLogger(__name__)

CHUNK = 200
PHASES = ("segments", "blobs", "metadata")


def _total(org) -> int:
    return (
        Segment.objects.filter(org=org).count()
        + Blob.objects.filter(org=org).count()
        + MetadataComponentVersion.objects.filter(org=org).count()
    )


def rotation_latest(*, org) -> KeyRotation | None:
    return KeyRotation.objects.filter(org=org).first()


def rotation_start(*, org, actor=None, enqueue: bool = True) -> KeyRotation:
    """Start re-encrypting everything with the org's active key (a running rotation to
    an older key is superseded: this one covers its work too)."""
    ring = org_data_key(org)
    key_id = getattr(ring, "write_id", b"").hex()
    if not key_id:
        raise OrgKeyError("This org has never rotated its key: there is nothing to re-encrypt.")
    with transaction.atomic():
        KeyRotation.objects.filter(
            org=org, status__in=[KeyRotation.Status.RUNNING, KeyRotation.Status.WAITING]
        ).update(status=KeyRotation.Status.SUPERSEDED, finished_at=timezone.now())
        rotation = KeyRotation.objects.create(
            org=org,
            key_id=key_id,
            total=_total(org),
            started_by=actor if getattr(actor, "pk", None) else None,
        )
        if enqueue:
            transaction.on_commit(lambda: _enqueue(rotation.pk))
    audit(
        org=org,
        action="org.key_rotation_started",
        actor=actor,
        detail={"rotation": rotation.pk, "objects": rotation.total},
    )
    return rotation


def _enqueue(rotation_id: int) -> None:
    from django_q.tasks import async_task

    async_task("vault.rotation.rotation_chunk_task", rotation_id, group="key-rotation")


def rotation_chunk_task(rotation_id: int) -> None:
    """One chunk, then queue the next one (a waiting rotation re-checks in its turn)."""
    rotation = KeyRotation.objects.filter(pk=rotation_id).first()
    if rotation is None or rotation.status not in (
        KeyRotation.Status.RUNNING,
        KeyRotation.Status.WAITING,
    ):
        return
    if rotation_step(rotation):
        if rotation.status == KeyRotation.Status.WAITING:
            from django_q.tasks import schedule

            schedule(
                "vault.rotation.rotation_chunk_task",
                rotation_id,
                schedule_type="O",
                # A backup finishes soon; an Object Lock lasts days: ask less often.
                next_run=timezone.now()
                + (
                    timedelta(hours=6)
                    if "Object Lock" in rotation.message
                    else timedelta(seconds=30)
                ),
                name=f"key-rotation-{rotation_id}-{timezone.now():%H%M%S%f}",
            )
        else:
            _enqueue(rotation_id)


STALE_AFTER = timedelta(minutes=15)


def rotation_resume_stale() -> int:
    """Queue again every running rotation with no progress for STALE_AFTER (its chain
    of tasks broke: a worker died mid-chunk). Work resumes at the saved cursor."""
    stale = KeyRotation.objects.filter(
        status=KeyRotation.Status.RUNNING, updated_at__lt=timezone.now() - STALE_AFTER
    )
    resumed = 0
    for rotation_id in stale.values_list("pk", flat=True):
        KeyRotation.objects.filter(pk=rotation_id).update(updated_at=timezone.now())
        _enqueue(rotation_id)
        resumed += 1
    return resumed


def rotation_run(rotation: KeyRotation, *, max_steps: int = 100_000) -> KeyRotation:
    """Every chunk in this process (tests, `vault_rotate`); stops when done or waiting."""
    for _ in range(max_steps):
        if not rotation_step(rotation) or rotation.status == KeyRotation.Status.WAITING:
            break
    return rotation


def rotation_step(rotation: KeyRotation, *, limit: int = CHUNK) -> bool:
    """Rewrite up to `limit` objects; True while there is more to do (or to wait for)."""
    rotation.refresh_from_db()
    if rotation.status not in (KeyRotation.Status.RUNNING, KeyRotation.Status.WAITING):
        return False
    org = rotation.org
    try:
        ring = org_data_key(org)
    except OrgKeyError as exc:
        return _fail(rotation, str(exc))
    if getattr(ring, "write_id", b"").hex() != rotation.key_id:
        rotation.status = KeyRotation.Status.SUPERSEDED
        rotation.finished_at = timezone.now()
        rotation.save(update_fields=["status", "finished_at"])
        return False
    if rotation.phase == "final":
        return _finish(rotation, ring)
    storage = org_storage(org)
    handled = 0
    try:
        handled = _rewrite_chunk(rotation, org, ring, storage, limit)
    except StorageLocked as exc:
        return _fail(
            rotation,
            f"{exc}. The old key is kept until every locked version has expired; run the "
            "rotation again then.",
        )
    except (CryptoError, OSError) as exc:
        return _fail(rotation, f"Could not re-encrypt the vault: {exc}")
    rotation.updated_at = timezone.now()
    if handled < limit:
        index = PHASES.index(rotation.phase)
        rotation.phase = PHASES[index + 1] if index + 1 < len(PHASES) else "final"
        rotation.cursor = 0
    rotation.save()
    return True


def _rewrite_chunk(rotation, org, ring, storage, limit: int) -> int:
    key_id = rotation.key_id
    if rotation.phase in ("segments", "blobs"):
        model = Segment if rotation.phase == "segments" else Blob
        rows = list(
            model.objects.filter(org=org, pk__gt=rotation.cursor)
            .order_by("pk")
            .values_list("pk", "storage_key")[:limit]
        )
        for pk, storage_key in rows:
            if _reencrypt_file(org, ring, storage, model, pk, storage_key, key_id):
                rotation.rewritten += 1
            rotation.cursor = pk
            rotation.done += 1
        return len(rows)
    sealed_rows = list(
        MetadataComponentVersion.objects.filter(org=org, pk__gt=rotation.cursor)
        .order_by("pk")
        .values_list("pk", "metadata_type", "full_name", "sealed")[:limit]
    )
    for pk, metadata_type, full_name, stored in sealed_rows:
        sealed = bytes(stored)
        if ciphertext_key_id(sealed) != key_id:
            aad_key = sealed_aad_key(org.pk, metadata_type, full_name)
            plaintext = codec.unseal(data_key=ring, org_id=org.pk, storage_key=aad_key, blob=sealed)
            fresh = codec.seal(
                data_key=ring, org_id=org.pk, storage_key=aad_key, plaintext=plaintext
            )
            MetadataComponentVersion.objects.filter(pk=pk, sealed=sealed).update(sealed=fresh)
            rotation.rewritten += 1
        rotation.cursor = pk
        rotation.done += 1
    return len(sealed_rows)


def _reencrypt_file(org, ring, storage, model, pk: int, storage_key: str, key_id: str) -> bool:
    """Rewrite one stored object with the active key, in place. False if it already was."""
    try:
        with storage.open(storage_key, "rb") as handle:
            sealed = handle.read()
    except FileNotFoundError:
        return False  # deleted meanwhile (retention, erasure)
    if ciphertext_key_id(sealed) == key_id:
        return False
    plaintext = codec.unseal(data_key=ring, org_id=org.pk, storage_key=storage_key, blob=sealed)
    fresh = codec.seal(data_key=ring, org_id=org.pk, storage_key=storage_key, plaintext=plaintext)
    # On a locked bucket the new version is written and the old one is waited for (_finish).
    with contextlib.suppress(StorageLocked):
        storage_overwrite(storage, storage_key, fresh)
    size_field = "byte_size" if model is Segment else "stored_bytes"
    if not model.objects.filter(pk=pk, storage_key=storage_key).update(**{size_field: len(fresh)}):
        storage.delete(storage_key)  # its row went while we rewrote it: leave nothing behind
    return True


def _fail(rotation: KeyRotation, message: str) -> bool:
    rotation.status = KeyRotation.Status.FAILED
    rotation.message = message
    rotation.finished_at = timezone.now()
    rotation.save(update_fields=["status", "message", "finished_at"])
    logger.warning("key rotation %s of org %s failed: %s", rotation.pk, rotation.org_id, message)
    return False


def _finish(rotation: KeyRotation, ring) -> bool:
    """Wait for backups that began before the key changed, re-check everything written
    since, then retire the replaced keys."""
    org = rotation.org
    older = Snapshot.objects.filter(
        org=org, status=Snapshot.Status.BUILDING, created_at__lt=_activated_at(org)
    )
    if older.exists():
        rotation.status = KeyRotation.Status.WAITING
        rotation.message = "Waiting for a backup that began with the old key to finish."
        rotation.save(update_fields=["status", "message"])
        return True
    storage = org_storage(org)
    locked = _old_versions_locked(org, storage)
    if locked is not None:
        rotation.status = KeyRotation.Status.WAITING
        rotation.message = (
            f"Older versions of some files, encrypted with the old key, are locked by S3 "
            f"Object Lock until {locked:%Y-%m-%d %H:%M} UTC; the old key is retired after "
            "they are deleted then."
        )
        rotation.save(update_fields=["status", "message"])
        return True
    left = key_usage(org=org, keep_key_id=rotation.key_id, storage=storage)
    if left:
        # Written by a backup while the passes ran: one more pass over everything.
        rotation.status = KeyRotation.Status.RUNNING
        rotation.phase, rotation.cursor = PHASES[0], 0
        rotation.total, rotation.done = rotation.total + _total(org), rotation.done
        rotation.save()
        return True
    old_ids = list(
        OrgKey.objects.filter(org=org, status=OrgKey.Status.RETIRING).values_list(
            "data_key_id", flat=True
        )
    )
    reasons = [
        reason
        for answer in key_retiring.fire(org=org, data_key=ring, old_key_ids=old_ids)
        for reason in (answer or [])
    ]
    if reasons:
        rotation.status = KeyRotation.Status.WAITING
        rotation.message = "The old key is kept a while: " + " ".join(reasons)
        rotation.save(update_fields=["status", "message"])
        return True
    retired = []
    for key in OrgKey.objects.filter(org=org, status=OrgKey.Status.RETIRING):
        org_key_retire(org=org, key=key, actor=rotation.started_by)
        retired.append(key.fingerprint)
    rotation.status = KeyRotation.Status.DONE
    rotation.phase = "final"
    rotation.done = max(rotation.done, rotation.total)
    rotation.message = (
        f"Re-encrypted {rotation.rewritten} object(s); retired {len(retired)} key(s)."
    )
    rotation.finished_at = timezone.now()
    rotation.save()
    audit(
        org=org,
        action="org.key_rotated",
        actor=rotation.started_by,
        detail={"rotation": rotation.pk, "rewritten": rotation.rewritten, "retired": retired},
    )
    return False


def _old_versions_locked(org, storage):
    """On a versioned S3 bucket: delete the versions a rewrite left behind; the latest
    lock date of those that cannot be deleted yet, or None."""
    if not isinstance(storage, VaultS3Storage):
        return None
    latest = None
    for model in (Segment, Blob):
        for storage_key in model.objects.filter(org=org).values_list("storage_key", flat=True):
            try:
                storage.delete_versions(storage_key, keep_current=True)
            except StorageLocked as exc:
                if exc.until and (latest is None or exc.until > latest):
                    latest = exc.until
    return latest


def _activated_at(org):
    active = OrgKey.objects.filter(org=org, status=OrgKey.Status.ACTIVE).first()
    return active.activated_at if active and active.activated_at else timezone.now()


def key_usage(*, org, keep_key_id: str, storage=None) -> list[str]:
    """Storage keys / row names of the org's ciphertexts not written with `keep_key_id`
    (reads every segment's and blob's header and every sealed metadata row)."""
    storage = storage or org_storage(org)
    found = []
    for model in (Segment, Blob):
        for storage_key in model.objects.filter(org=org).values_list("storage_key", flat=True):
            try:
                with storage.open(storage_key, "rb") as handle:
                    head = handle.read(16)
            except FileNotFoundError:
                continue
            if ciphertext_key_id(head) != keep_key_id:
                found.append(storage_key)
    for pk, sealed in MetadataComponentVersion.objects.filter(org=org).values_list("pk", "sealed"):
        if ciphertext_key_id(bytes(sealed)) != keep_key_id:
            found.append(f"metadata version {pk}")
    return found
