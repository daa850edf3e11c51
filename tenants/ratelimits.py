"""Sign-in and password-reset throttling through django-allauth's rate limiter.

allauth.core.ratelimit keeps hit timestamps in Django's cache under its
ACCOUNT_RATE_LIMITS settings: "login_failed" counts failed sign-ins per client IP and
per key (here "<tenant id>:<email>"), "reset_password" counts reset requests. Only
failures are counted for "login_failed": a check (dry run) before authenticating, a hit after a failure,
as allauth's own login does. With several web processes the cache must be shared
(Redis, or the database cache) for the limits to hold across processes.
"""

from allauth.core import ratelimit
from django.http import HttpRequest

from tenants.models import Tenant

TOO_MANY_SIGN_INS = "Too many sign-in attempts. Try again in a few minutes."
TOO_MANY_REQUESTS = "Too many requests from your network. Try again in a few minutes."
TOO_MANY_RESETS = "Too many password reset requests. Try again in a few minutes."


def _key(tenant: Tenant, email: str) -> str:
    return f"{tenant.pk}:{email.strip().lower()}"


def form_post_allowed(request: HttpRequest, *, action: str) -> bool:
    """Counts every POST of the organization-name step ("login", 30 a minute per IP by
    allauth's default) or of sign-up ("signup", 20 a minute per IP)."""
    return ratelimit.consume(request, action=action)


def sign_in_allowed(request: HttpRequest, *, tenant: Tenant, email: str) -> bool:
    return ratelimit.consume(request, action="login_failed", key=_key(tenant, email), dry_run=True)


def sign_in_failed(request: HttpRequest, *, tenant: Tenant, email: str) -> None:
    ratelimit.consume(request, action="login_failed", key=_key(tenant, email))


def sign_in_failures_clear(request: HttpRequest, *, tenant: Tenant, email: str) -> None:
    """After a password is set through an emailed link, as allauth does on reset."""
    ratelimit.clear(request, action="login_failed", key=_key(tenant, email))


def password_reset_allowed(request: HttpRequest, *, tenant: Tenant, email: str) -> bool:
    return ratelimit.consume(request, action="reset_password", key=_key(tenant, email))
