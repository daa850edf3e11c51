"""Settings → General: connection details, Manage Operations, API Quota, Delete Connection.

Anyone of the tenant may read the page; changes need the Manage settings permission,
and only Admins may delete the connection (POST views).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from orgs import selectors, settings_selectors, settings_services
from orgs.settings_forms import ApiQuotaForm, DeleteConnectionForm, OperationsForm
from orgs.views import run_connection_check
from tenants.access import admin_required
from tenants.permissions import permission_required_or_403


def _org(request, org_id: int):
    return selectors.org_get(tenant=request.user.tenant, org_id=org_id)


def _page(request, org, *, operations=None, quota=None, delete=None, status: int = 200):
    context = {
        "org": org,
        "active_nav": "settings_general",
        "catalog_size": settings_selectors.catalog_size(org=org),
        "catalog_counts": selectors.catalog_counts(org=org),
        "running_jobs": settings_selectors.running_job_ids(org=org),
        "operations_form": operations or OperationsForm.for_org(org),
        "quota_form": quota or ApiQuotaForm.for_org(org),
        "delete_form": delete or DeleteConnectionForm(org=org),
    }
    return render(request, "orgs/settings/general.html", context, status=status)


@login_required
def settings_general(request, org_id: int):
    return _page(request, _org(request, org_id))


@require_POST
@permission_required_or_403("manage_settings")
def settings_recheck(request, org_id: int):
    org = _org(request, org_id)
    run_connection_check(request, org)
    return redirect("orgs:settings_general", org_id=org.pk)


@require_POST
@permission_required_or_403("manage_settings")
def settings_operations(request, org_id: int):
    org = _org(request, org_id)
    form = OperationsForm.for_org(org, request.POST)
    if not form.is_valid():
        return _page(request, org, operations=form, status=400)
    settings_services.org_operations_update(org=org, **form.cleaned_data)
    backups = "on" if org.scheduled_backups_enabled else "off"
    archives = "on" if org.scheduled_archives_enabled else "off"
    messages.success(request, f"Saved: scheduled backups {backups}, scheduled archives {archives}.")
    return redirect("orgs:settings_general", org_id=org.pk)


@require_POST
@permission_required_or_403("manage_settings")
def settings_api_quota(request, org_id: int):
    org = _org(request, org_id)
    form = ApiQuotaForm.for_org(org, request.POST)
    if not form.is_valid():
        return _page(request, org, quota=form, status=400)
    settings_services.org_api_quota_update(org=org, **form.cleaned_data)
    messages.success(
        request,
        f"Saved: jobs use at most {org.api_quota_rest_percent}% of the daily REST API "
        f"requests and {org.api_quota_bulk_percent}% of the daily Bulk API query jobs.",
    )
    return redirect("orgs:settings_general", org_id=org.pk)


@require_POST
@admin_required
def settings_delete(request, org_id: int):
    org = _org(request, org_id)
    form = DeleteConnectionForm(request.POST, org=org)
    if not form.is_valid():
        return _page(request, org, delete=form, status=400)
    try:
        result = settings_services.org_delete(org=org, actor=request.user)
    except settings_services.OrgDeleteRefused as exc:
        form.add_error(None, str(exc))
        return _page(request, org, delete=form, status=409)
    messages.success(request, settings_services.delete_summary(result))
    return redirect("orgs:home")
