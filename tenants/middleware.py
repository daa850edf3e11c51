"""Request middleware of the tenants app.

`ContentSecurityPolicyMiddleware` (right after Django's SecurityMiddleware): every
response says scripts come from our origin only.

`PermittedIPMiddleware`: a tenant's permitted IPs, on every request of its users.

`TenantTimeZoneMiddleware`: pages render dates and times in the signed-in user's
tenant time zone (`Tenant.time_zone`); anonymous pages use settings.TIME_ZONE.

It runs after the authentication middleware. The signed-in user is loaded with their
tenant in one query (tenants.auth_backends.TenantEmailBackend.get_user), so this costs
no query of its own.
"""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

from tenants import audit
from tenants.api_tokens import token_for_request
from tenants.client_ip import client_address
from tenants.models import Tenant
from tenants.permitted_ips import address_permitted
from tenants.time_zones import zone


class TenantTimeZoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        tenant = user.tenant if user is not None and user.is_authenticated else None
        if tenant is not None:
            timezone.activate(zone(tenant.time_zone))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class ContentSecurityPolicyMiddleware:
    """Sends settings.CONTENT_SECURITY_POLICY with every response that has none: scripts
    load from our origin only (no inline script, no eval), so injected markup cannot run
    code. Pages keep their scripts in static/js and pass data through data-* attributes
    or `json_script` blocks, which are data, not script."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response


SESSION_SIGN_IN_TENANT = "sign_in_tenant_id"  # tenants.views.SESSION_TENANT


class PermittedIPMiddleware:
    """Refuses (403) every request of a tenant's signed-in user, of one of its API
    tokens, or of a sign-in under way for that tenant, from an address outside its
    permitted IPs. Runs after the authentication middleware; the tenant comes with the
    user at no extra query (an API token costs one)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        address = client_address(request)
        # Also the address audit events recorded during this request carry.
        reset = audit.request_address.set(str(address) if address is not None else "")
        try:
            return self._respond(request, address)
        finally:
            audit.request_address.reset(reset)

    def _respond(self, request, address):
        tenant = self._tenant(request)
        networks = tenant.permitted_networks if tenant is not None else ""
        if networks and not address_permitted(address, networks):
            if request.META.get("HTTP_AUTHORIZATION"):
                return JsonResponse({"error": "Access denied from this address."}, status=403)
            context = {"tenant": tenant, "client_address": address}
            return render(request, "tenants/ip_blocked.html", context, status=403)
        return self.get_response(request)

    @staticmethod
    def _tenant(request) -> Tenant | None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user.tenant
        if request.META.get("HTTP_AUTHORIZATION"):  # an API request: its token's tenant
            token = token_for_request(request)
            if token is not None:
                return token.tenant
        tenant_id = (
            request.session.get(SESSION_SIGN_IN_TENANT) if hasattr(request, "session") else None
        )
        return Tenant.objects.filter(pk=tenant_id).first() if tenant_id else None
