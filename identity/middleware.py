"""MFA before anything else (after django_otp's OTPMiddleware).

A signed-in session that has not passed its second factor is sent to the MFA code page
when the user has a device, or to the enrolment page when their tenant's policy requires
MFA; the Django admin always requires it of staff. Only those pages, sign-out and static
files are reachable meanwhile. The decision was taken at sign-in (identity.receivers),
so ordinary pages cost no query here."""

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from identity import mfa


class MFAMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.exempt: tuple[str, ...] | None = None  # reversed on first use

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return self.get_response(request)
        path = request.path
        if self.exempt is None:
            self.exempt = self._exempt()
        if path.startswith(self.exempt):
            return self.get_response(request)
        state = request.session.get(mfa.SESSION_STATE, "")
        if path.startswith(reverse("admin:index")) and user.is_staff:
            state = mfa.STATE_VERIFY if mfa.has_device(user) else mfa.STATE_ENROL
        if state == mfa.STATE_VERIFY:
            return self._to("identity:mfa_verify", request)
        if state == mfa.STATE_ENROL:
            return self._to("identity:mfa_enrol", request)
        return self.get_response(request)

    @staticmethod
    def _exempt() -> tuple[str, ...]:
        return (
            reverse("identity:mfa_verify"),
            reverse("identity:mfa_enrol"),
            reverse("tenants:sign_out"),
            "/" + settings.STATIC_URL.lstrip("/"),
        )

    @staticmethod
    def _to(name: str, request):
        url = reverse(name)
        if request.method == "GET":
            url += "?" + urlencode({"next": request.get_full_path()})
        return redirect(url)
