"""Rows for export tests and the tenant-isolation walk."""

from datetime import timedelta

from django.utils import timezone

from exports.models import Export
from jobs.models import Job


def make_export(org, *, expires_in: timedelta | None = None, **fields) -> Export:
    """An export job's row with no stored file (the download page says it is gone)."""
    job = Job.objects.create(
        org=org, tenant_id=org.tenant_id, operation="export", name="Export",
        status=Job.Status.COMPLETED,
    )  # fmt: skip
    now = timezone.now()
    return Export.objects.create(
        tenant_id=org.tenant_id,
        org=org,
        job=job,
        snapshot_seq=1,
        file_name="download-Org_A-20260101-000000.zip",
        expires_at=now + expires_in if expires_in is not None else None,
        **fields,
    )


def isolation_export(a) -> Export:
    if "export" not in a.__dict__:
        a.__dict__["export"] = make_export(a.org, expires_in=timedelta(days=-1))
    return a.__dict__["export"]
