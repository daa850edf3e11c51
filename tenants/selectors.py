"""Reads for tenants and users, always scoped to the caller's tenant."""

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import QuerySet
from django.http import Http404

from tenants.models import AuditEvent, PermissionGroup, Tenant, User, tenant_name_key
from tenants.tokens import decode_uid


def tenant_get_by_name(*, name: str) -> Tenant | None:
    """The tenant whose name matches, ignoring case (in any script), compatibility forms
    (NFKC: full-width letters, ligatures) and surrounding spaces."""
    return Tenant.objects.filter(name_key=tenant_name_key(name)).first()


def tenant_get(*, tenant_id: int) -> Tenant | None:
    return Tenant.objects.filter(pk=tenant_id).first()


def user_list(*, actor: User, search: str = "") -> QuerySet[User]:
    """The actor's tenant's users, optionally those whose email contains `search`."""
    if actor.tenant_id is None:
        return User.objects.none()
    users = User.objects.filter(tenant_id=actor.tenant_id).order_by("email", "pk")
    if search.strip():
        users = users.filter(email__icontains=search.strip())
    return users


def user_get_for_admin(*, actor: User, user_id: int) -> User:
    """A user of the actor's tenant, or 404 (a foreign tenant's id must not leak)."""
    if actor.tenant_id is None:
        raise Http404("No such user in your organization.")
    user = User.objects.filter(tenant_id=actor.tenant_id, pk=user_id).first()
    if user is None:
        raise Http404("No such user in your organization.")
    return user


def user_get_in_tenant(*, tenant: Tenant, email: str) -> User | None:
    return User.objects.filter(tenant=tenant, email__iexact=email.strip()).first()


def user_get_by_uid(*, uidb64: str) -> User | None:
    """The user an emailed link names (the link's token is checked by the caller)."""
    user_id = decode_uid(uidb64)
    if user_id is None:
        return None
    return User.objects.select_related("tenant").filter(pk=user_id).first()


def active_admin_count(*, tenant_id: int) -> int:
    """Admins who can sign in: active and with a password set (not merely invited)."""
    return (
        User.objects.filter(tenant_id=tenant_id, role=User.Role.ADMIN, is_active=True)
        .exclude(password__startswith=UNUSABLE_PASSWORD_PREFIX)
        .count()
    )


def audit_event_list(
    *,
    actor: User,
    action: str = "",
    actor_email: str = "",
    since=None,
    until=None,
) -> QuerySet[AuditEvent]:
    """The actor's tenant's audit events, newest first, filtered: `action` exact or a
    prefix ending in "." ("sign_in."), `actor_email` contained, `since`/`until` aware
    datetimes (until exclusive)."""
    if actor.tenant_id is None:
        return AuditEvent.objects.none()
    events = AuditEvent.objects.filter(tenant_id=actor.tenant_id)
    action = action.strip()
    if action.endswith("."):
        events = events.filter(action__startswith=action)
    elif action:
        events = events.filter(action=action)
    if actor_email.strip():
        events = events.filter(actor_email__icontains=actor_email.strip())
    if since is not None:
        events = events.filter(created_at__gte=since)
    if until is not None:
        events = events.filter(created_at__lt=until)
    return events.order_by("-created_at", "-pk")


def permission_group_list(*, actor: User) -> QuerySet[PermissionGroup]:
    if actor.tenant_id is None:
        return PermissionGroup.objects.none()
    return PermissionGroup.objects.filter(tenant_id=actor.tenant_id).prefetch_related("members")


def permission_group_get(*, actor: User, group_id: int) -> PermissionGroup:
    """A group of the actor's tenant, or 404."""
    group = (
        PermissionGroup.objects.filter(tenant_id=actor.tenant_id, pk=group_id).first()
        if actor.tenant_id is not None
        else None
    )
    if group is None:
        raise Http404("No such group in your organization.")
    return group
