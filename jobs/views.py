"""A job's generic pages, for every operation: Overview, Logs (and their CSV), Abort.

An operation adds its own tabs (jobs/registry.py `tabs`) and renders them with
`render_job_tab`, so every tab shares the headline, the tab bar and live progress.
Every view finds the org through orgs.selectors.org_get (another tenant's id is 404)
and the job through jobs.selectors.job_get(org=...). Tabs of a running job answer an
htmx request (HX-Request header) with only their live partial, which polls itself
every 2 s until the job is final.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from common.csv_download import csv_download
from common.pagination import paginate
from jobs import registry
from jobs import services as job_services
from jobs.models import Job, JobObject
from jobs.selectors import job_get, job_logs, job_object_status_counts, job_objects
from orgs.selectors import org_get
from tenants.access import admin_required


def get_job(request, org_id: int, job_id: int) -> Job:
    """The signed-in tenant's job (404 for another tenant's org or job)."""
    return job_get(org=org_get(tenant=request.user.tenant, org_id=org_id), job_id=job_id)


def job_tabs(job: Job) -> list[dict]:
    """Overview, the operation's own tabs, Logs: each {key, label, url}."""
    args = (job.org_id, job.pk)
    tabs = [{"key": "overview", "label": "Overview", "url": reverse("jobs:job", args=args)}]
    if registry.is_registered(job.operation):
        tabs += [
            {"key": tab.key, "label": tab.label, "url": reverse(tab.url_name, args=args)}
            for tab in registry.get(job.operation).tabs
        ]
    tabs.append({"key": "logs", "label": "Logs", "url": reverse("jobs:job_logs", args=args)})
    return tabs


def render_job_tab(request, job: Job, tab: str, template: str, context: dict, live: bool = False):
    """A job tab: the whole page, or (`live` tabs, htmx request) only its polled partial.
    `template` is "<app>/<page>.html"; its partial is "<app>/partials/<page>.html"."""
    hx = live and bool(request.headers.get("HX-Request"))
    if hx:
        app, page = template.split("/", 1)
        template = f"{app}/partials/{page}"
    kind = registry.get(job.operation) if registry.is_registered(job.operation) else None
    nav = kind.nav if kind else "backup_history"
    back_url = reverse(kind.list_url_name if kind else "backups:history", args=[job.org_id])
    context = {"org": job.org, "job": job, "tab": tab, "active_nav": nav, **context}
    context.update(hx=hx, tabs=job_tabs(job), back_url=back_url)
    context["back_label"] = kind.list_label if kind else "History"
    return render(request, template, context)


@login_required
def job_overview(request, org_id: int, job_id: int):
    job = get_job(request, org_id, job_id)
    return render_job_tab(request, job, "overview", "jobs/job_overview.html", {}, live=True)


@require_POST
@admin_required
def job_abort(request, org_id: int, job_id: int):
    job = get_job(request, org_id, job_id)
    if job_services.job_request_abort(job=job):
        messages.success(request, f"Job {job.pk} will stop at its next checkpoint.")
    else:
        messages.info(request, f"Job {job.pk} had already finished; nothing to abort.")
    return redirect("jobs:job", org_id=job.org_id, job_id=job.pk)


@login_required
def job_logs_page(request, org_id: int, job_id: int):
    job = get_job(request, org_id, job_id)
    status = request.GET.get("status", "")
    status = status if status in JobObject.Status.values else ""
    context = {
        "counts": job_object_status_counts(job=job),
        "status": status,
        "objects": job_objects(job=job, status=status or None, search=request.GET.get("q", "")),
        "q": request.GET.get("q", ""),
        "pagination": paginate(
            request, job_logs(job=job), default_per_page=50, allowed=(50, 100, 200)
        ),
    }
    return render_job_tab(request, job, "logs", "jobs/job_logs.html", context, live=True)


@login_required
def job_logs_csv(request, org_id: int, job_id: int):
    job = get_job(request, org_id, job_id)
    lines = job_logs(job=job).iterator(chunk_size=2000)
    rows = (
        [
            log.created_at.isoformat(),
            log.level,
            log.job_object.object_name if log.job_object else "",
            log.message,
        ]
        for log in lines
    )
    return csv_download(f"job-{job.pk}-logs.csv", ["time", "level", "object", "message"], rows)
