"""`TenantTimeZoneMiddleware`: pages render dates and times in the signed-in user's
tenant time zone (`Tenant.time_zone`); anonymous pages use settings.TIME_ZONE.

It runs after the authentication middleware. The signed-in user is loaded with their
tenant in one query (tenants.auth_backends.TenantEmailBackend.get_user), so this costs
no query of its own.
"""

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
