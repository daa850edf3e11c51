"""The Restore page (requests and a one-page create form), Run / Dry run, and a restore
job's Review tab with its per-record results (and their CSV).

Every view finds the org through orgs.selectors.org_get (another tenant's id is 404).
"""

import csv
from itertools import chain

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from common.pagination import paginate
from jobs.views import get_job, render_job_tab
from orgs.selectors import org_get
from restores import selectors, services
from restores.forms import RestoreRequestForm
from tenants.access import admin_required


@login_required
def restore_page(request, org_id: int):
    org = org_get(tenant=request.user.tenant, org_id=org_id)
    form = RestoreRequestForm(request.POST or None, org=org)
    if request.method == "POST":
        if not request.user.is_tenant_admin:
            return render(request, "tenants/forbidden.html", status=403)
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = services.restore_request_create(
                    org=org, correct_job=data["correct_job"],
                    compromised_job=data["compromised_job"] or None, objects=data["objects"],
                    filters=data["filters"], fields=data["field_lists"], name=data["name"],
                    created_by=request.user,
                )  # fmt: skip
            except ValueError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Restore request {created.pk} saved (valid 7 days).")
                return redirect("restores:restore", org_id=org.pk)
    context = {
        "org": org,
        "form": form,
        "active_nav": "restore",
        "pagination": paginate(request, selectors.request_list(org=org), default_per_page=25),
        "now": timezone.now(),
    }
    return render(request, "restores/restore.html", context)


@require_POST
@admin_required
def restore_run(request, org_id: int, request_id: int):
    org = org_get(tenant=request.user.tenant, org_id=org_id)
    restore_request = selectors.request_get(org=org, request_id=request_id)
    dry_run = request.POST.get("dry_run") == "1"
    try:
        job = services.restore_start(
            request=restore_request, dry_run=dry_run, created_by=request.user
        )
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("restores:restore", org_id=org.pk)
    messages.success(request, f"{'Dry run' if dry_run else 'Restore'} queued as Job {job.pk}.")
    return redirect("restores:job_review", org_id=org.pk, job_id=job.pk)


def _restore_job(request, org_id: int, job_id: int):
    """The tenant's job; any job of the org (a job that is not a restore has no results)."""
    return get_job(request, org_id, job_id)


@login_required
def job_review(request, org_id: int, job_id: int):
    job = _restore_job(request, org_id, job_id)
    records = selectors.records_for_job(job=job).order_by("object_name", "id")
    context = {
        "run": selectors.run_for_job(job=job),
        "counts": selectors.counts_for_job(job=job),
        "pagination": paginate(request, records, default_per_page=50),
    }
    return render_job_tab(request, job, "review", "restores/job_review.html", context, live=True)


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def job_results_csv(request, org_id: int, job_id: int):
    job = _restore_job(request, org_id, job_id)
    writer = csv.writer(_Echo())
    header = [
        writer.writerow(
            ["Object", "Original Id", "New Id", "Action", "Status", "Error code", "Error message"]
        )
    ]
    rows = (
        writer.writerow(
            [
                r.object_name,
                r.original_id,
                r.new_id,
                r.action,
                r.status,
                r.error_code,
                r.error_message,
            ]
        )  # fmt: skip
        for r in selectors.records_for_job(job=job).order_by("object_name", "id").iterator()
    )
    response = StreamingHttpResponse(chain(header, rows), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="job-{job.pk}-restore-results.csv"'
    return response
