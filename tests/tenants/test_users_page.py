import re

import pytest
from django.core import mail
from django.urls import reverse

from tenants.models import User
from tests.fixtures.personas import make_user, sign_in

USERS = reverse("tenants:users")


def detail(user):
    return reverse("tenants:user_detail", args=[user.pk])


@pytest.mark.django_db
def test_users_page_lists_columns_and_statuses(client_admin_a, admin_a, user_a, outsider):
    make_user(admin_a.tenant, "invited@a.example", password=None)
    make_user(admin_a.tenant, "gone@a.example", is_active=False)

    page = client_admin_a.get(USERS).content.decode()

    for column in ["Email", "Role", "Status", "Updated At", "Created At"]:
        assert f"<th>{column}</th>" in page
    assert "user@a.example" in page
    assert outsider.email not in page
    assert re.search(r"invited@a.example.*?Invited", page, re.S)
    assert re.search(r"gone@a.example.*?Deactivated", page, re.S)
    assert re.search(r"user@a.example.*?User.*?Active", page, re.S)


@pytest.mark.django_db
def test_users_page_is_for_admins_only(client, client_user_a):
    response = client_user_a.get(USERS)
    assert response.status_code == 403
    assert "Admins only" in response.content.decode()
    assert client.get(USERS)["Location"].startswith(reverse("tenants:sign_in"))


@pytest.mark.django_db
def test_search_by_email_and_empty_state(client_admin_a, user_a):
    response = client_admin_a.get(USERS, {"q": "USER@"})
    assert [u.email for u in response.context["pagination"]] == ["user@a.example"]

    page = client_admin_a.get(USERS, {"q": "zebra"}).content.decode()
    assert "No users match “zebra”." in page


@pytest.mark.django_db
def test_pagination_keeps_the_search_and_bounds_queries(
    client_admin_a, admin_a, django_assert_max_num_queries
):
    for n in range(30):
        make_user(admin_a.tenant, f"member{n:02}@a.example")

    with django_assert_max_num_queries(5):
        response = client_admin_a.get(USERS, {"q": "member", "per_page": 25, "page": 2})

    pagination = response.context["pagination"]
    assert [u.email for u in pagination] == [f"member{n:02}@a.example" for n in range(25, 30)]
    assert pagination.total == 30
    assert pagination.previous_url == "?q=member&per_page=25&page=1"
    assert pagination.next_url is None
    page = response.content.decode()
    assert "Page 2 of 2" in page
    assert 'href="?q=member&amp;per_page=25&amp;page=1"' in page

    with django_assert_max_num_queries(5):
        client_admin_a.get(USERS, {"per_page": 50})


@pytest.mark.django_db
def test_create_user_sends_an_invitation_that_sets_the_password(client, client_admin_a, admin_a):
    response = client_admin_a.post(
        reverse("tenants:user_create"),
        {"email": "New@A.example", "first_name": "Nia", "last_name": "", "role": "user"},
    )
    assert response["Location"] == USERS
    invited = User.objects.get(email="new@a.example")
    assert (invited.tenant, invited.role, invited.status) == (admin_a.tenant, "user", "invited")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new@a.example"]
    link = re.search(r"http://\S+", mail.outbox[0].body).group(0).split(":8000")[1]

    # Invited users cannot sign in until they choose a password.
    assert sign_in(client, admin_a.tenant, invited.email, "").status_code == 200

    page = client.get(link).content.decode()
    assert "Join Tenant A" in page
    response = client.post(
        link, {"password": "Inv1ted!pw-secure", "confirm_password": "Inv1ted!pw-secure"}
    )
    assert response["Location"] == "/orgs/"
    invited.refresh_from_db()
    assert invited.status == "active"
    assert client.session["_auth_user_id"] == str(invited.pk)
    assert client.get(link).status_code == 400


@pytest.mark.django_db
def test_create_user_refuses_an_email_already_in_the_tenant(client_admin_a, user_a, outsider):
    url = reverse("tenants:user_create")
    response = client_admin_a.post(url, {"email": "USER@a.example", "role": "user"})
    assert response.context["form"].errors["email"] == [
        "user@a.example is already a user of your organization."
    ]
    # The same email in another tenant is fine.
    assert client_admin_a.post(url, {"email": outsider.email, "role": "admin"}).status_code == 302


@pytest.mark.django_db
def test_resend_invitation(client_admin_a, admin_a):
    invited = make_user(admin_a.tenant, "invited@a.example", password=None)

    client_admin_a.post(reverse("tenants:user_resend_invitation", args=[invited.pk]))

    assert [m.to for m in mail.outbox] == [["invited@a.example"]]


@pytest.mark.django_db
def test_change_role(client_admin_a, user_a):
    response = client_admin_a.post(detail(user_a), {"role": "admin"})

    assert response["Location"] == detail(user_a)
    user_a.refresh_from_db()
    assert user_a.role == User.Role.ADMIN


@pytest.mark.django_db
def test_deactivate_and_reactivate(client, client_admin_a, user_a):
    client_admin_a.post(reverse("tenants:user_deactivate", args=[user_a.pk]))
    user_a.refresh_from_db()
    assert user_a.status == "deactivated"
    assert sign_in(client, user_a.tenant, user_a.email).status_code == 200

    client_admin_a.post(reverse("tenants:user_reactivate", args=[user_a.pk]))
    user_a.refresh_from_db()
    assert user_a.status == "active"
    assert sign_in(client, user_a.tenant, user_a.email).status_code == 302


@pytest.mark.django_db
def test_deactivated_users_session_ends(client_user_a, user_a):
    user_a.is_active = False
    user_a.save()

    assert client_user_a.get("/")["Location"] == reverse("tenants:sign_in")


@pytest.mark.django_db
def test_last_active_admin_cannot_be_demoted_or_deactivated(client_admin_a, admin_a, user_a):
    make_user(admin_a.tenant, "invited-admin@a.example", User.Role.ADMIN, password=None)

    response = client_admin_a.post(detail(admin_a), {"role": "user"}, follow=True)
    assert "they are the last active Admin of Tenant A" in response.content.decode()
    response = client_admin_a.post(
        reverse("tenants:user_deactivate", args=[admin_a.pk]), follow=True
    )
    assert "You cannot deactivate admin@a.example" in response.content.decode()
    admin_a.refresh_from_db()
    assert (admin_a.role, admin_a.is_active) == (User.Role.ADMIN, True)

    # With a second active Admin, the first can step down.
    user_a.role = User.Role.ADMIN
    user_a.save()
    client_admin_a.post(detail(admin_a), {"role": "user"})
    admin_a.refresh_from_db()
    assert admin_a.role == User.Role.USER


@pytest.mark.django_db
def test_a_foreign_tenants_user_is_404(client_admin_a, outsider):
    assert client_admin_a.get(detail(outsider)).status_code == 404
    assert (
        client_admin_a.post(reverse("tenants:user_deactivate", args=[outsider.pk])).status_code
        == 404
    )
    outsider.refresh_from_db()
    assert outsider.is_active
