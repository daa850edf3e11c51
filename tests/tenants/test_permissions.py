"""Per-operation permissions: Admins may do everything; Users what their groups allow."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from tenants.models import PermissionGroup
from tenants.permissions import (
    PERMISSIONS,
    permission_required_or_403,
    user_can,
    user_permissions,
)


@pytest.mark.django_db
def test_admins_may_do_everything_and_users_nothing_by_default(admin_a, user_a):
    assert all(user_can(admin_a, perm) for perm in PERMISSIONS)
    assert not any(user_can(user_a, perm) for perm in PERMISSIONS)


@pytest.mark.django_db
def test_a_user_gets_the_union_of_their_groups_in_their_tenant_only(user_a, outsider):
    exporters = PermissionGroup.objects.create(
        tenant=user_a.tenant, name="Exporters", permissions=["export"]
    )
    searchers = PermissionGroup.objects.create(
        tenant=user_a.tenant, name="Searchers", permissions=["search", "export"]
    )
    foreign = PermissionGroup.objects.create(
        tenant=outsider.tenant, name="Purgers", permissions=["purge"]
    )
    exporters.members.add(user_a)
    searchers.members.add(user_a)
    foreign.members.add(user_a)  # a foreign tenant's group gives nothing

    assert user_permissions(user_a) == {"export", "search"}
    assert user_can(user_a, "export")
    assert not user_can(user_a, "purge")


@pytest.mark.django_db
def test_a_deactivated_admin_may_do_nothing(admin_a):
    admin_a.is_active = False
    assert not user_can(admin_a, "export")


def test_an_unknown_permission_is_a_programming_error():
    with pytest.raises(ValueError, match="Unknown permission"):
        permission_required_or_403("delete_everything")


@pytest.mark.django_db
def test_the_decorator_gives_403_without_the_permission(user_a, admin_a):
    @permission_required_or_403("purge")
    def view(request):
        return HttpResponse("done")

    request = RequestFactory().post("/purge/")
    request.user = user_a
    refused = view(request)
    assert refused.status_code == 403
    assert "Purge" in refused.content.decode()

    request.user = admin_a
    assert view(request).content == b"done"
