"""Reads behind Settings → General (the caller has already scoped `org` to its tenant)."""

from jobs.models import Job
from orgs.models import ObjectCatalogEntry, Org


def running_job_ids(*, org: Org) -> list[int]:
    """Ids of the org's jobs that are queued or in progress (they block deletion)."""
    return list(
        Job.objects.filter(org=org, status__in=[Job.Status.QUEUED, Job.Status.IN_PROGRESS])
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def catalog_size(*, org: Org) -> int:
    return ObjectCatalogEntry.objects.filter(org=org).count()
