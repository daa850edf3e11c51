import pytest
from django.urls import reverse

from tests.fixtures.personas import PASSWORD, sign_in

STEP1 = reverse("tenants:sign_in")
STEP2 = reverse("tenants:sign_in_credentials")


@pytest.mark.django_db
def test_two_steps_sign_in_and_land_home(client, admin_a):
    response = client.post(STEP1, {"org_name": " tenant a "})
    assert response["Location"] == STEP2

    page = client.get(STEP2).content.decode()
    assert "Tenant A" in page
    assert "Login with a different organization name" in page
    assert reverse("tenants:password_forgot") in page

    response = client.post(STEP2, {"email": "ADMIN@a.example", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/orgs/"
    assert client.session["_auth_user_id"] == str(admin_a.pk)
    admin_a.refresh_from_db()
    assert admin_a.last_login is not None


@pytest.mark.django_db
def test_unknown_organization_is_named_in_the_error(client):
    response = client.post(STEP1, {"org_name": "Nobody Inc"})

    assert response.status_code == 200
    assert response.context["form"].errors["org_name"] == [
        "No organization named “Nobody Inc”. Check the name or sign up."
    ]


@pytest.mark.django_db
def test_step_two_without_step_one_goes_back_to_step_one(client):
    assert client.get(STEP2)["Location"] == STEP1


@pytest.mark.django_db
def test_wrong_password_is_refused(client, admin_a):
    response = sign_in(client, admin_a.tenant, admin_a.email, "Wrong-pass-1")

    assert response.status_code == 200
    assert "Wrong email or password for Tenant A." in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_user_of_another_tenant_cannot_sign_in_to_this_one(client, admin_a, outsider):
    response = sign_in(client, admin_a.tenant, outsider.email)

    assert "Wrong email or password" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_inactive_user_cannot_sign_in(client, user_a):
    user_a.is_active = False
    user_a.save()

    response = sign_in(client, user_a.tenant, user_a.email)

    assert "is deactivated. Ask one of its Admins to reactivate it." in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_failed_attempts_are_rate_limited_per_email(client, admin_a):
    for _ in range(5):
        assert sign_in(client, admin_a.tenant, admin_a.email, "Wrong-pass-1").status_code == 200

    response = sign_in(client, admin_a.tenant, admin_a.email, PASSWORD)

    assert response.status_code == 429
    assert "Too many sign-in attempts. Try again in a few minutes." in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_failed_attempts_are_rate_limited_per_ip(client, settings, admin_a):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/5m/ip,5/5m/key"}
    for n in range(3):
        sign_in(client, admin_a.tenant, f"nobody{n}@a.example", "Wrong-pass-1")

    assert sign_in(client, admin_a.tenant, admin_a.email).status_code == 429


@pytest.mark.django_db
def test_successful_sign_ins_do_not_count(client, admin_a):
    for _ in range(8):
        assert sign_in(client, admin_a.tenant, admin_a.email).status_code == 302
        client.post(reverse("tenants:sign_out"))


@pytest.mark.django_db
def test_sign_out_is_post_only(client_admin_a):
    assert client_admin_a.get(reverse("tenants:sign_out")).status_code == 405
    response = client_admin_a.post(reverse("tenants:sign_out"))
    assert response["Location"] == STEP1
    assert "_auth_user_id" not in client_admin_a.session


@pytest.mark.django_db
def test_next_is_honoured_after_sign_in_but_not_for_other_hosts(client, admin_a):
    client.get(STEP1 + "?next=/users/")
    assert sign_in(client, admin_a.tenant, admin_a.email)["Location"] == "/users/"

    client.post(reverse("tenants:sign_out"))
    client.get(STEP1 + "?next=https://evil.example/")
    assert sign_in(client, admin_a.tenant, admin_a.email)["Location"] == "/orgs/"


@pytest.mark.django_db
def test_organization_step_is_rate_limited_per_ip(client, settings, tenant_a):
    settings.ACCOUNT_RATE_LIMITS = {"login": "3/m/ip"}
    for _ in range(3):
        assert client.post(STEP1, {"org_name": "Guess Inc"}).status_code == 200

    response = client.post(STEP1, {"org_name": "Tenant A"})

    assert response.status_code == 429
    assert "Too many requests from your network." in response.content.decode()
