"""The time machine of one record: its versions in the vault with who and when, any two
compared field by field, and a restore of the whole record or chosen fields from one
version — a small restore (a RestoreRequest scoped to the record, run by the restore
engine as any other restore job, so it is logged, counted and audited).

- `tm_versions(*, org, object_name, record_id) -> list[TmVersion]` — oldest first; 404
  when the org's vault holds no version of the record.
- `tm_compare(*, org, object_name, record_id, left_id, right_id, identical=False)` ->
  (left, right, [FieldDiff]) — the changed fields (every field with `identical`).
- `tm_restore(*, org, object_name, record_id, version_id, fields=None, user, request=None)
  -> Job` — queues the restore; ValueError with a message for the user.

The pages are restores/time_machine_views.py, the JSON API restores/api.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.http import Http404

from jobs.models import Job
from orgs.keys import org_data_key
from restores.services import restore_request_create, restore_start
from tenants.audit import audit_record
from vault.models import RecordVersion, Snapshot
from vault.selectors import record_versions, version_payloads

AUDIT_ACTION = "restore.time_machine"


@dataclass
class TmVersion:
    version: RecordVersion
    job_id: int | None
    backed_up_at: datetime | None
    fields: dict | None  # None when the payload could not be read

    @property
    def pk(self) -> int:
        return self.version.pk

    @property
    def restorable(self) -> bool:
        return self.version.state == RecordVersion.State.PRESENT and self.fields is not None

    @property
    def modified_by(self) -> str:
        return str((self.fields or {}).get("LastModifiedById") or "")

    @property
    def label(self) -> str:
        when = self.backed_up_at.strftime("%Y-%m-%d %H:%M") if self.backed_up_at else "?"
        return f"Snapshot {self.version.valid_from} · {when} · {self.version.get_state_display()}"

    def as_json(self) -> dict:
        v = self.version
        return {
            "version_id": v.pk,
            "snapshot": v.valid_from,
            "valid_to_snapshot": v.valid_to,
            "job_id": self.job_id,
            "backed_up_at": self.backed_up_at.isoformat() if self.backed_up_at else None,
            "change": v.change,
            "state": v.state,
            "last_modified": v.last_modified.isoformat() if v.last_modified else None,
            "last_modified_by": self.modified_by or None,
            "owner_id": v.owner_id or None,
            "restorable": self.restorable,
        }


@dataclass(frozen=True)
class FieldDiff:
    name: str
    left: object
    right: object

    @property
    def changed(self) -> bool:
        return self.left != self.right


def _check_id(record_id: str) -> str:
    if not record_id.isalnum() or len(record_id) not in (15, 18):
        raise Http404("Not a Salesforce record Id.")
    return record_id


def tm_versions(*, org, object_name: str, record_id: str) -> list[TmVersion]:
    versions = record_versions(org=org, object_name=object_name, record_id=_check_id(record_id))
    if not versions:
        raise Http404("The vault holds no version of this record.")
    snapshots = {
        s.seq: s
        for s in Snapshot.objects.filter(
            org=org, seq__in=[v.valid_from for v in versions]
        ).select_related("job")
    }
    try:
        payloads: dict[int, dict] | None = version_payloads(
            org=org, versions=versions, data_key=org_data_key(org)
        )
    except Exception:  # an unreadable vault: the list still shows who/when from the rows
        payloads = None
    out = []
    for v in versions:
        snapshot = snapshots.get(v.valid_from)
        job = snapshot.job if snapshot else None
        when = (
            (job.started_at or job.created_at)
            if job
            else (snapshot.created_at if snapshot else None)
        )
        fields = None if payloads is None else payloads.get(v.pk)
        out.append(TmVersion(v, job.pk if job else None, when, fields))
    return out


def _pick(versions: list[TmVersion], version_id) -> TmVersion:
    for entry in versions:
        if str(entry.pk) == str(version_id):
            return entry
    raise Http404("No such version of this record.")


def tm_compare(
    *, org, object_name: str, record_id: str, left_id=None, right_id=None, identical=False
) -> tuple[TmVersion, TmVersion, list[FieldDiff]]:
    """Left defaults to the newest version, right to the one before it."""
    versions = tm_versions(org=org, object_name=object_name, record_id=record_id)
    left = _pick(versions, left_id) if left_id else versions[-1]
    right = _pick(versions, right_id) if right_id else versions[max(0, len(versions) - 2)]
    lf, rf = left.fields or {}, right.fields or {}
    names = list(lf) + [n for n in rf if n not in lf]
    diffs = [FieldDiff(n, lf.get(n), rf.get(n)) for n in names if n != "attributes"]
    return left, right, diffs if identical else [d for d in diffs if d.changed]


def tm_restore(
    *,
    org,
    object_name: str,
    record_id: str,
    version_id,
    fields: list[str] | None = None,
    user=None,
    request=None,
    enqueue: bool = True,
) -> Job:
    versions = tm_versions(org=org, object_name=object_name, record_id=record_id)
    entry = _pick(versions, version_id)
    if not entry.restorable:
        raise ValueError(
            "Choose a version where the record existed (not a deleted one) to restore from."
        )
    chosen = [f for f in (fields or []) if f]
    unknown = [f for f in chosen if f not in (entry.fields or {})]
    if unknown:
        raise ValueError(f"This version has no field {', '.join(unknown)}.")
    snapshot = Snapshot.objects.filter(org=org, seq=entry.version.valid_from).first()
    if snapshot is None or snapshot.job_id is None:
        raise ValueError("The backup that holds this version no longer exists.")
    what = f"{len(chosen)} field(s) of" if chosen else "the whole"
    restore_request = restore_request_create(
        org=org,
        correct_job=snapshot.job_id,
        objects=[object_name],
        filters={object_name: f"Id = '{record_id}'"},
        fields={object_name: chosen} if chosen else None,
        name=f"Time machine: {what} {object_name} {record_id} as of snapshot {snapshot.seq}"[:200],
        created_by=user,
    )
    job = restore_start(request=restore_request, created_by=user, enqueue=enqueue)
    audit_record(
        tenant=org.tenant_id,
        action=AUDIT_ACTION,
        actor=user,
        request=request,
        target=f"Job {job.pk}",
        detail={
            "org_id": org.pk,
            "object": object_name,
            "record_id": record_id,
            "version_id": entry.pk,
            "snapshot": snapshot.seq,
            "fields": chosen or "all",
            "request_id": restore_request.pk,
        },
    )
    return job
