"""The Export page (create form and history), a job's Download tab, the download.

Every view finds the org through orgs.selectors.org_get (another tenant's id is 404).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from common.pagination import paginate
from exports import selectors, services
from exports.engine import zip_stream
from exports.forms import ExportForm
from jobs.views import get_job, render_job_tab
from orgs.selectors import org_get
from tenants.audit import Action, audit_record
from tenants.permissions import forbidden, user_can


@login_required
def export_page(request, org_id: int):
    org = org_get(tenant=request.user.tenant, org_id=org_id)
    form = ExportForm(request.POST or None, org=org)
    if request.method == "POST":
        if not user_can(request.user, "export"):
            return forbidden(request, "export")
        if form.is_valid():
            data = form.cleaned_data
            try:
                job = services.export_start(
                    org=org, as_of_job=data["as_of_job"], objects=data["objects"],
                    filters=data["filters"], fields=data["field_lists"], format=data["format"],
                    rules=data["rules"], children=data["children"],
                    include_files=data["include_files"], created_by=request.user,
                    archives_from=str(data["archives_from"] or ""),
                    archives_to=str(data["archives_to"] or ""),
                )  # fmt: skip
            except ValueError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Export queued as Job {job.pk}.")
                return redirect("jobs:job", org_id=org.pk, job_id=job.pk)
    context = {
        "org": org,
        "form": form,
        "active_nav": "export",
        "pagination": paginate(request, selectors.export_list(org=org), default_per_page=25),
        "now": timezone.now(),
    }
    return render(request, "exports/export.html", context)


@login_required
def job_download(request, org_id: int, job_id: int):
    job = get_job(request, org_id, job_id)
    context = {"export": selectors.export_for_job(job=job), "now": timezone.now()}
    return render_job_tab(request, job, "download", "exports/job_download.html", context, live=True)


@login_required
def export_download(request, org_id: int, export_id: int):
    org = org_get(tenant=request.user.tenant, org_id=org_id)
    export = selectors.export_get(org=org, export_id=export_id)
    if not user_can(request.user, "export"):
        return forbidden(request, "export")
    if not export.is_ready or export.is_expired():
        context = {"org": org, "export": export, "active_nav": "export"}
        return render(request, "exports/gone.html", context, status=410)
    services.export_record_download(export=export, user=request.user)
    audit_record(
        tenant=org.tenant_id,
        action=Action.DOWNLOAD,
        request=request,
        target=f"Export {export.pk}",
        detail={"org": org.pk, "job": export.job_id, "file": export.file_name},
    )
    response = StreamingHttpResponse(zip_stream(export, org=org), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export.file_name}"'
    return response
