"""A job's Metadata tab: types with component counts -> a type's components -> one
component's properties, files and diff against any earlier version.

The job comes from jobs.selectors.job_get(org=...) through backups.views._job, and
versions from vault.metadata_selectors scoped by that org, so another tenant's ids 404.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404

from backups import metadata_selectors as selectors
from backups.views import _job, _tab
from common.pagination import paginate
from vault.metadata_selectors import metadata_components, metadata_version_get
from vault.models import MetadataComponentVersion

SHOW = ["all", *MetadataComponentVersion.Change.values]


def _seq(job) -> int:
    seq, reason = selectors.metadata_seq(job=job)
    if seq is None:
        raise Http404(reason)
    return seq


@login_required
def job_metadata(request, org_id: int, job_id: int):
    job = _job(request, org_id, job_id)
    seq, reason = selectors.metadata_seq(job=job)
    q, sort = request.GET.get("q", ""), request.GET.get("sort", "metadata_type")
    rows = selectors.type_rows(job=job, seq=seq, search=q, sort=sort) if seq else []
    total = sum(r.total for r in rows)
    context = {"rows": rows, "q": q, "sort": sort, "reason": reason, "total": total}
    return _tab(request, job, "metadata", "metadata/types.html", context)


@login_required
def job_metadata_type(request, org_id: int, job_id: int, metadata_type: str):
    job = _job(request, org_id, job_id)
    seq = _seq(job)
    counts = selectors.type_count(job=job, seq=seq, metadata_type=metadata_type)
    show = request.GET.get("show") if request.GET.get("show") in SHOW else "all"
    q, sort = request.GET.get("q", ""), request.GET.get("sort", "full_name")
    change = None if show == "all" else show
    rows = metadata_components(
        org=job.org, seq=seq, metadata_type=metadata_type, change=change, search=q, order=sort
    )
    pagination = paginate(request, rows, default_per_page=25, allowed=(25, 50, 100))
    opened = selectors.open_versions(org=job.org, versions=pagination)
    context = {"metadata_type": metadata_type, "counts": counts, "seq": seq}
    context.update(pagination=pagination, opened=opened, show=show, q=q, sort=sort)
    return _tab(request, job, "metadata", "metadata/components.html", context)


@login_required
def job_metadata_component(request, org_id: int, job_id: int, metadata_type: str, version_id: int):
    job = _job(request, org_id, job_id)
    version = metadata_version_get(org=job.org, metadata_type=metadata_type, version_id=version_id)
    context = selectors.component_context(
        job=job, version=version, compare_id=request.GET.get("compare")
    )
    return _tab(request, job, "metadata", "metadata/component.html", context)
