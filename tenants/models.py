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
        """Deactivated wins; an invited user has not set a password yet."""
        if not self.is_active:
            return self.Status.DEACTIVATED
        if not self.has_usable_password():
            return self.Status.INVITED
        return self.Status.ACTIVE

    def get_status_display(self) -> str:
        return self.Status(self.status).label
