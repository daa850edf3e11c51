"""Rows for the tenant-isolation walk: a finished search and a purge requested from it."""

from jobs.models import Job
from search.models import Purge, Search


def isolation_search(a) -> Search:
    if "search" not in a.__dict__:
        job = Job.objects.create(
            org=a.org, tenant_id=a.tenant.pk, operation="search_request", name="Search",
            status=Job.Status.COMPLETED,
        )  # fmt: skip
        a.__dict__["search"] = Search.objects.create(
            tenant=a.tenant, org=a.org, job=job, object_name="Contact",
            filter_text="Email = 'someone@a.example'",
        )  # fmt: skip
    return a.__dict__["search"]


def isolation_purge(a) -> Purge:
    if "purge" not in a.__dict__:
        search = isolation_search(a)
        a.__dict__["purge"] = Purge.objects.create(
            tenant=a.tenant, org=a.org, search=search, requested_by=a.admin
        )
    return a.__dict__["purge"]
