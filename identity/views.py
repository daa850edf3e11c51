"""SSO sign-in (start and callback), the MFA code and enrolment pages, the account's
Security page, and the Admin's Sign-in & security settings."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from common.forms import apply_validation_error
from identity import mfa, selectors, services
from identity.forms import CodeForm, PolicyForm, ProviderForm
from identity.models import OIDCProvider
from identity.oidc import SSOError
from tenants import selectors as tenant_selectors
from tenants.access import admin_required

BACKEND = "tenants.auth_backends.TenantEmailBackend"
SESSION_SIGN_IN_TENANT = "sign_in_tenant_id"  # tenants.views.SESSION_TENANT
SESSION_NEXT = "sign_in_next"  # tenants.views.SESSION_NEXT


def _next_url(request, default: str = "") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, {request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default or reverse(settings.LOGIN_REDIRECT_URL)


def _sso_error(request, message: str, status: int = 400):
    return render(request, "identity/sso_error.html", {"message": message}, status=status)


def sso_start(request, provider_id):
    """LOGIN WITH SSO on step 2 of sign-in (or a signed-in user signing in again): off to
    the tenant's provider; another tenant's provider is a 404."""
    tenant_id = request.session.get(SESSION_SIGN_IN_TENANT)
    tenant = tenant_selectors.tenant_get(tenant_id=tenant_id) if tenant_id else None
    if request.user.is_authenticated:
        tenant = request.user.tenant
    if tenant is None:
        return redirect("tenants:sign_in")
    provider = selectors.provider_get(tenant=tenant, provider_id=provider_id)
    if not provider.enabled:
        raise Http404("No such SSO provider.")
    redirect_uri = request.build_absolute_uri(reverse("identity:sso_callback"))
    try:
        url = services.sso_begin(request=request, provider=provider, redirect_uri=redirect_uri)
    except SSOError as error:
        return _sso_error(request, str(error), status=502)
    return redirect(url)


def sso_callback(request):
    provider_id = services.sso_pending_provider_id(request)
    provider = OIDCProvider.objects.filter(pk=provider_id, enabled=True).first()
    if provider is None:
        return _sso_error(request, "This sign-in expired or was already used. Start again.")
    try:
        user = services.sso_complete(request=request, provider=provider, params=request.GET.dict())
    except SSOError as error:
        return _sso_error(request, str(error))
    next_url = request.session.pop(SESSION_NEXT, "") or reverse(settings.LOGIN_REDIRECT_URL)
    login(request, user, backend=BACKEND)
    return redirect(next_url)


@login_required
def mfa_verify(request):
    """Second step of sign-in for users with an authenticator app (or a recovery code)."""
    user = request.user
    next_url = _next_url(request)
    if user.is_verified():
        return redirect(next_url)
    if not mfa.has_device(user):
        request.session[mfa.SESSION_STATE] = mfa.mfa_sign_in_state(user)
        return redirect(next_url)
    form = CodeForm(request.POST or None)
    if form.is_valid():
        if mfa.verify(request=request, user=user, token=form.cleaned_data["code"]):
            return redirect(next_url)
        form.add_error(
            "code",
            "That code is not right, or was already used. Enter the current code from your "
            "app, or one of your recovery codes.",
        )
    return render(request, "identity/mfa_verify.html", {"form": form, "next": next_url})


@login_required
def mfa_enrol(request):
    """Set up an authenticator app: QR code, then a first code; recovery codes once."""
    user = request.user
    next_url = _next_url(request, reverse("identity:account_security"))
    if mfa.has_device(user) and not user.is_verified():
        return redirect(reverse("identity:mfa_verify") + "?" + urlencode({"next": next_url}))
    device = mfa.enrol_begin(user=user)
    form = CodeForm(request.POST or None)
    if form.is_valid():
        codes = mfa.enrol_confirm(request=request, user=user, token=form.cleaned_data["code"])
        if codes is not None:
            request.session[mfa.SESSION_STATE] = ""
            context = {"codes": codes, "next": next_url, "first": True}
            return render(request, "identity/recovery_codes.html", context)
        form.add_error("code", "That code is not right. Enter the 6 digits your app shows now.")
    context = {
        "form": form,
        "next": next_url,
        "qr_svg": mark_safe(mfa.qr_svg(device)),  # noqa: S308 — drawn by segno from our URI
        "secret": mfa.secret_base32(device),
        "required": mfa.mfa_required(user),
    }
    return render(request, "identity/mfa_enrol.html", context)


@login_required
def account_security(request):
    user = request.user
    context = {
        "has_mfa": mfa.has_device(user),
        "codes_left": mfa.recovery_codes_left(user),
        "required": mfa.mfa_required(user),
    }
    return render(request, "identity/account_security.html", context)


@login_required
@require_POST
def mfa_remove(request):
    user = request.user
    if mfa.mfa_required(user):
        messages.error(request, "Your organization requires MFA: set up a new app instead.")
        return redirect("identity:account_security")
    mfa.devices_remove(request=request, actor=user, user=user)
    request.session[mfa.SESSION_STATE] = ""
    messages.success(request, "MFA is removed from your account.")
    return redirect("identity:account_security")


@login_required
@require_POST
def recovery_codes_renew(request):
    if not mfa.has_device(request.user):
        return redirect("identity:account_security")
    codes = mfa.recovery_codes_renew(request=request, user=request.user)
    next_url = reverse("identity:account_security")
    return render(request, "identity/recovery_codes.html", {"codes": codes, "next": next_url})


@admin_required
def sign_in_settings(request):
    tenant = request.user.tenant
    policy = selectors.policy_get(tenant=tenant)
    admins = selectors.admins(tenant=tenant)
    initial = {
        "mfa_required": bool(policy and policy.mfa_required),
        "sso_required": bool(policy and policy.sso_required),
        "break_glass_user": policy.break_glass_user if policy else None,
    }
    form = PolicyForm(request.POST or None, initial=initial, admins=admins)
    if form.is_valid():
        try:
            services.policy_set(
                tenant=tenant, actor=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Sign-in policy saved.")
            return redirect("identity:sign_in_settings")
    context = {
        "form": form,
        "providers": selectors.provider_list(tenant=tenant),
        "members": selectors.users_with_mfa(tenant=tenant),
    }
    return render(request, "identity/sign_in_settings.html", context)


def _provider_form(request, provider: OIDCProvider | None):
    tenant = request.user.tenant
    initial = ProviderForm.initial_for(provider) if provider else None
    redirect_uri = request.build_absolute_uri(reverse("identity:sso_callback"))
    form = ProviderForm(request.POST or None, initial=initial, redirect_uri=redirect_uri)
    if form.is_valid():
        try:
            services.provider_save(
                tenant=tenant,
                actor=request.user,
                provider=provider,
                request=request,
                **form.cleaned_data,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"SSO provider “{form.cleaned_data['name']}” saved.")
            return redirect("identity:sign_in_settings")
    context = {"form": form, "provider": provider}
    return render(request, "identity/provider_form.html", context)


@admin_required
def provider_create(request):
    return _provider_form(request, None)


@admin_required
def provider_edit(request, provider_id):
    provider = selectors.provider_get(tenant=request.user.tenant, provider_id=provider_id)
    return _provider_form(request, provider)


@admin_required
@require_POST
def provider_delete(request, provider_id):
    provider = selectors.provider_get(tenant=request.user.tenant, provider_id=provider_id)
    try:
        services.provider_delete(actor=request.user, provider=provider, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"SSO provider “{provider.name}” deleted.")
    return redirect("identity:sign_in_settings")


@admin_required
@require_POST
def user_mfa_reset(request, user_id):
    member = selectors.user_get_for_admin(tenant=request.user.tenant, user_id=user_id)
    mfa.devices_remove(request=request, actor=request.user, user=member)
    messages.success(request, f"MFA of {member.email} is reset: they set it up again at sign-in.")
    return redirect("identity:sign_in_settings")
