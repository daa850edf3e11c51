"""Request middleware of the tenants app.

`ContentSecurityPolicyMiddleware` (right after Django's SecurityMiddleware): every
response says scripts come from our origin only.

`TenantTimeZoneMiddleware`: pages render dates and times in the signed-in user's
tenant time zone (`Tenant.time_zone`); anonymous pages use settings.TIME_ZONE.

It runs after the authentication middleware. The signed-in user is loaded with their
tenant in one query (tenants.auth_backends.TenantEmailBackend.get_user), so this costs
no query of its own.
"""

from django.conf import settings
from django.utils import timezone

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
