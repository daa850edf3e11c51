"""Page-level reads for Backup & Archive: they compose jobs.selectors and vault.selectors
and never touch another app's tables directly. Every function takes an `org` obtained
through orgs.selectors.org_get(tenant=..., org_id=...) or a `job` obtained through
jobs.selectors.job_get(org=..., job_id=...), so a foreign tenant's ids 404 earlier.

- `history_days(*, org, days=14) -> list[DaySummary]` — the strip of the last days.
- `object_records(*, job, object_name, change=None, search="")` — the versions a job
  wrote for one object, filtered by change kind and by record Id.
- `decrypt_payloads(*, org, versions) -> Payloads` — fields of a page of versions, or a
  readable error when the key or the storage cannot give them.
- `record_version_rows(*, org, object_name, record_id) -> list[VersionRow]` — a
  record's versions with the job that wrote each (two queries).
- `version_for_job(*, rows, job) -> VersionRow | None` — the version a job saw.
- `compare_fields(*, left, right, show_identical) -> list[FieldDiff]`.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

from common.crypto import CryptoError
from jobs.models import Job
from jobs.selectors import job_list, job_recent
from orgs.services import OrgKeyError, org_data_key
from vault.models import RecordVersion
from vault.selectors import job_changes, record_versions, version_payloads

# Worst first: the strip shows the worst status of a day.
STATUS_SEVERITY: dict[str, int] = {
    Job.Status.ERROR: 4,
    Job.Status.ABORTED: 3,
    Job.Status.IN_PROGRESS: 2,
    Job.Status.QUEUED: 1,
    Job.Status.COMPLETED: 0,
}


@dataclass
class DaySummary:
    day: date
    count: int = 0
    worst: str = ""

    @property
    def worst_label(self) -> str:
        return Job.Status(self.worst).label if self.worst else "No jobs"


def history_days(*, org, days: int = 14) -> list[DaySummary]:
    """One entry per day (in the active time zone, the tenant's: oldest first, today
    last) with its job count and worst status."""
    today = timezone.localdate()
    summaries = {
        today - timedelta(days=n): DaySummary(day=today - timedelta(days=n))
        for n in range(days - 1, -1, -1)
    }
    for status, created_at in job_recent(org=org, days=days).values_list("status", "created_at"):
        summary = summaries.get(timezone.localdate(created_at))
        if summary is None:
            continue
        summary.count += 1
        if not summary.worst or STATUS_SEVERITY[status] > STATUS_SEVERITY[summary.worst]:
            summary.worst = status
    return list(summaries.values())


def object_records(*, job, object_name: str, change: str | None = None, search: str = ""):
    rows = job_changes(job=job, object_name=object_name, change=change or None)
    if search.strip():
        rows = rows.filter(record_id__icontains=search.strip())
    return rows.order_by("record_id", "id")


@dataclass
class Payloads:
    fields: dict[int, dict] = field(default_factory=dict)
    error: str = ""

    def get(self, version_id: int) -> dict:
        return self.fields.get(version_id, {})


def decrypt_payloads(*, org, versions) -> Payloads:
    """Decrypt only the given versions (one storage read per segment)."""
    versions = list(versions)
    if not versions:
        return Payloads()
    try:
        data_key = org_data_key(org)
        return Payloads(fields=version_payloads(org=org, versions=versions, data_key=data_key))
    except OrgKeyError as exc:
        return Payloads(error=f"{exc} Record fields cannot be shown.")
    except CryptoError:
        return Payloads(
            error="The stored records could not be decrypted with this org's key. "
            "Record fields cannot be shown; check that the org's key was not replaced."
        )
    except OSError as exc:
        return Payloads(
            error=f"The backup storage could not be read ({exc.__class__.__name__}). "
            "Record fields cannot be shown; check the org's storage settings."
        )


@dataclass
class VersionRow:
    version: RecordVersion
    job: Job | None

    @property
    def label(self) -> str:
        when = self.when and timezone.localtime(self.when).strftime("%Y-%m-%d %H:%M %Z")
        when = when or "unknown date"
        job = f"Job {self.job.pk} {self.job.name}" if self.job else "a deleted job"
        return f"Snapshot {self.version.valid_from} · {when} · {job} · {self.change_label}"

    @property
    def when(self):
        if self.job is None:
            return None
        return self.job.started_at or self.job.created_at

    @property
    def change_label(self) -> str:
        return self.version.get_change_display()


def record_version_rows(*, org, object_name: str, record_id: str) -> list[VersionRow]:
    versions = record_versions(org=org, object_name=object_name, record_id=record_id)
    job_ids = {v.job_id for v in versions if v.job_id}
    jobs = job_list(org=org).filter(pk__in=job_ids).in_bulk() if job_ids else {}
    return [VersionRow(version=v, job=jobs.get(v.job_id)) for v in versions]


def version_for_job(*, rows: list[VersionRow], job, seq: int | None) -> VersionRow | None:
    """The version `job` wrote, else the one valid in snapshot `seq`, else the newest."""
    for row in rows:
        if row.version.job_id == job.pk:
            return row
    if seq is not None:
        for row in rows:
            v = row.version
            if v.valid_from <= seq and (v.valid_to is None or v.valid_to > seq):
                return row
    return rows[-1] if rows else None


@dataclass(frozen=True)
class FieldDiff:
    name: str
    left: object
    right: object

    @property
    def changed(self) -> bool:
        return self.left != self.right


def compare_fields(*, left: dict, right: dict, show_identical: bool) -> list[FieldDiff]:
    """Every field of either version, in the left version's order; identical ones only if asked."""
    names = list(left) + [name for name in right if name not in left]
    diffs = [FieldDiff(name, left.get(name), right.get(name)) for name in names]
    return diffs if show_identical else [d for d in diffs if d.changed]
