import pytest
from django.urls import reverse

from tenants.models import Tenant, User

URL = reverse("tenants:sign_up")
HOME = "/orgs/"


def form(**overrides):
    data = {
        "org_name": "Acme Corp",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "Ada@Acme.example",
        "password": "Str0ng!passphrase",
        "confirm_password": "Str0ng!passphrase",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_page_shows_every_field_and_the_live_password_rules(client):
    page = client.get(URL).content.decode()
    for label in ["Organization name", "First name", "Last name", "Email", "Confirm password"]:
        assert label in page
    assert 'data-rule="special"' in page
    assert "js/password.js" in page
    assert "auth-box" in page


@pytest.mark.django_db
def test_sign_up_creates_tenant_and_admin_and_signs_in(client):
    response = client.post(URL, form())

    assert response.status_code == 302
    assert response["Location"] == HOME
    tenant = Tenant.objects.get()
    assert tenant.name == "Acme Corp"
    user = User.objects.get()
    assert (user.tenant, user.email, user.role) == (tenant, "ada@acme.example", User.Role.ADMIN)
    assert (user.first_name, user.last_name) == ("Ada", "Lovelace")
    assert user.check_password("Str0ng!passphrase")
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("password", "Sh0rt!", "This password is too short"),
        ("password", "12345678!", "The password needs a letter."),
        ("password", "abcdefgh!", "The password needs a number."),
        ("password", "abcdefgh1", "The password needs a special character."),
        ("password", "!!!!!!!!", "The password needs a letter and a number."),
        ("email", "not-an-email", "Enter a valid email address."),
        ("org_name", "", "This field is required."),
        ("first_name", "", "This field is required."),
        ("last_name", "", "This field is required."),
    ],
)
def test_each_validation_error_is_shown_on_the_form(client, field, value, message):
    overrides = {field: value}
    if field == "password":
        overrides["confirm_password"] = value
    response = client.post(URL, form(**overrides))

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not Tenant.objects.exists()


@pytest.mark.django_db
def test_passwords_must_match(client):
    response = client.post(URL, form(confirm_password="Str0ng!other-one"))

    assert response.context["form"].errors["confirm_password"] == [
        "The two passwords differ. Type the same one twice."
    ]
    assert not User.objects.exists()


@pytest.mark.django_db
def test_organization_name_is_unique_ignoring_case(client):
    Tenant.objects.create(name="Acme Corp")

    response = client.post(URL, form(org_name="  ACME corp "))

    assert response.status_code == 200
    errors = response.context["form"].errors["org_name"]
    assert errors == [
        "An organization named “ACME corp” already exists. "
        "Choose another name, or sign in to that organization."
    ]
    assert Tenant.objects.count() == 1
    assert not User.objects.exists()


@pytest.mark.django_db
def test_signed_in_root_goes_home_and_anonymous_root_goes_to_sign_in(client, admin_a):
    assert client.get("/")["Location"] == reverse("tenants:sign_in")
    client.force_login(admin_a)
    assert client.get("/")["Location"] == HOME


@pytest.mark.django_db
def test_sign_up_is_rate_limited_per_ip(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {"signup": "2/m/ip"}
    client.post(URL, form(org_name="One", password="x"))
    client.post(URL, form(org_name="Two", password="x"))

    response = client.post(URL, form(org_name="Three"))

    assert response.status_code == 429
    assert not Tenant.objects.exists()


@pytest.mark.django_db
def test_time_zone_is_optional_and_defaults_to_utc(client):
    page = client.get(URL).content.decode()
    assert "Time zone" in page
    assert "data-time-zone-guess" in page  # static/js/time_zone.js preselects the browser's
    assert "js/time_zone.js" in page
    assert '<option value="UTC" selected>UTC</option>' in page

    client.post(URL, form())  # no time_zone posted

    assert Tenant.objects.get().time_zone == "UTC"


@pytest.mark.django_db
def test_sign_up_with_a_time_zone_keeps_it(client):
    response = client.post(URL, form(time_zone="Europe/Paris"))

    assert response.status_code == 302
    assert Tenant.objects.get().time_zone == "Europe/Paris"


@pytest.mark.django_db
def test_sign_up_refuses_an_unknown_time_zone(client):
    response = client.post(URL, form(time_zone="Mars/Olympus"))

    assert response.status_code == 200
    assert "Mars/Olympus is not one of the available choices" in " ".join(
        response.context["form"].errors["time_zone"]
    )
    assert "data-time-zone-guess" not in response.content.decode()  # the choice stays
    assert not Tenant.objects.exists()
