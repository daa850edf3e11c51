"""Rows for restore tests and the tenant-isolation walk."""

from datetime import timedelta

from django.utils import timezone

from jobs.models import Job
from restores.models import RestoreRecord, RestoreRequest, RestoreRun


def make_request(org, **fields) -> RestoreRequest:
    now = timezone.now()
    defaults = {
        "name": "Restore Accounts",
        "correct_seq": 1,
        "object_names": ["Account"],
        "expires_at": now + timedelta(days=7),
    }
    return RestoreRequest.objects.create(tenant_id=org.tenant_id, org=org, **{**defaults, **fields})


def make_run(request: RestoreRequest) -> Job:
    """A finished restore job with one result per action."""
    job = Job.objects.create(
        org=request.org, tenant_id=request.tenant_id, operation="restore",
        name="Restore", status=Job.Status.COMPLETED,
    )  # fmt: skip
    RestoreRun.objects.create(
        job=job, request=request,
        counts={"Account": {"undelete": 1, "insert": 1, "update": 1, "unchanged": 4}},
        read_calls=2, write_calls=3,
    )  # fmt: skip
    for action, status, new_id in (
        ("update", "success", ""),
        ("undelete", "success", ""),
        ("insert", "failed", ""),
    ):
        RestoreRecord.objects.create(
            job=job, request=request, object_name="Account",
            original_id=f"001000000000{action[:3].upper()}AAA"[:18], new_id=new_id,
            action=action, status=status,
            error_code="REQUIRED_FIELD_MISSING" if status == "failed" else "",
            error_message="Required fields are missing: [Name]" if status == "failed" else "",
        )  # fmt: skip
    return job


def isolation_request(a) -> RestoreRequest:
    if "restore_request" not in a.__dict__:
        a.__dict__["restore_request"] = make_request(a.org)
    return a.__dict__["restore_request"]
