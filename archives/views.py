"""Backup & Archive → Create Templated Archive (choose an archive template, preview, run or
schedule), and an archive job's own tabs: Data (counts per object, archived records per
object with search, file downloads) and Results (per-record outcomes, CSV).

The org comes from orgs.selectors.org_get and the job from jobs.views.get_job (another
tenant's id is 404); templates from object_templates.selectors.template_get(org=...).
"""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect, render

from archives import selectors
from archives.forms import PreviewConfirmForm
from archives.models import ArchiveRecord
from archives.operations import ARCHIVE
from archives.preview import archive_preview
from archives.services import archive_confirm_check, archive_start, refusal_message
from common.pagination import paginate
from jobs.views import get_job, render_job_tab
from object_templates import selectors as template_selectors
from object_templates.models import ObjectTemplate
from object_templates.services import TemplateError
from orgs.keys import org_data_key
from orgs.selectors import org_get
from salesforce.errors import SalesforceConnectorError
from schedules.forms import ScheduleForm
from schedules.services import ScheduleError, org_time_zone, schedule_create
from schedules.views import schedule_fields_context
from tenants.permissions import permission_required_or_403
from vault.selectors import blob_read

NAV = "archive_create"


def _org(request, org_id: int):
    return org_get(tenant=request.user.tenant, org_id=org_id)


@permission_required_or_403("archive")
def create(request, org_id: int):
    org = _org(request, org_id)
    search = request.GET.get("q", "")
    templates = template_selectors.template_list(org=org, search=search).filter(
        kind=ObjectTemplate.Kind.ARCHIVE
    )
    context = {"org": org, "pagination": paginate(request, templates), "q": search}
    return render(request, "archives/create.html", {**context, "active_nav": NAV})


@permission_required_or_403("archive")
def preview(request, org_id: int, template_id: int):
    org = _org(request, org_id)
    template = template_selectors.template_get(org=org, template_id=template_id)
    if template.kind != ObjectTemplate.Kind.ARCHIVE:
        messages.error(request, f"{template.name} is a backup template: choose an archive one.")
        return redirect("archives:create", org_id=org.pk)
    form = PreviewConfirmForm(request.POST or None)
    schedule_form = ScheduleForm(request.POST or None, prefix="schedule", tz=org_time_zone(org))
    if request.method == "POST" and form.is_valid():
        settings = {"empty_recycle_bin": form.cleaned_data["empty_recycle_bin"]}
        try:
            archive_confirm_check(org=org, confirmation=form.cleaned_data["confirmation"])
            if request.POST.get("schedule") == "on":
                if schedule_form.is_valid():
                    schedule = schedule_create(
                        org=org,
                        operation=ARCHIVE,
                        name=template.name,
                        recurrence=schedule_form.spec(),
                        settings=settings,
                        template=template,
                        created_by=request.user,
                    )
                    messages.success(request, f"{schedule.name} is scheduled.")
                    return redirect("schedules:list", org_id=org.pk)
            else:
                job = archive_start(org=org, template=template, created_by=request.user, **settings)
                return redirect("jobs:job", org_id=org.pk, job_id=job.pk)
        except (ValueError, ScheduleError) as exc:
            form.add_error(None, str(exc))
    try:
        shown = archive_preview(template=template)
        error = ""
    except (TemplateError, SalesforceConnectorError) as exc:
        shown, error = None, str(exc)
    context = {"org": org, "template": template, "preview": shown, "error": error, "form": form}
    context.update(schedule_fields_context(org=org, form=schedule_form, prefix="schedule"))
    return render(request, "archives/preview.html", {**context, "active_nav": NAV})


# --- an archive job's tabs ----------------------------------------------------------------


@login_required
def job_data(request, org_id: int, job_id: int):
    job = get_job(request, org_id, job_id)
    counts = selectors.archive_counts(job=job)
    context = {"counts": counts, "summary": selectors.archive_summary(job=job)}
    return render_job_tab(request, job, "data", "archives/job_data.html", context, live=True)


@login_required
def job_object(request, org_id: int, job_id: int, object_name: str):
    job = get_job(request, org_id, job_id)
    search = request.GET.get("q", "").strip()
    rows = selectors.archive_records(job=job, object_name=object_name)
    pagination = paginate(request, rows, default_per_page=25, allowed=(25, 50, 100))
    records = list(pagination)
    payloads = selectors.archived_payloads(
        job=job, object_name=object_name, record_ids=[r.record_id for r in records]
    )
    if search:  # a search over the archived copies themselves (decrypted here, never stored)
        needle = search.lower()
        matches = selectors.archive_records(job=job, object_name=object_name)
        found = []
        for start in range(0, matches.count(), 500):
            chunk = list(matches[start : start + 500])
            texts = selectors.archived_payloads(
                job=job, object_name=object_name, record_ids=[r.record_id for r in chunk]
            )
            found += [
                r
                for r in chunk
                if needle in r.record_id.lower()
                or any(needle in str(v).lower() for v in texts.get(r.record_id, {}).values())
            ]
            payloads.update({r.record_id: texts.get(r.record_id, {}) for r in found})
        pagination = paginate(request, found, default_per_page=25, allowed=(25, 50, 100))
        records = list(pagination)
    shown = [
        (r, sorted((payloads.get(r.record_id) or {}).items())[:12], payloads.get(r.record_id))
        for r in records
    ]
    context = {"object_name": object_name, "pagination": pagination, "rows": shown, "q": search}
    return render_job_tab(request, job, "data", "archives/job_object.html", context)


@login_required
def job_file(request, org_id: int, job_id: int):
    """An archived file body: ?object=Attachment&id=00P...&field=Body."""
    job = get_job(request, org_id, job_id)
    object_name, record_id = request.GET.get("object", ""), request.GET.get("id", "")
    field = request.GET.get("field", "")
    if not (object_name and record_id and field):
        return HttpResponseBadRequest("Name the file: ?object=...&id=...&field=...")
    if not ArchiveRecord.objects.filter(
        job=job, object_name=object_name, record_id=record_id
    ).exists():
        raise Http404("This archive holds no such record.")
    payload = selectors.archived_payloads(job=job, object_name=object_name, record_ids=[record_id])
    key = (payload.get(record_id) or {}).get(field)
    if not key or not isinstance(key, str):
        raise Http404("This record has no stored file body in that field.")
    body = blob_read(org=job.org, blob_key=key, data_key=org_data_key(job.org))
    name = (payload.get(record_id) or {}).get("Name") or (payload.get(record_id) or {}).get(
        "PathOnClient"
    )
    filename = str(name or f"{record_id}-{field}").replace('"', "")
    response = HttpResponse(body, content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def job_results(request, org_id: int, job_id: int):
    job = get_job(request, org_id, job_id)
    outcome = request.GET.get("outcome", "")
    outcome = outcome if outcome in ArchiveRecord.Outcome.values else ""
    rows = selectors.archive_records(
        job=job, outcome=outcome or None, search=request.GET.get("q", "").strip()
    )
    pagination = paginate(request, rows, default_per_page=50, allowed=(25, 50, 100))
    key = org_data_key(job.org) if any(r.message_sealed for r in pagination) else None
    shown = [(r, refusal_message(record=r, data_key=key) if key else "") for r in pagination]
    context = {
        "pagination": pagination,
        "rows": shown,
        "outcome": outcome,
        "outcomes": ArchiveRecord.Outcome.choices,
        "q": request.GET.get("q", ""),
    }
    return render_job_tab(request, job, "results", "archives/job_results.html", context)


class _Echo:
    def write(self, value):
        return value


@login_required
def job_results_csv(request, org_id: int, job_id: int):
    job = get_job(request, org_id, job_id)
    key = org_data_key(job.org)
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(["Object", "Id", "Parent Id", "Plan", "Outcome", "Error", "Message"])
        for r in selectors.archive_records(job=job).select_related("job__org").iterator():
            yield writer.writerow(
                [r.object_name, r.record_id, r.parent_id, r.plan, r.outcome, r.error_code,
                 refusal_message(record=r, data_key=key) if r.message_sealed else ""]
            )  # fmt: skip

    response = StreamingHttpResponse(lines(), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="archive-job-{job.pk}.csv"'
    return response
