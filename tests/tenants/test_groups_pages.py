"""Organization settings > Groups: Admins create, change and delete groups of Users
with per-operation permissions; Users cannot reach the pages; each change is audited."""

import pytest
from django.urls import reverse

from tenants.models import AuditEvent, PermissionGroup
from tenants.permissions import user_can
from tests.tenants.factories import make_group


@pytest.mark.django_db
def test_an_admin_creates_a_group_that_lets_a_user_export(client_admin_a, user_a):
    response = client_admin_a.post(
        reverse("tenants:group_create"),
        {"name": "Exporters", "permissions": ["export", "search"], "members": [user_a.pk]},
    )
    assert response.status_code == 302
    group = PermissionGroup.objects.get(tenant=user_a.tenant)
    assert group.name == "Exporters"
    assert group.permissions == ["export", "search"]
    assert list(group.members.all()) == [user_a]
    user_a.refresh_from_db()
    assert user_can(user_a, "export") and not user_can(user_a, "purge")

    page = client_admin_a.get(reverse("tenants:group_list")).content.decode()
    assert "Exporters" in page and "Export, Search" in page and user_a.email in page
    event = AuditEvent.objects.get(action="group.created")
    assert event.target == "Exporters"
    assert event.detail == {"permissions": ["export", "search"], "members": [user_a.email]}


@pytest.mark.django_db
def test_changing_and_deleting_a_group_are_audited_once_each(client_admin_a, admin_a, user_a):
    group = make_group(admin_a.tenant, "Team", ["export"], members=[])
    url = reverse("tenants:group_detail", args=[group.pk])

    assert client_admin_a.get(url).status_code == 200
    client_admin_a.post(url, {"name": "Team", "permissions": ["export", "purge"]})
    client_admin_a.post(
        url, {"name": "Team", "permissions": ["export", "purge"], "members": [user_a.pk]}
    )
    group.refresh_from_db()
    assert group.permissions == ["export", "purge"]
    assert list(group.members.all()) == [user_a]

    changed = AuditEvent.objects.filter(action="group.changed")
    assert [e.detail for e in changed] == [
        {"permissions": {"from": ["export"], "to": ["export", "purge"]}}
    ]
    members = AuditEvent.objects.get(action="group.members_changed")
    assert members.detail == {"added": [user_a.email], "removed": []}

    response = client_admin_a.post(reverse("tenants:group_delete", args=[group.pk]))
    assert response.status_code == 302
    assert not PermissionGroup.objects.filter(pk=group.pk).exists()
    assert AuditEvent.objects.filter(action="group.deleted", target="Team").count() == 1


@pytest.mark.django_db
def test_bad_input_is_refused_with_a_message(client_admin_a, admin_a, outsider):
    make_group(admin_a.tenant, "Exporters")
    url = reverse("tenants:group_create")
    duplicate = client_admin_a.post(url, {"name": "exporters", "permissions": ["export"]})
    assert "already exists" in duplicate.content.decode()
    unknown = client_admin_a.post(url, {"name": "X", "permissions": ["delete_all"]})
    assert "Select a valid choice" in unknown.content.decode()
    foreign = client_admin_a.post(url, {"name": "Y", "members": [outsider.pk]})
    assert "Select a valid choice" in foreign.content.decode()
    assert PermissionGroup.objects.filter(tenant=admin_a.tenant).count() == 1


@pytest.mark.django_db
def test_users_cannot_manage_groups(client_user_a, admin_a):
    group = make_group(admin_a.tenant)
    assert client_user_a.get(reverse("tenants:group_list")).status_code == 403
    assert client_user_a.post(reverse("tenants:group_create"), {"name": "Mine"}).status_code == 403
    assert client_user_a.post(reverse("tenants:group_delete", args=[group.pk])).status_code == 403
    assert PermissionGroup.objects.count() == 1


@pytest.mark.django_db
def test_a_users_page_lists_their_groups(client_admin_a, admin_a, user_a):
    url = reverse("tenants:user_detail", args=[user_a.pk])
    assert "None: may only look." in client_admin_a.get(url).content.decode()
    group = make_group(admin_a.tenant, "Exporters", ["export"], members=[user_a])
    page = client_admin_a.get(url).content.decode()
    assert f'href="{reverse("tenants:group_detail", args=[group.pk])}"' in page
    assert "Exporters</a> (Export)" in page
    admin_page = client_admin_a.get(reverse("tenants:user_detail", args=[admin_a.pk]))
    assert "Admin: may do everything" in admin_page.content.decode()
