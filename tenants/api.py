"""The tenants part of the JSON API (bearer tokens, tenants.api_tokens):

- `GET /api/v1/me/` — the token's user, role, permissions and tenant.
- `GET /api/v1/audit-events/?action=&since=` — the tenant's latest audit events
  (Admins only; at most 500, newest first).
"""

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from tenants import selectors
from tenants.api_tokens import api_token_required
from tenants.audit import action_label
from tenants.permissions import user_permissions

API_AUDIT_MAX = 500


@require_GET
@api_token_required
def api_me(request):
    user = request.user
    return JsonResponse(
        {
            "email": user.email,
            "role": user.role,
            "permissions": sorted(user_permissions(user)),
            "tenant": {"id": user.tenant_id, "name": user.tenant.name},
        }
    )


@require_GET
@api_token_required
def api_audit_events(request):
    if not request.user.is_tenant_admin:
        return JsonResponse({"error": "The audit log is for Admins only."}, status=403)
    events = selectors.audit_event_list(actor=request.user, action=request.GET.get("action", ""))[
        :API_AUDIT_MAX
    ]
    return JsonResponse(
        {
            "events": [
                {
                    "id": event.pk,
                    "at": event.created_at.isoformat(),
                    "action": event.action,
                    "label": action_label(event.action),
                    "actor": event.actor_email,
                    "address": event.address,
                    "target": event.target,
                    "detail": event.detail,
                }
                for event in events
            ]
        }
    )
