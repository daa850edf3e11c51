"""Rows for the notification tests: an org, finished jobs with per-object counters,
and one of each tenant-scoped row for the tenant-isolation walk."""

from datetime import datetime, timedelta

from django.utils import timezone

from jobs.models import Job, JobObject
from notifications.models import AnomalyRule, CustomRule, Recipient
from orgs.models import Org


def make_org(tenant, name: str = "Acme Prod") -> Org:
    from common.crypto import key_fingerprint, new_data_key, wrap_data_key

    tenant_key = new_data_key()
    return Org.objects.create(
        tenant=tenant,
        name=name,
        org_type=Org.OrgType.PRODUCTION,
        login_url="https://login.example.com",
        status=Org.Status.CONNECTED,
        key_fingerprint=key_fingerprint(tenant_key),
        tenant_key_wrapped=b"unused",
        data_key_wrapped=wrap_data_key(tenant_key, new_data_key()),
    )


def finished_job(
    org: Org,
    counts: dict[str, tuple[int, int, int]],
    *,
    finished_at: datetime | None = None,
    status: str = Job.Status.COMPLETED,
    operation: str = "composite_backup",
    name: str = "Nightly backup",
) -> Job:
    """A job that ended with `status`; `counts` maps object -> (added, changed, deleted)."""
    finished_at = finished_at or timezone.now()
    job = Job.objects.create(
        tenant_id=org.tenant_id,
        org=org,
        operation=operation,
        name=name,
        status=status,
        started_at=finished_at - timedelta(minutes=5),
        finished_at=finished_at,
    )
    for object_name, (added, changed, deleted) in counts.items():
        JobObject.objects.create(
            job=job,
            object_name=object_name,
            status=JobObject.Status.COMPLETED,
            records=added + changed,
            added=added,
            changed=changed,
            deleted=deleted,
        )
    Job.objects.filter(pk=job.pk).update(
        added=sum(c[0] for c in counts.values()),
        changed=sum(c[1] for c in counts.values()),
        deleted=sum(c[2] for c in counts.values()),
    )
    job.refresh_from_db()
    return job


def isolation_recipient(a) -> Recipient:
    return Recipient.objects.get_or_create(org=a.org, email="ops@a.example")[0]


def isolation_rule(a) -> CustomRule:
    return CustomRule.objects.get_or_create(
        org=a.org, object_name="Contact", change="deleted", comparison="more_than", threshold=10
    )[0]


def isolation_anomaly_rule(a) -> AnomalyRule:
    return AnomalyRule.objects.get_or_create(org=a.org, object_name="Contact")[0]
