from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.views.decorators.http import require_POST

from common.crypto import generate_tenant_key
from orgs import selectors, services
from orgs.forms import ADDRESS_REFUSED, OrgAddForm
from orgs.pending import PendingConnection
from salesforce.errors import SalesforceConnectorError
from salesforce.permissions import describe_missing
from tenants.access import admin_required
from tenants.audit import Action, audit_record

DENIED = "You denied access in Salesforce. Nothing was saved. Try again and choose Allow."


@login_required
def home(request):
    orgs = selectors.org_list(tenant=request.user.tenant)
    return render(request, "orgs/home.html", {"orgs": orgs})


@admin_required
def org_add(request):
    if request.method == "POST" and "generate_key" in request.POST:
        key = generate_tenant_key()
        form = OrgAddForm(initial={**request.POST.dict(), "encryption_key": key})
        return render(request, "orgs/org_add.html", {"form": form, "generated_key": key})
    form = OrgAddForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        redirect_uri = settings.SITE_URL + reverse("orgs:oauth_callback")
        try:
            pending = services.org_create_pending(
                tenant=request.user.tenant, redirect_uri=redirect_uri, **form.service_kwargs()
            )
        except services.OrgConnectError as exc:
            # The login URL gave no answer we trust: the same words as a refused address.
            message = ADDRESS_REFUSED if exc.field == "login_url" else exc.message
            form.add_error(exc.field, message)
        else:
            pending.to_session(request.session)
            return redirect(services.authorize_url(pending))
    return render(request, "orgs/org_add.html", {"form": form})


def _pending(request) -> PendingConnection | None:
    """The connection this person started, if it belongs to their tenant."""
    pending = PendingConnection.from_session(request.session)
    if pending is None or pending.tenant_id != request.user.tenant_id:
        return None
    return pending


def _connect_error(request, message: str, status: int = 400):
    return render(request, "orgs/connect_error.html", {"message": message}, status=status)


@admin_required
def oauth_callback(request):
    pending = _pending(request)
    state = request.GET.get("state", "")
    if pending is None or not constant_time_compare(state, pending.state):
        return _connect_error(
            request,
            "This Salesforce answer does not match a connection started in this browser "
            "(it may be old or already used). Nothing was saved. Start again with "
            "Add Salesforce Org.",
        )
    error, code = request.GET.get("error"), request.GET.get("code", "")
    if error or not code:
        PendingConnection.clear(request.session)
        if error == "access_denied":
            return _connect_error(request, DENIED)
        detail = request.GET.get("error_description") or error or "no authorization code"
        return _connect_error(
            request, f"Salesforce did not connect the org: {detail}. Nothing was saved. Try again."
        )
    return _complete(request, pending, code=code)


def _complete(request, pending: PendingConnection, code: str = ""):
    """Exchange the code (if any), run the connection check, and show what happened."""
    try:
        tokens = services.pending_exchange_code(pending=pending, code=code) if code else None
        org = services.org_complete_connection(pending=pending, tokens=tokens)
    except services.MissingPermissions as exc:
        pending.to_session(request.session)  # now holding the refresh token (exc.pending)
        context = {"missing": describe_missing(exc.missing), "pending": pending}
        return render(request, "orgs/connect_permissions.html", context, status=403)
    except (SalesforceConnectorError, services.OrgConnectError) as exc:
        services.pending_cancel(pending=pending)
        PendingConnection.clear(request.session)
        return _connect_error(request, f"{exc} Nothing was saved. Try again.")
    PendingConnection.clear(request.session)
    audit_record(
        tenant=org.tenant_id,
        action=Action.ORG_CONNECTED,
        request=request,
        target=f"Org {org.pk}",
        detail={
            "name": org.name,
            "sf_org_id": org.sf_org_id,
            "key_fingerprint": org.key_fingerprint,
            "reconnect": bool(pending.reconnect_org_id),
        },
    )
    verb = "Reconnected" if pending.reconnect_org_id else "Connected"
    messages.success(request, f"{verb} {org.name}.")
    return redirect("orgs:get_started", org_id=org.pk)


@require_POST
@admin_required
def org_reconnect(request, org_id: int):
    """A new Salesforce login for an org whose saved one was refused (or to renew it)."""
    org = selectors.org_get(tenant=request.user.tenant, org_id=org_id)
    redirect_uri = settings.SITE_URL + reverse("orgs:oauth_callback")
    pending = services.org_reconnect_pending(org=org, redirect_uri=redirect_uri)
    pending.to_session(request.session)
    return redirect(services.authorize_url(pending))


@require_POST
@admin_required
def connect_retry(request):
    pending = _pending(request)
    if pending is None or not pending.refresh_token_wrapped:
        return _connect_error(
            request,
            "There is no connection waiting for a retry. Start again with Add Salesforce Org.",
        )
    return _complete(request, pending)


@require_POST
@admin_required
def connect_cancel(request):
    pending = _pending(request)
    if pending is not None:
        services.pending_cancel(pending=pending)
        PendingConnection.clear(request.session)
    messages.info(request, "The connection was cancelled. Nothing was saved.")
    return redirect("orgs:home")


@login_required
def get_started(request, org_id: int):
    org = selectors.org_get(tenant=request.user.tenant, org_id=org_id)
    context = {
        "org": org,
        "catalog_counts": selectors.catalog_counts(org=org),
        "active_nav": "get_started",
    }
    return render(request, "orgs/get_started.html", context)


@require_POST
@admin_required
def org_recheck(request, org_id: int):
    org = selectors.org_get(tenant=request.user.tenant, org_id=org_id)
    run_connection_check(request, org)
    return redirect("orgs:get_started", org_id=org.pk)


def run_connection_check(request, org) -> None:
    """Re-check the org's connection and say how it went (Get Started, Settings)."""
    try:
        missing = services.org_run_connection_check(org=org)
    except SalesforceConnectorError as exc:
        messages.error(request, f"The connection check failed: {exc}")
    else:
        if missing:
            messages.error(request, org.check_message)
        else:
            messages.success(request, "The connection check passed; the object catalog is updated.")


# Pages of the per-org navigation that later work fills in. Each says plainly that it
# is not there yet and what it will do.
UPCOMING = {
    "settings_integrations": ("Integrations", "Connections to other tools, such as webhooks."),
}


@login_required
def upcoming(request, org_id: int, page: str):
    org = selectors.org_get(tenant=request.user.tenant, org_id=org_id)
    title, purpose = UPCOMING[page]
    context = {"org": org, "title": title, "purpose": purpose, "active_nav": page}
    return render(request, "orgs/upcoming.html", context)
