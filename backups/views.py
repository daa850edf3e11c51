"""Backup & Archive pages: Overview/History, Create Backup (composite and templated),
and a backup job's own tabs (Data, Settings; Metadata is in metadata_views.py). The
job page around them, Overview and Logs are jobs/views.py's.

Every view finds the org through orgs.selectors.org_get (another tenant's id is 404)
and the job through jobs.views.get_job.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render

from backups import selectors
from backups.forms import CompositeBackupForm, TemplatedBackupForm
from backups.job_settings import JobSettings
from backups.operations import COMPOSITE_BACKUP, COMPOSITE_SYNC_BACKUP
from common.pagination import keyset_paginate, paginate
from jobs.forms import HistoryFilterForm
from jobs.models import Job
from jobs.selectors import JOB_OBJECT_ORDERS, job_list, job_object_get, job_objects
from jobs.services import job_start
from jobs.views import get_job, render_job_tab
from object_templates import selectors as template_selectors
from orgs.models import Org
from orgs.selectors import org_get
from schedules.forms import ScheduleForm
from schedules.services import ScheduleError, org_time_zone, schedule_create
from schedules.views import schedule_fields_context
from tenants.permissions import permission_required_or_403
from vault.models import RecordVersion
from vault.selectors import snapshot_for_job

RECORD_FILTERS = ["all", *RecordVersion.Change.values]


def _org(request, org_id: int) -> Org:
    return org_get(tenant=request.user.tenant, org_id=org_id)


def _job(request, org_id: int, job_id: int) -> Job:
    return get_job(request, org_id, job_id)


def _tab(request, job: Job, tab: str, template: str, context: dict, live: bool = False):
    """One of the backup tabs of a job page (jobs/views.py draws the page around it)."""
    return render_job_tab(request, job, tab, f"backups/{template}", context, live=live)


# --- Overview and History -----------------------------------------------------------


def _history(request, org: Org, template: str, active_nav: str, **extra):
    form = HistoryFilterForm(request.GET)
    filters = form.filters()
    pagination = keyset_paginate(request, job_list(org=org, **filters))
    context = {"org": org, "form": form, "pagination": pagination, "active_nav": active_nav}
    context["filtered"] = any(filters.values())
    return render(request, template, {**context, **extra})


@login_required
def overview(request, org_id: int):
    org = _org(request, org_id)
    days = selectors.history_days(org=org)
    return _history(request, org, "backups/overview.html", "backup_overview", days=days)


@login_required
def history(request, org_id: int):
    return _history(request, _org(request, org_id), "backups/history.html", "backup_history")


# --- Create Backup ------------------------------------------------------------------


@permission_required_or_403("run_backups")
def create(request, org_id: int):
    org = _org(request, org_id)
    connected = org.status == Org.Status.CONNECTED
    form = CompositeBackupForm(request.POST or None, initial={"sync": "sync" in request.GET})
    schedule_form = ScheduleForm(request.POST or None, prefix="schedule", tz=org_time_zone(org))
    scheduling = request.method == "POST" and form.is_valid() and form.cleaned_data["schedule"]
    if scheduling and schedule_form.is_valid():
        schedule = schedule_create(
            org=org,
            recurrence=schedule_form.spec(),
            created_by=request.user,
            **form.schedule_kwargs(),
        )
        messages.success(request, f"{schedule.name} is scheduled.")
        return redirect("schedules:list", org_id=org.pk)
    if request.method == "POST" and form.is_valid() and not scheduling:
        if connected:
            sync = form.cleaned_data["sync"]
            job = job_start(
                org=org,
                operation=COMPOSITE_SYNC_BACKUP if sync else COMPOSITE_BACKUP,
                name=form.cleaned_data["name"],
                settings=form.job_settings().to_json(),
                created_by=request.user,
                description=form.cleaned_data["description"],
            )
            return redirect("jobs:job", org_id=org.pk, job_id=job.pk)
        form.add_error(None, "This org is not connected, so it cannot be backed up.")
    context = {"org": org, "form": form, "connected": connected, "active_nav": "backup_overview"}
    context.update(schedule_fields_context(org=org, form=schedule_form, prefix="schedule"))
    return render(request, "backups/create.html", context)


# --- A job's tabs -------------------------------------------------------------------


@login_required
def job_data(request, org_id: int, job_id: int):
    job = _job(request, org_id, job_id)
    sort = request.GET.get("sort", "object_name")
    if sort.lstrip("-") not in JOB_OBJECT_ORDERS:
        sort = "object_name"
    rows = job_objects(job=job, search=request.GET.get("q", ""), order=sort)
    pagination = paginate(request, rows, default_per_page=50, allowed=(25, 50, 100))
    context = {"pagination": pagination, "sort": sort, "q": request.GET.get("q", "")}
    return _tab(request, job, "data", "job_data.html", context, live=True)


@login_required
def job_object(request, org_id: int, job_id: int, object_name: str):
    job = _job(request, org_id, job_id)
    job_object = job_object_get(job=job, object_name=object_name)
    show = request.GET.get("show", "all")
    show = show if show in RECORD_FILTERS else "all"
    search = request.GET.get("q", "")
    rows = selectors.object_records(
        job=job, object_name=object_name, change=None if show == "all" else show, search=search
    )
    pagination = paginate(request, rows)
    context = {
        "job_object": job_object,
        "pagination": pagination,
        "payloads": selectors.decrypt_payloads(org=job.org, versions=pagination),
        "show": show,
        "q": search,
    }
    return _tab(request, job, "data", "job_object.html", context, live=True)


def _record_context(request, org_id, job_id, object_name, record_id) -> dict:
    job = _job(request, org_id, job_id)
    rows = selectors.record_version_rows(org=job.org, object_name=object_name, record_id=record_id)
    if not rows:
        raise Http404("This record has no stored versions in this org.")
    snapshot = snapshot_for_job(job=job)
    current = selectors.version_for_job(rows=rows, job=job, seq=snapshot.seq if snapshot else None)
    return {"job": job, "rows": rows, "current": current, "object_name": object_name}


@login_required
def record(request, org_id: int, job_id: int, object_name: str, record_id: str):
    context = _record_context(request, org_id, job_id, object_name, record_id)
    payloads = selectors.decrypt_payloads(
        org=context["job"].org, versions=[context["current"].version]
    )
    context.update(payloads=payloads, fields=payloads.get(context["current"].version.pk))
    return _tab(request, context.pop("job"), "data", "record.html", context)


def _pick(rows, version_id: str | None, default):
    by_id = {str(row.version.pk): row for row in rows}
    return by_id.get(version_id or "", default)


@login_required
def record_history(request, org_id: int, job_id: int, object_name: str, record_id: str):
    context = _record_context(request, org_id, job_id, object_name, record_id)
    rows, current = context["rows"], context["current"]
    index = rows.index(current)
    left = _pick(rows, request.GET.get("left"), current)
    right = _pick(rows, request.GET.get("right"), rows[index - 1] if index else current)
    show_identical = request.GET.get("identical") == "1"
    payloads = selectors.decrypt_payloads(
        org=context["job"].org, versions=[current.version, left.version, right.version]
    )
    diffs = selectors.compare_fields(
        left=payloads.get(left.version.pk),
        right=payloads.get(right.version.pk),
        show_identical=show_identical,
    )
    context.update(left=left, right=right, diffs=diffs, payloads=payloads)
    context["fields"] = payloads.get(current.version.pk)
    context["show_identical"] = show_identical
    return _tab(request, context.pop("job"), "data", "record_history.html", context)


@login_required
def job_settings(request, org_id: int, job_id: int):
    job = _job(request, org_id, job_id)
    context = {"job_settings": JobSettings.from_json(job.settings)}
    return _tab(request, job, "settings", "job_settings.html", context)


# --- Create Backup → Templated Backup ---------------------------------------------------


@permission_required_or_403("run_backups")
def templated_create(request, org_id: int):
    org = _org(request, org_id)
    templates = template_selectors.template_list(org=org)
    form = TemplatedBackupForm(request.POST or None, templates=templates)
    schedule_form = ScheduleForm(request.POST or None, prefix="schedule", tz=org_time_zone(org))
    valid = request.method == "POST" and form.is_valid()
    if valid and form.cleaned_data["schedule"] and schedule_form.is_valid():
        try:
            schedule = schedule_create(
                org=org,
                recurrence=schedule_form.spec(),
                created_by=request.user,
                **form.schedule_kwargs(),
            )
        except ScheduleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{schedule.name} is scheduled.")
            return redirect("schedules:list", org_id=org.pk)
    connected = org.status == Org.Status.CONNECTED
    if valid and not form.cleaned_data["schedule"]:
        if connected:
            job = job_start(org=org, created_by=request.user, **form.job_kwargs())
            return redirect("jobs:job", org_id=org.pk, job_id=job.pk)
        form.add_error(None, "This org is not connected, so it cannot be backed up.")
    return _templated_page(request, org, form, schedule_form, connected)


def _templated_page(request, org, form, schedule_form, connected: bool):
    search = request.GET.get("q", "")
    pagination = paginate(request, template_selectors.template_list(org=org, search=search))
    context = {"org": org, "form": form, "pagination": pagination, "q": search}
    context.update(connected=connected, active_nav="backup_overview")
    context.update(schedule_fields_context(org=org, form=schedule_form, prefix="schedule"))
    return render(request, "backups/create_templated.html", context)
