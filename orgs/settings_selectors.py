"""Reads behind Settings → General (the caller has already scoped `org` to its tenant)."""

from orgs.hooks import active_job_ids
from orgs.models import ObjectCatalogEntry, Org


def running_job_ids(*, org: Org) -> list[int]:
    """Ids of the org's jobs that are queued or in progress (they block deletion)."""
    return active_job_ids(org=org)


def catalog_size(*, org: Org) -> int:
    return ObjectCatalogEntry.objects.filter(org=org).count()
