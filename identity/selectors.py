"""Reads of the identity app, always scoped to one tenant."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity.models import OIDCProvider, SignInPolicy
from tenants.models import Tenant, User


def provider_list(*, tenant: Tenant) -> QuerySet[OIDCProvider]:
    return OIDCProvider.objects.filter(tenant=tenant)


def provider_list_enabled(*, tenant: Tenant) -> QuerySet[OIDCProvider]:
    return provider_list(tenant=tenant).filter(enabled=True)


def provider_get(*, tenant: Tenant, provider_id: int) -> OIDCProvider:
    """The tenant's provider; another tenant's id is a 404."""
    provider = provider_list(tenant=tenant).filter(pk=provider_id).first()
    if provider is None:
        raise Http404("No such SSO provider.")
    return provider


def policy_get(*, tenant: Tenant) -> SignInPolicy | None:
    return SignInPolicy.objects.filter(tenant=tenant).select_related("break_glass_user").first()


def users_with_mfa(*, tenant: Tenant) -> QuerySet[User]:
    devices = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    return User.objects.filter(tenant=tenant).annotate(has_mfa=Exists(devices)).order_by("email")


def user_get_for_admin(*, tenant: Tenant, user_id: int) -> User:
    user = User.objects.filter(tenant=tenant, pk=user_id).first()
    if user is None:
        raise Http404("No such user.")
    return user


def admins(*, tenant: Tenant) -> QuerySet[User]:
    return User.objects.filter(tenant=tenant, role=User.Role.ADMIN, is_active=True).order_by(
        "email"
    )
