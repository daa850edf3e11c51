"""Security pages: permission groups and the audit log (Organization settings, Admins
only), and the account page where each user manages their API tokens."""

import csv
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from common.forms import apply_validation_error
from common.pagination import paginate
from tenants import api_tokens, selectors, services
from tenants.access import admin_required
from tenants.audit import Action, action_label, audit_record
from tenants.security_forms import ApiTokenForm, AuditFilterForm, PermissionGroupForm

CSV_MAX_ROWS = 100_000


@admin_required
def group_list(request):
    groups = selectors.permission_group_list(actor=request.user)
    return render(request, "tenants/groups.html", {"groups": groups})


def _group_data(form) -> dict:
    data = form.cleaned_data
    return {
        "name": data["name"],
        "permissions": list(data["permissions"]),
        "member_ids": [member.pk for member in data["members"]],
    }


@admin_required
def group_create(request):
    form = PermissionGroupForm(request.POST or None, tenant=request.user.tenant)
    if form.is_valid():
        try:
            group = services.permission_group_create(actor=request.user, **_group_data(form))
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"Group “{group.name}” created.")
            return redirect("tenants:group_list")
    return render(request, "tenants/group_form.html", {"form": form, "group": None})


@admin_required
def group_detail(request, group_id):
    group = selectors.permission_group_get(actor=request.user, group_id=group_id)
    initial = {
        "name": group.name,
        "permissions": group.permissions,
        "members": list(group.members.all()),
    }
    form = PermissionGroupForm(request.POST or None, initial=initial, tenant=request.user.tenant)
    if form.is_valid():
        try:
            services.permission_group_update(actor=request.user, group=group, **_group_data(form))
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"Group “{group.name}” saved.")
            return redirect("tenants:group_list")
    return render(request, "tenants/group_form.html", {"form": form, "group": group})


@admin_required
@require_POST
def group_delete(request, group_id):
    group = selectors.permission_group_get(actor=request.user, group_id=group_id)
    services.permission_group_delete(actor=request.user, group=group)
    messages.success(request, f"Group “{group.name}” deleted.")
    return redirect("tenants:group_list")


@admin_required
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    events = selectors.audit_event_list(actor=request.user, **form.filters()).select_related(
        "actor"
    )
    pagination = paginate(request, events)
    query = request.GET.urlencode()
    return render(
        request,
        "tenants/audit_log.html",
        {"form": form, "pagination": pagination, "query": query},
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@admin_required
def audit_log_csv(request):
    """The filtered log as CSV (at most CSV_MAX_ROWS rows, newest first); the download
    is itself an audit event."""
    form = AuditFilterForm(request.GET or None)
    filters = form.filters()
    events = selectors.audit_event_list(actor=request.user, **filters)[:CSV_MAX_ROWS]
    audit_record(
        tenant=request.user.tenant,
        action=Action.AUDIT_LOG_DOWNLOADED,
        request=request,
        target="Audit log CSV",
        detail={key: str(value) for key, value in filters.items() if value},
    )
    writer = csv.writer(_Echo())
    zone = timezone.get_current_timezone()

    def rows():
        yield writer.writerow(["time", "action", "label", "user", "address", "target", "detail"])
        for event in events.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    event.created_at.astimezone(zone).isoformat(),
                    event.action,
                    action_label(event.action),
                    _csv_safe(event.actor_email),
                    event.address or "",
                    _csv_safe(event.target),
                    _csv_safe(_detail_text(event.detail)),
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    return response


def _detail_text(detail) -> str:
    return json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else ""


def _csv_safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (a typed email or name could be
    "=HYPERLINK(...)")."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@login_required
def account(request):
    """The signed-in user's account: their API tokens (a new one is shown once)."""
    form = ApiTokenForm(request.POST or None)
    new_secret = None
    if form.is_valid():
        try:
            token, new_secret = api_tokens.api_token_create(
                user=request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request, f"Token “{token.name}” created. Copy it now: it is not shown again."
            )
            form = ApiTokenForm()
    tokens = api_tokens.api_token_list(user=request.user)
    context = {"form": form, "tokens": tokens, "new_secret": new_secret}
    response = render(request, "tenants/account.html", context)
    response["Cache-Control"] = "no-store"  # the new secret must not stay in a cache
    return response


@login_required
@require_POST
def api_token_revoke(request, token_id):
    token = api_tokens.api_token_revoke(actor=request.user, token_id=token_id)
    messages.success(request, f"Token “{token.name}” revoked: it no longer works.")
    return redirect("tenants:account")
