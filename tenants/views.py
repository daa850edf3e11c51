"""Sign-up, two-step sign-in, password reset, invitations, the Users page and the
Organization settings page."""

import smtplib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from common.forms import apply_validation_error
from common.pagination import paginate
from tenants import hooks, ratelimits, selectors, services
from tenants.access import admin_required
from tenants.audit import Action, audit_record
from tenants.client_ip import client_address
from tenants.forms import (
    CredentialsForm,
    OrganizationForm,
    OrganizationSettingsForm,
    PasswordForgotForm,
    PermittedNetworksForm,
    RoleForm,
    SetPasswordForm,
    SignUpForm,
    UserCreateForm,
    UserSearchForm,
)
from tenants.models import Tenant, User
from tenants.tokens import invitation_token, password_reset_token

BACKEND = "tenants.auth_backends.TenantEmailBackend"
SESSION_TENANT = "sign_in_tenant_id"  # also read by tenants.middleware
SESSION_NEXT = "sign_in_next"


def _home():
    return redirect(settings.LOGIN_REDIRECT_URL)


def _sign_in_tenant(request) -> Tenant | None:
    tenant_id = request.session.get(SESSION_TENANT)
    return selectors.tenant_get(tenant_id=tenant_id) if tenant_id else None


def root(request):
    if request.user.is_authenticated:
        return _home()
    return redirect("tenants:sign_in")


def _too_many(request, template: str, context: dict):
    context["error"] = ratelimits.TOO_MANY_REQUESTS
    return render(request, template, context, status=429)


def sign_up(request):
    form = SignUpForm(request.POST or None)
    if not ratelimits.form_post_allowed(request, action="signup"):
        return _too_many(request, "tenants/sign_up.html", {"form": form})
    if form.is_valid():
        data = form.cleaned_data
        try:
            _, user = services.tenant_register(
                org_name=data["org_name"],
                email=data["email"],
                password=data["password"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                time_zone=data["time_zone"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            login(request, user, backend=BACKEND)
            return _home()
    return render(request, "tenants/sign_up.html", {"form": form})


def sign_in(request):
    """Step 1: the organization name."""
    if request.user.is_authenticated:
        return _home()
    next_url = request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        request.session[SESSION_NEXT] = next_url
    initial = {"org_name": getattr(_sign_in_tenant(request), "name", "")}
    form = OrganizationForm(request.POST or None, initial=initial)
    if not ratelimits.form_post_allowed(request, action="login"):
        return _too_many(request, "tenants/sign_in.html", {"form": form})
    if form.is_valid():
        request.session[SESSION_TENANT] = form.tenant.pk
        return redirect("tenants:sign_in_credentials")
    return render(request, "tenants/sign_in.html", {"form": form})


def sign_in_credentials(request):
    """Step 2: email and password for the organization chosen in step 1."""
    tenant = _sign_in_tenant(request)
    if tenant is None:
        return redirect("tenants:sign_in")
    form = CredentialsForm(request.POST or None, request=request, tenant=tenant)
    sso_options = [
        option for answer in hooks.sign_in_options.fire(tenant=tenant) for option in answer
    ]
    context = {"form": form, "tenant": tenant, "sso_options": sso_options}
    if request.method == "POST":
        email = request.POST.get("email", "")
        if not ratelimits.sign_in_allowed(request, tenant=tenant, email=email):
            context["error"] = ratelimits.TOO_MANY_SIGN_INS
            return render(request, "tenants/sign_in_credentials.html", context, status=429)
        refusals = form.is_valid() and [
            reason
            for reason in hooks.password_sign_in_refusals.fire(tenant=tenant, user=form.user)
            if reason
        ]
        if refusals:
            context["error"] = refusals[0]
            return render(request, "tenants/sign_in_credentials.html", context, status=403)
        if form.is_valid():
            next_url = request.session.pop(SESSION_NEXT, "") or settings.LOGIN_REDIRECT_URL
            login(request, form.user, backend=BACKEND)
            audit_record(tenant=tenant, action=Action.SIGN_IN, actor=form.user, request=request)
            return redirect(next_url)
        ratelimits.sign_in_failed(request, tenant=tenant, email=email)
        attempted = email.replace("\x00", "").strip()[:254]
        audit_record(
            tenant=tenant,
            action=Action.SIGN_IN_FAILED,
            actor=selectors.user_get_in_tenant(tenant=tenant, email=attempted),
            actor_email=attempted,
            request=request,
        )
    return render(request, "tenants/sign_in_credentials.html", context)


@require_POST
def sign_out(request):
    logout(request)
    return redirect("tenants:sign_in")


def password_forgot(request):
    tenant = _sign_in_tenant(request)
    if tenant is None:
        messages.info(request, "Enter your organization name first, then choose Forgot password.")
        return redirect("tenants:sign_in")
    form = PasswordForgotForm(request.POST or None)
    context = {"form": form, "tenant": tenant}
    if form.is_valid():
        email = form.cleaned_data["email"]
        if not ratelimits.password_reset_allowed(request, tenant=tenant, email=email):
            context["error"] = ratelimits.TOO_MANY_RESETS
            return render(request, "tenants/password_forgot.html", context, status=429)
        services.password_reset_send(tenant=tenant, email=email)
        return render(
            request, "tenants/password_forgot_sent.html", {"tenant": tenant, "email": email}
        )
    return render(request, "tenants/password_forgot.html", context)


def _emailed_link_user(uidb64: str, token: str, generator) -> User | None:
    user = selectors.user_get_by_uid(uidb64=uidb64)
    if user is None or not user.is_active or not generator.check_token(user, token):
        return None
    return user


def password_reset(request, uidb64, token):
    user = _emailed_link_user(uidb64, token, password_reset_token)
    if user is None:
        return render(request, "tenants/link_invalid.html", {"kind": "password reset"}, status=400)
    form = SetPasswordForm(request.POST or None, user=user)
    if form.is_valid():
        services.user_set_password(user=user, password=form.cleaned_data["password"])
        ratelimits.sign_in_failures_clear(request, tenant=user.tenant, email=user.email)
        request.session[SESSION_TENANT] = user.tenant_id
        messages.success(request, "Your password is changed. Sign in with it.")
        return redirect("tenants:sign_in_credentials")
    return render(request, "tenants/password_reset.html", {"form": form, "reset_user": user})


def invitation_accept(request, uidb64, token):
    user = _emailed_link_user(uidb64, token, invitation_token)
    if user is None or user.has_usable_password():
        return render(request, "tenants/link_invalid.html", {"kind": "invitation"}, status=400)
    form = SetPasswordForm(request.POST or None, user=user)
    if form.is_valid():
        services.user_set_password(user=user, password=form.cleaned_data["password"])
        refusals = hooks.password_sign_in_refusals.fire(tenant=user.tenant, user=user)
        if any(refusals):
            messages.info(request, next(reason for reason in refusals if reason))
            request.session[SESSION_TENANT] = user.tenant_id
            return redirect("tenants:sign_in_credentials")
        login(request, user, backend=BACKEND)
        messages.success(request, f"Welcome to {user.tenant.name} on OrgVault.")
        return _home()
    return render(request, "tenants/invitation_accept.html", {"form": form, "invited": user})


@admin_required
def organization(request):
    tenant = request.user.tenant
    form = OrganizationSettingsForm(request.POST or None, tenant=tenant)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.tenant_update(
                tenant=tenant,
                actor=request.user,
                name=data["org_name"],
                time_zone=data["time_zone"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request, f"Saved. Times show, and schedules run, in {tenant.time_zone}."
            )
            return redirect("tenants:organization")
    return render(request, "tenants/organization.html", {"form": form})


@admin_required
def permitted_ips(request):
    """The tenant's permitted IPs; a list without the admin's own address needs a tick."""
    tenant = request.user.tenant
    initial = {"networks": tenant.permitted_networks}
    form = PermittedNetworksForm(request.POST or None, initial=initial)
    address = client_address(request)
    if form.is_valid():
        try:
            services.tenant_set_permitted_networks(
                tenant=tenant,
                actor=request.user,
                text=form.cleaned_data["networks"],
                actor_address=address,
                confirmed=form.cleaned_data["confirm_lockout"],
            )
        except ValidationError as error:
            form.add_error("networks", error)
        else:
            messages.success(request, "Permitted IPs saved.")
            return redirect("tenants:permitted_ips")
    context = {"form": form, "client_address": address}
    return render(request, "tenants/permitted_ips.html", context)


@admin_required
def users(request):
    search = UserSearchForm(request.GET)
    query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    pagination = paginate(request, selectors.user_list(actor=request.user, search=query))
    return render(
        request, "tenants/users.html", {"pagination": pagination, "search": search, "q": query}
    )


def _send_invitation(request, user: User) -> None:
    try:
        services.invitation_send(user=user, invited_by=request.user)
    except (OSError, smtplib.SMTPException) as error:
        messages.error(
            request,
            f"The invitation email to {user.email} could not be sent ({error}). "
            "Check the email settings, then use “Resend invitation”.",
        )
    else:
        messages.success(request, f"Invitation sent to {user.email}.")


@admin_required
def user_create(request):
    form = UserCreateForm(request.POST or None)
    if form.is_valid():
        try:
            user = services.user_invite(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            _send_invitation(request, user)
            return redirect("tenants:users")
    return render(request, "tenants/user_create.html", {"form": form})


@admin_required
def user_detail(request, user_id):
    user = selectors.user_get_for_admin(actor=request.user, user_id=user_id)
    form = RoleForm(request.POST or None, initial={"role": user.role})
    if form.is_valid():
        try:
            services.user_change_role(actor=request.user, user=user, role=form.cleaned_data["role"])
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"{user.email} is now {user.get_role_display()}.")
            return redirect("tenants:user_detail", user_id=user.pk)
    return render(request, "tenants/user_detail.html", {"member": user, "form": form})


def _user_action(request, user_id, action, done: str):
    user = selectors.user_get_for_admin(actor=request.user, user_id=user_id)
    if request.method != "POST":
        return redirect("tenants:user_detail", user_id=user.pk)
    try:
        action(actor=request.user, user=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done.format(email=user.email))
    return redirect("tenants:user_detail", user_id=user.pk)


@admin_required
def user_deactivate(request, user_id):
    return _user_action(
        request, user_id, services.user_deactivate, "{email} is deactivated and cannot sign in."
    )


@admin_required
def user_reactivate(request, user_id):
    return _user_action(
        request, user_id, services.user_reactivate, "{email} is active again and can sign in."
    )


@admin_required
def user_resend_invitation(request, user_id):
    user = selectors.user_get_for_admin(actor=request.user, user_id=user_id)
    if request.method == "POST" and user.status == User.Status.INVITED:
        _send_invitation(request, user)
    return redirect("tenants:user_detail", user_id=user.pk)
