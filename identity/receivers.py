"""Identity's answers to tenants' hooks and to Django's user_logged_in signal."""

from __future__ import annotations

from django.urls import reverse

from identity import mfa, selectors


def mfa_state_on_login(sender, request, user, **kwargs) -> None:
    """What identity.middleware asks of this session before anything else (set once per
    sign-in, so pages cost no MFA query)."""
    if request is not None and hasattr(request, "session"):
        request.session[mfa.SESSION_STATE] = mfa.mfa_sign_in_state(user)


def sso_sign_in_options(*, tenant) -> list[dict[str, str]]:
    providers = list(selectors.provider_list_enabled(tenant=tenant))
    return [
        {
            "label": "Login with SSO" + (f" ({p.name})" if len(providers) > 1 else ""),
            "url": reverse("identity:sso_start", args=[p.pk]),
        }
        for p in providers
    ]


def sso_required_refusal(*, tenant, user) -> str:
    policy = selectors.policy_get(tenant=tenant)
    if policy is None or not policy.sso_required or policy.break_glass_user_id == user.pk:
        return ""
    return "Your organization signs in with SSO: use the Login with SSO button."
