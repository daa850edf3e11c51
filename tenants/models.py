import unicodedata
from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower


def tenant_name_normal(name: str) -> str:
    """The name as it is stored: NFKC (full-width, ligature and other compatibility
    forms become their plain letters) without surrounding spaces."""
    return unicodedata.normalize("NFKC", name).strip()


def tenant_name_key(name: str) -> str:
    """What two names must share to be the same organization: NFKC and case-folded in
    any script (Straße = STRASSE, Ａｃｍｅ = acme), so a look-alike cannot take a name."""
    return unicodedata.normalize("NFKC", tenant_name_normal(name).casefold())


class NameKeyField(models.CharField):
    """tenant_name_key of the row's `name`, computed whenever the row is written
    (save, create and bulk_create all call pre_save)."""

    def pre_save(self, model_instance, add):
        value = tenant_name_key(model_instance.name)
        setattr(model_instance, self.attname, value)
        return value


class Tenant(models.Model):
    """A customer organization: everything a user sees is scoped to one tenant."""

    name = models.CharField(max_length=120)
    # tenant_name_key(name): unique, and what sign-in looks a name up by.
    name_key = NameKeyField(max_length=600, unique=True, editable=False)
    time_zone = models.CharField(max_length=64, default="UTC")
    # Addresses and CIDR ranges (one per line, normalised by services) that may reach
    # the tenant's pages; empty means any address (tenants.middleware).
    permitted_networks = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_key"}
        super().save(*args, **kwargs)


class TenantUserManager(UserManager):
    def create_user(self, username=None, email=None, password=None, **extra):
        if not username:
            username = User.make_username(extra.get("tenant"), email)
        return super().create_user(username, email, password, **extra)


class User(AbstractUser):
    """A person in one tenant. The same email may exist in several tenants.

    `username` is internal ("<tenant id>:<email>"), never shown: people sign in with
    organization name, then email and password.
    """

    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        USER = "user", "User"

    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, related_name="users", null=True, blank=True
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.USER)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[TenantUserManager] = TenantUserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint("tenant", Lower("email"), name="user_email_unique_per_tenant"),
        ]

    def __str__(self) -> str:
        return self.email

    @staticmethod
    def make_username(tenant, email: str | None) -> str:
        tenant_id = tenant.pk if tenant is not None else 0
        return f"{tenant_id}:{(email or '').strip().lower()}"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        INVITED = "invited", "Invited"
        DEACTIVATED = "deactivated", "Deactivated"

    @property
    def is_tenant_admin(self) -> bool:
        return self.role == self.Role.ADMIN

    @property
    def status(self) -> str:
        """Deactivated wins; an invited user has not set a password yet nor signed in
        (a user made by single sign-on has no password, and is active)."""
        if not self.is_active:
            return self.Status.DEACTIVATED
        if not self.has_usable_password() and self.last_login is None:
            return self.Status.INVITED
        return self.Status.ACTIVE

    def get_status_display(self) -> str:
        return self.Status(self.status).label


class Permission(models.TextChoices):
    """What a group can let its Users do; Admins may do all of it."""

    RUN_BACKUPS = "run_backups", "Run backups"
    RESTORE = "restore", "Restore"
    ARCHIVE = "archive", "Archive"
    EXPORT = "export", "Export"
    SEARCH = "search", "Search"
    PURGE = "purge", "Purge"
    MANAGE_SETTINGS = "manage_settings", "Manage settings"


class PermissionGroup(models.Model):
    """A named set of permissions given to some Users of one tenant (tenants.permissions)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="permission_groups")
    name = models.CharField(max_length=80)
    # A list of Permission values, checked by tenants.services.
    permissions = models.JSONField(default=list, blank=True)
    members = models.ManyToManyField(User, related_name="permission_groups", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint("tenant", Lower("name"), name="permission_group_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_permissions_display(self) -> list[str]:
        return [Permission(p).label for p in Permission.values if p in self.permissions]


class AppendOnlyQuerySet(models.QuerySet):
    """Audit events are written once: no bulk update or delete through the ORM."""

    def update(self, **kwargs):
        # The one change allowed: a deleted user's events lose the link to them
        # (on_delete=SET_NULL); their email stays in actor_email.
        if kwargs.keys() <= {"actor", "actor_id"} and not any(kwargs.values()):
            return super().update(**kwargs)
        raise TypeError("Audit events are append-only: they cannot be updated.")

    def delete(self):
        raise TypeError("Audit events are append-only: they cannot be deleted.")


class AuditEvent(models.Model):
    """One security-relevant event of a tenant: who, when, from which address, what.

    Written only by tenants.audit.audit_record; never updated or deleted (a tenant's
    deletion cascades through the database). `detail` holds ids, names of schema and
    settings and counts, never record data."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="audit_events")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(max_length=64, db_index=True)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The actor's (or the attempted) email, kept if the user is deleted later.
    actor_email = models.CharField(max_length=254, blank=True, default="")
    address = models.GenericIPAddressField(null=True, blank=True)
    target = models.CharField(max_length=255, blank=True, default="")
    detail = models.JSONField(default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["tenant", "-created_at"], name="audit_tenant_time")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action} {self.actor_email}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise TypeError("Audit events are append-only: they cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit events are append-only: they cannot be deleted.")


class ApiToken(models.Model):
    """A user's bearer token for the JSON API. Only a SHA-256 of the secret is kept;
    the secret is shown once, when it is made (tenants.api_tokens)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    # The first characters of the token, shown in lists so people can tell them apart.
    prefix = models.CharField(max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
