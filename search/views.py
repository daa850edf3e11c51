"""The Search page (new search, history, purges, the two-person setting), a search's
results (object → record → versions → fields, and the purge request), a purge's page
(approval, then its certificate) and the certificate's download.

Every view finds the org through orgs.selectors.org_get (another tenant's id is 404).
"""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from orgs.selectors import org_get
from orgs.services import org_data_key
from search import selectors, services
from search.models import Purge
from tenants.permissions import forbidden, user_can


def _error(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


@login_required
def search_page(request, org_id: int):
    org = org_get(tenant=request.user.tenant, org_id=org_id)
    values = {"object": "Contact", "filter": "", "children": ""}
    error = ""
    if request.method == "POST":
        settings_change = (
            "require_approval" in request.POST or request.POST.get("action") == "settings"
        )
        needed = "manage_settings" if settings_change else "search"
        if not user_can(request.user, needed):
            return forbidden(request, needed)
        if settings_change:
            services.purge_settings_save(
                org=org,
                actor=request.user,
                require_approval=bool(request.POST.get("require_approval")),
            )
            messages.success(request, "Purge settings saved.")
            return redirect("search:search", org_id=org.pk)
        values = {k: request.POST.get(k, "").strip() for k in values}
        try:
            job = services.search_start(
                org=org,
                object_name=values["object"],
                filter_text=values["filter"],
                children=[c.strip() for c in values["children"].split(",") if c.strip()],
                created_by=request.user,
            )
        except ValueError as exc:
            error = str(exc)
        else:
            messages.success(request, f"Search queued as Job {job.pk}.")
            return redirect("jobs:job", org_id=org.pk, job_id=job.pk)
    context = {
        "org": org,
        "active_nav": "search",
        "values": values,
        "error": error,
        "searches": selectors.searches(org=org)[:50],
        "purges": selectors.purges(org=org)[:50],
        "require_approval": services.purge_required_approval(org=org),
        "now": timezone.now(),
    }
    return render(request, "search/search.html", context)


@login_required
def search_results(request, org_id: int, search_id: int):
    org = org_get(tenant=request.user.tenant, org_id=org_id)
    search = selectors.search_get(org=org, search_id=search_id)
    if not user_can(request.user, "search"):  # results show record data
        return forbidden(request, "search")
    error = ""
    if request.method == "POST":
        if not user_can(request.user, "purge"):
            return forbidden(request, "purge")
        try:
            purge = services.purge_request(
                search=search,
                actor=request.user,
                records=request.POST.getlist("record") or None,
                include_children=bool(request.POST.get("include_children")),
                delete_in_salesforce=bool(request.POST.get("delete_in_salesforce")),
                suppress=bool(request.POST.get("suppress")),
            )
        except (ValidationError, PermissionDenied) as exc:
            error = _error(exc)
        else:
            messages.success(request, f"Purge {purge.pk} {purge.get_status_display().lower()}.")
            return redirect("search:purge", org_id=org.pk, purge_id=purge.pk)
    tree = []
    if search.is_ready:
        tree = selectors.search_result_tree(search=search, data_key=org_data_key(org))
    context = {
        "org": org,
        "active_nav": "search",
        "search": search,
        "tree": tree,
        "error": error,
        "require_approval": services.purge_required_approval(org=org),
    }
    return render(request, "search/results.html", context)


@login_required
def purge_page(request, org_id: int, purge_id: int):
    org = org_get(tenant=request.user.tenant, org_id=org_id)
    purge = selectors.purge_get(org=org, purge_id=purge_id)
    error = ""
    if request.method == "POST":
        if not user_can(request.user, "purge"):
            return forbidden(request, "purge")
        try:
            if request.POST.get("action") == "refuse":
                services.purge_refuse(purge=purge, actor=request.user)
            else:
                services.purge_approve(purge=purge, actor=request.user)
        except (ValidationError, PermissionDenied) as exc:
            error = _error(exc)
        else:
            return redirect("search:purge", org_id=org.pk, purge_id=purge.pk)
    context = {
        "org": org,
        "active_nav": "search",
        "purge": purge,
        "error": error,
        "can_approve": (
            purge.status == Purge.Status.AWAITING_APPROVAL
            and user_can(request.user, "purge")
            and request.user.pk != purge.requested_by_id
        ),
    }
    return render(request, "search/purge.html", context)


def certificate(purge: Purge) -> dict:
    """The purge certificate: no personal data (counts, keyed hashes of the Ids)."""
    return {
        "purge": purge.pk,
        "org": purge.org_id,
        "job": purge.job_id,
        "status": purge.status,
        "requested_by": getattr(purge.requested_by, "email", None),
        "requested_at": purge.requested_at.isoformat(),
        "approved_by": getattr(purge.approved_by, "email", None),
        "approved_at": purge.approved_at.isoformat() if purge.approved_at else None,
        "finished_at": purge.finished_at.isoformat() if purge.finished_at else None,
        **purge.certificate,
    }


@login_required
def purge_certificate_download(request, org_id: int, purge_id: int):
    org = org_get(tenant=request.user.tenant, org_id=org_id)
    purge = selectors.purge_get(org=org, purge_id=purge_id)
    response = HttpResponse(
        json.dumps(certificate(purge), indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="purge-{purge.pk}-certificate.json"'
    return response
