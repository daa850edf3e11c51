"""Tenants objects for tests (the tenant-isolation walk's group_id and token_id)."""

from tenants.api_tokens import api_token_create
from tenants.models import ApiToken, PermissionGroup


def make_group(tenant, name: str = "Exporters", permissions=("export",), members=()):
    group = PermissionGroup.objects.create(tenant=tenant, name=name, permissions=list(permissions))
    group.members.set(members)
    return group


def isolation_group(a) -> PermissionGroup:
    """Tenant A's group (one, shared by every URL the walk fills)."""
    group = PermissionGroup.objects.filter(tenant=a.tenant, name="Exporters").first()
    return group or make_group(a.tenant, members=[a.user])


def isolation_token(a) -> ApiToken:
    """A token of tenant A's Admin (the walk's "not 404" check signs in as them)."""
    token, _ = api_token_create(user=a.admin, name="isolation")
    return token
