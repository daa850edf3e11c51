"""The time machine pages of one record (restores/time_machine.py does the work):
versions with who/when, a side-by-side compare with the changed fields highlighted, and
a restore of the whole record or chosen fields from a version, after one confirmation.
Every view finds the org through orgs.selectors.org_get (another tenant's id is 404)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from orgs.selectors import org_get
from restores import time_machine
from tenants.permissions import permission_required_or_403


@login_required
def time_machine_page(request, org_id: int, object_name: str, record_id: str):
    org = org_get(tenant=request.user.tenant, org_id=org_id)
    identical = request.GET.get("identical") == "1"
    left, right, diffs = time_machine.tm_compare(
        org=org, object_name=object_name, record_id=record_id,
        left_id=request.GET.get("left"), right_id=request.GET.get("right"), identical=identical,
    )  # fmt: skip
    versions = time_machine.tm_versions(org=org, object_name=object_name, record_id=record_id)
    restorable = [v for v in versions if v.restorable]
    chosen = next((v for v in restorable if str(v.pk) == request.GET.get("left")), None)
    source = chosen or (left if left.restorable else (restorable[-1] if restorable else None))
    context = {
        "org": org,
        "active_nav": "restore",
        "object_name": object_name,
        "record_id": record_id,
        "versions": list(reversed(versions)),
        "left": left,
        "right": right,
        "diffs": diffs,
        "identical": identical,
        "source": source,
        "restorable": list(reversed(restorable)),
        "readable": all(v.fields is not None for v in versions),
    }
    return render(request, "restores/time_machine.html", context)


@require_POST
@permission_required_or_403("restore")
def time_machine_restore(request, org_id: int, object_name: str, record_id: str):
    org = org_get(tenant=request.user.tenant, org_id=org_id)
    back = redirect("restores:time_machine", org.pk, object_name, record_id)
    if request.POST.get("confirm") != "yes":
        messages.error(request, "Tick the confirmation to restore this record.")
        return back
    whole = request.POST.get("scope", "whole") == "whole"
    try:
        job = time_machine.tm_restore(
            org=org, object_name=object_name, record_id=record_id,
            version_id=request.POST.get("version_id"),
            fields=None if whole else request.POST.getlist("fields"),
            user=request.user, request=request,
        )  # fmt: skip
    except ValueError as exc:
        messages.error(request, str(exc))
        return back
    messages.success(request, f"Job {job.pk} restores {object_name} {record_id}.")
    return redirect("jobs:job", org.pk, job.pk)
