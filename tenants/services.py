"""Writes for tenants and users: keyword-only, each in one transaction.

Validation errors are raised as django.core.exceptions.ValidationError keyed by the
form field they belong to, so forms and the management command show the same words.
"""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from common.email import absolute_url, send_templated_email
from tenants import hooks, permitted_ips, selectors
from tenants.audit import Action, audit_record
from tenants.models import Permission, PermissionGroup, Tenant, User, tenant_name_normal
from tenants.time_zones import DEFAULT as DEFAULT_TIME_ZONE
from tenants.time_zones import time_zone_names
from tenants.tokens import encode_uid, invitation_token, password_reset_token

EMAIL_MAX_LENGTH = 128  # the internal username is "<tenant id>:<email>", 150 at most
ORG_NAME_MAX_LENGTH: int = Tenant._meta.get_field("name").max_length or 120
PERSON_NAME_MAX_LENGTH: int = User._meta.get_field("first_name").max_length or 150


def _text_clean(field: str, label: str, value: str, max_length: int) -> str:
    """`value` without surrounding spaces, if it fits its column and holds no NUL
    character (which PostgreSQL refuses): a clear message for forms and commands."""
    value = value.strip()
    if "\x00" in value:
        raise ValidationError({field: f"The {label} contains a NUL character (\\x00): remove it."})
    if len(value) > max_length:
        raise ValidationError(
            {field: f"The {label} is {len(value)} characters long: use at most {max_length}."}
        )
    return value


def _org_name_taken(name: str) -> ValidationError:
    return ValidationError(
        {
            "org_name": f"An organization named “{name}” already exists. "
            "Choose another name, or sign in to that organization."
        }
    )


def org_name_clean(*, name: str, tenant: Tenant | None = None) -> str:
    """The organization name, NFKC-normalised and without surrounding spaces, if no
    other tenant has it (ignoring case and compatibility forms); `tenant` is the one
    being renamed, whose own name is no clash. The length is checked after normalising,
    before any query."""
    name = _text_clean(
        "org_name", "organization name", tenant_name_normal(name), ORG_NAME_MAX_LENGTH
    )
    if not name:
        raise ValidationError({"org_name": "Enter an organization name."})
    holder = selectors.tenant_get_by_name(name=name)
    if holder is not None and (tenant is None or holder.pk != tenant.pk):
        raise _org_name_taken(name)
    return name


def time_zone_clean(*, time_zone: str) -> str:
    if time_zone not in time_zone_names():
        raise ValidationError(
            {
                "time_zone": f"“{time_zone}” is not a time zone we know. Choose one from the "
                "list, such as Europe/Paris or America/New_York."
            }
        )
    return time_zone


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None


def tenant_register(
    *,
    org_name: str,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    time_zone: str = DEFAULT_TIME_ZONE,
) -> tuple[Tenant, User]:
    """Create a tenant and its first user, an Admin who can sign in at once."""
    email = email.strip().lower()
    if not org_name.strip():
        raise ValidationError({"org_name": "Enter an organization name."})
    time_zone_clean(time_zone=time_zone)
    if not email or "@" not in email or "\x00" in email or len(email) > EMAIL_MAX_LENGTH:
        raise ValidationError({"email": "Enter a valid email address (128 characters at most)."})
    first_name = _text_clean("first_name", "first name", first_name, PERSON_NAME_MAX_LENGTH)
    last_name = _text_clean("last_name", "last name", last_name, PERSON_NAME_MAX_LENGTH)
    _check_password(password, User(email=email, first_name=first_name, last_name=last_name))
    org_name = org_name_clean(name=org_name)
    try:
        with transaction.atomic():
            tenant = Tenant.objects.create(name=org_name, time_zone=time_zone)
            user = User.objects.create_user(
                tenant=tenant,
                email=email,
                password=password,
                first_name=first_name.strip(),
                last_name=last_name.strip(),
                role=User.Role.ADMIN,
            )
    except IntegrityError:  # a concurrent sign-up took the name first
        raise _org_name_taken(org_name) from None
    return tenant, user


def tenant_update(*, tenant: Tenant, actor: User, name: str, time_zone: str) -> Tenant:
    """Rename the actor's tenant and set its time zone. A new time zone moves the next
    run of its orgs' schedules, which run at their times in the tenant's zone."""
    if actor.tenant_id != tenant.pk or not actor.is_tenant_admin:
        raise ValidationError(f"Only an Admin of {tenant.name} can change its settings.")
    name = org_name_clean(name=name, tenant=tenant)
    time_zone_clean(time_zone=time_zone)
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        zone_changed = locked.time_zone != time_zone
        changes = {
            field: {"from": getattr(locked, field), "to": value}
            for field, value in (("name", name), ("time_zone", time_zone))
            if getattr(locked, field) != value
        }
        locked.name, locked.time_zone = name, time_zone
        try:
            with transaction.atomic():
                locked.save(update_fields=["name", "time_zone", "updated_at"])
        except IntegrityError:  # a concurrent sign-up or rename took the name first
            raise _org_name_taken(name) from None
        if zone_changed:
            hooks.time_zone_changed.fire(tenant=locked)
        if changes:
            audit_record(
                tenant=tenant, action=Action.ORGANIZATION_CHANGED, actor=actor, detail=changes
            )
    tenant.name, tenant.time_zone, tenant.updated_at = name, time_zone, locked.updated_at
    return tenant


def user_invite(
    *, actor: User, email: str, role: str, first_name: str = "", last_name: str = ""
) -> User:
    """Add a user to the actor's tenant with no password yet (status Invited).

    The caller sends the invitation with `invitation_send` once this has committed.
    """
    tenant = actor.tenant
    if tenant is None:
        raise ValidationError("Only a user of an organization can invite users to it.")
    email = email.strip().lower()
    if not email or "@" not in email or "\x00" in email or len(email) > EMAIL_MAX_LENGTH:
        raise ValidationError({"email": "Enter a valid email address (128 characters at most)."})
    first_name = _text_clean("first_name", "first name", first_name, PERSON_NAME_MAX_LENGTH)
    last_name = _text_clean("last_name", "last name", last_name, PERSON_NAME_MAX_LENGTH)
    if selectors.user_get_in_tenant(tenant=tenant, email=email) is not None:
        raise ValidationError({"email": f"{email} is already a user of your organization."})
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                tenant=tenant,
                email=email,
                password=None,  # unusable until the invitation is accepted
                first_name=first_name.strip(),
                last_name=last_name.strip(),
                role=role,
            )
            audit_record(
                tenant=tenant,
                action=Action.USER_INVITED,
                actor=actor,
                target=email,
                detail={"role": role},
            )
    except IntegrityError:
        raise ValidationError(
            {"email": f"{email} is already a user of your organization."}
        ) from None
    return user


def invitation_send(*, user: User, invited_by: User) -> None:
    """Email a set-password link, valid for 7 days."""
    tenant = user.tenant
    if tenant is None:
        raise ValueError(f"{user.email} is in no organization: there is nothing to invite to.")
    path = reverse(
        "tenants:invitation_accept",
        kwargs={"uidb64": encode_uid(user), "token": invitation_token.make_token(user)},
    )
    send_templated_email(
        to=[user.email],
        subject=f"You are invited to {tenant.name} on OrgVault",
        template="invitation",
        context={
            "user": user,
            "tenant": tenant,
            "invited_by": invited_by,
            "url": absolute_url(path),
            "days": invitation_token.max_age // 86400,
        },
    )


def password_reset_send(*, tenant: Tenant, email: str) -> None:
    """Email a reset link if an active user of `tenant` has this email; otherwise do
    nothing, so the response cannot tell whether the account exists."""
    user = selectors.user_get_in_tenant(tenant=tenant, email=email)
    if user is None or not user.is_active:
        return
    audit_record(
        tenant=tenant, action=Action.PASSWORD_RESET_REQUESTED, actor=user, target=user.email
    )
    path = reverse(
        "tenants:password_reset",
        kwargs={"uidb64": encode_uid(user), "token": password_reset_token.make_token(user)},
    )
    send_templated_email(
        to=[user.email],
        subject=f"Reset your OrgVault password for {tenant.name}",
        template="password_reset",
        context={
            "user": user,
            "tenant": tenant,
            "url": absolute_url(path),
            "hours": password_reset_token.max_age // 3600,
        },
    )


def user_set_password(*, user: User, password: str) -> User:
    """Set a password chosen through an emailed link (reset or invitation)."""
    _check_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password", "updated_at"])
        if user.tenant_id is not None:
            audit_record(
                tenant=user.tenant_id,
                action=Action.PASSWORD_CHANGED,
                actor=user,
                target=user.email,
            )
    return user


def _lock_tenant_users(actor: User, user: User) -> None:
    """Serialize role and status changes per tenant (so two Admins demoting each other
    at once cannot leave none), and refuse a user from another tenant."""
    if actor.tenant_id is None or user.tenant_id != actor.tenant_id:
        raise ValidationError("That user is not in your organization.")
    Tenant.objects.select_for_update().filter(pk=actor.tenant_id).first()
    user.refresh_from_db(fields=["role", "is_active", "password"])


def _ensure_other_admin(user: User, doing: str) -> None:
    if user.status != User.Status.ACTIVE or not user.is_tenant_admin or user.tenant_id is None:
        return
    if selectors.active_admin_count(tenant_id=user.tenant_id) <= 1:
        raise ValidationError(
            f"You cannot {doing} {user.email}: they are the last active Admin of "
            f"{user.tenant}. Make another user an Admin first."
        )


def user_change_role(*, actor: User, user: User, role: str) -> User:
    if role not in User.Role.values:
        raise ValidationError({"role": "Choose Admin or User."})
    with transaction.atomic():
        _lock_tenant_users(actor, user)
        if role != User.Role.ADMIN:
            _ensure_other_admin(user, "make a User of")
        old_role = user.role
        user.role = role
        user.save(update_fields=["role", "updated_at"])
        if old_role != role:
            audit_record(
                tenant=actor.tenant_id or 0,
                action=Action.USER_ROLE_CHANGED,
                actor=actor,
                target=user.email,
                detail={"from": old_role, "to": role},
            )
    return user


def user_deactivate(*, actor: User, user: User) -> User:
    """A deactivated user cannot sign in; their history stays."""
    with transaction.atomic():
        _lock_tenant_users(actor, user)
        _ensure_other_admin(user, "deactivate")
        was_active = user.is_active
        user.is_active = False
        user.save(update_fields=["is_active", "updated_at"])
        if was_active:
            audit_record(
                tenant=actor.tenant_id or 0,
                action=Action.USER_DEACTIVATED,
                actor=actor,
                target=user.email,
            )
    return user


def user_reactivate(*, actor: User, user: User) -> User:
    with transaction.atomic():
        _lock_tenant_users(actor, user)
        was_active = user.is_active
        user.is_active = True
        user.save(update_fields=["is_active", "updated_at"])
        if not was_active:
            audit_record(
                tenant=actor.tenant_id or 0,
                action=Action.USER_REACTIVATED,
                actor=actor,
                target=user.email,
            )
    return user


LOCKOUT_CODE = "would_lock_out"


def tenant_set_permitted_networks(
    *, tenant: Tenant, actor: User, text: str, actor_address, confirmed: bool = False
) -> Tenant:
    """Save the tenant's permitted IPs. A list that leaves out `actor_address` (the
    admin's own client address) is refused with code LOCKOUT_CODE unless `confirmed`."""
    if actor.tenant_id != tenant.pk or not actor.is_tenant_admin:
        raise ValidationError(f"Only an Admin of {tenant.name} can change its permitted IPs.")
    networks = "\n".join(permitted_ips.networks_parse(text))
    if not confirmed and not permitted_ips.address_permitted(actor_address, networks):
        raise ValidationError(
            f"This list does not include your own address ({actor_address or 'unknown'}): "
            "saving it will lock you out at once. Add your address, or tick the box to "
            "confirm.",
            code=LOCKOUT_CODE,
        )
    with transaction.atomic():
        Tenant.objects.filter(pk=tenant.pk).update(permitted_networks=networks)
        audit_record(
            tenant=tenant,
            action=Action.IP_SETTINGS_CHANGED,
            actor=actor,
            target="Permitted IPs",
            detail={
                "from": tenant.permitted_networks.splitlines(),
                "to": networks.splitlines(),
                "lockout_confirmed": bool(confirmed),
            },
        )
    tenant.permitted_networks = networks
    return tenant


GROUP_NAME_MAX: int = PermissionGroup._meta.get_field("name").max_length or 80


def _group_admin_check(actor: User) -> Tenant:
    """The actor's tenant, if the actor is one of its active Admins."""
    if actor.tenant is None or not actor.is_tenant_admin or not actor.is_active:
        raise ValidationError("Only an Admin of the organization can manage its groups.")
    return actor.tenant


def _group_clean(
    *, tenant: Tenant, name: str, permissions: list[str], group: PermissionGroup | None = None
) -> tuple[str, list[str]]:
    name = _text_clean("name", "group name", name, GROUP_NAME_MAX)
    if not name:
        raise ValidationError({"name": "Name the group."})
    unknown = [p for p in permissions if p not in Permission.values]
    if unknown:
        raise ValidationError(
            {"permissions": f"Unknown permission: {', '.join(unknown)[:120]}. Tick from the list."}
        )
    taken = PermissionGroup.objects.filter(tenant=tenant, name__iexact=name)
    if group is not None:
        taken = taken.exclude(pk=group.pk)
    if taken.exists():
        raise ValidationError({"name": f"A group named “{name}” already exists."})
    return name, [p for p in Permission.values if p in permissions]


def _members_clean(tenant: Tenant, member_ids) -> list[User]:
    ids = {int(i) for i in member_ids}
    members = list(User.objects.filter(tenant=tenant, pk__in=ids))
    if len(members) != len(ids):
        raise ValidationError({"members": "Choose members from your organization's users."})
    return members


def permission_group_create(
    *, actor: User, name: str, permissions: list[str], member_ids=()
) -> PermissionGroup:
    """A new group of the actor's tenant (Admins only)."""
    tenant = _group_admin_check(actor)
    name, permissions = _group_clean(tenant=tenant, name=name, permissions=permissions)
    members = _members_clean(tenant, member_ids)
    try:
        with transaction.atomic():
            group = PermissionGroup.objects.create(
                tenant=tenant, name=name, permissions=permissions
            )
            group.members.set(members)
            audit_record(
                tenant=tenant,
                action=Action.GROUP_CREATED,
                actor=actor,
                target=name,
                detail={
                    "permissions": permissions,
                    "members": sorted(m.email for m in members),
                },
            )
    except IntegrityError:
        raise ValidationError({"name": f"A group named “{name}” already exists."}) from None
    return group


def permission_group_update(
    *, actor: User, group: PermissionGroup, name: str, permissions: list[str], member_ids=()
) -> PermissionGroup:
    """Rename a group, set its permissions and its members; one audit event for what
    changed in its name and permissions, one for a change of members."""
    tenant = _group_admin_check(actor)
    if group.tenant_id != tenant.pk:
        raise ValidationError("That group is not in your organization.")
    name, permissions = _group_clean(tenant=tenant, name=name, permissions=permissions, group=group)
    members = _members_clean(tenant, member_ids)
    try:
        with transaction.atomic():
            locked = PermissionGroup.objects.select_for_update().get(pk=group.pk)
            before = {m.email for m in locked.members.all()}
            after = {m.email for m in members}
            changes: dict[str, dict] = {}
            if locked.name != name:
                changes["name"] = {"from": locked.name, "to": name}
            if locked.permissions != permissions:
                changes["permissions"] = {"from": locked.permissions, "to": permissions}
            locked.name, locked.permissions = name, permissions
            locked.save(update_fields=["name", "permissions", "updated_at"])
            locked.members.set(members)
            if changes:
                audit_record(
                    tenant=tenant,
                    action=Action.GROUP_CHANGED,
                    actor=actor,
                    target=name,
                    detail=changes,
                )
            if before != after:
                audit_record(
                    tenant=tenant,
                    action=Action.GROUP_MEMBERS_CHANGED,
                    actor=actor,
                    target=name,
                    detail={"added": sorted(after - before), "removed": sorted(before - after)},
                )
    except IntegrityError:
        raise ValidationError({"name": f"A group named “{name}” already exists."}) from None
    group.name, group.permissions = name, permissions
    return group


def permission_group_delete(*, actor: User, group: PermissionGroup) -> None:
    tenant = _group_admin_check(actor)
    if group.tenant_id != tenant.pk:
        raise ValidationError("That group is not in your organization.")
    with transaction.atomic():
        members = sorted(m.email for m in group.members.all())
        audit_record(
            tenant=tenant,
            action=Action.GROUP_DELETED,
            actor=actor,
            target=group.name,
            detail={"permissions": group.permissions, "members": members},
        )
        group.delete()
