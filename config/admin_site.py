"""The admin site support staff use at /admin/ (config/apps.py makes it Django's default
site, so every app's `admin.register` lands here).

Only active staff users get in (Django's own check). Its sign-in is throttled like the
product's (tenants/ratelimits.py): failed attempts count under allauth's "login_failed"
limits (ACCOUNT_RATE_LIMITS, SIGN_IN_RATE_LIMIT per client IP, 5 per key, 5 minutes),
keyed by the username. A tenant user's username is "<tenant id>:<email>", the product's
own key, so failures at either door use up the same allowance. Once the limit is reached
the page answers 429 with the product's message, before any password is checked.
"""

from allauth.core import ratelimit
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from tenants.ratelimits import TOO_MANY_SIGN_INS

THROTTLED = "too_many_sign_ins"


def _key(username: str) -> str:
    return username.strip().lower()


class RateLimitedAdminAuthenticationForm(AdminAuthenticationForm):
    def clean(self):
        username = self.cleaned_data.get("username") or ""
        if not ratelimit.consume(
            self.request, action="login_failed", key=_key(username), dry_run=True
        ):
            raise ValidationError(TOO_MANY_SIGN_INS, code=THROTTLED)
        try:
            return super().clean()
        except ValidationError:
            # A wrong password, an inactive account or a user who is not staff.
            ratelimit.consume(self.request, action="login_failed", key=_key(username))
            raise


class OrgVaultAdminSite(admin.AdminSite):
    site_header = "OrgVault support"
    site_title = "OrgVault support"
    index_title = "Support administration"
    login_form = RateLimitedAdminAuthenticationForm

    def login(self, request, extra_context=None):
        response = super().login(request, extra_context)
        form = (getattr(response, "context_data", None) or {}).get("form")
        if form is not None and form.has_error(NON_FIELD_ERRORS, THROTTLED):
            response.status_code = 429
        return response
