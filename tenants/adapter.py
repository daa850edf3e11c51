"""django-allauth's account adapter, for the one thing we change: the client address
its rate limits count by (ACCOUNT_RATE_LIMITS, used by tenants/ratelimits.py and the
Django admin's sign-in) follows the trusted-proxy rule of tenants/client_ip.py."""

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from tenants.client_ip import client_ip


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip
