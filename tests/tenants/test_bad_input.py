"""Names longer than their column (issue 8, section 4): every form and command that
takes an organization or person name answers "at most N characters" instead of a
database error (PostgreSQL enforces the length; these tests run on SQLite, which does
not, so they assert the message and that nothing longer was saved)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from tenants.models import Tenant, User

ORG_MAX = Tenant._meta.get_field("name").max_length
PERSON_MAX = User._meta.get_field("first_name").max_length
SIGN_UP = {
    "org_name": "Acme Corp",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@acme.example",
    "password": "Str0ng!passphrase",
    "confirm_password": "Str0ng!passphrase",
}


def register(**overrides) -> None:
    values = {
        "org-name": "Globex",
        "email": "hank@globex.example",
        "password": "Gl0bex!pw-secure",
        "first-name": "Hank",
        "last-name": "Scorpio",
        **overrides,
    }
    args = [part for key, value in values.items() for part in (f"--{key}", value)]
    call_command("tenant_register", *args, stdout=StringIO())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"org-name": "G" * (ORG_MAX + 1)}, f"is {ORG_MAX + 1} characters long: use at most 120"),
        ({"first-name": "H" * (PERSON_MAX + 1)}, "first name is 151 characters long"),
        ({"last-name": "S" * (PERSON_MAX + 1)}, "use at most 150"),
        ({"org-name": "Glo\x00bex"}, "organization name contains a NUL character"),
        ({"first-name": "H\x00"}, "first name contains a NUL character"),
        ({"email": "hank\x00@globex.example"}, "Enter a valid email address"),
    ],
)
def test_tenant_register_refuses_what_its_columns_cannot_hold(overrides, message):
    with pytest.raises(CommandError, match=message):
        register(**overrides)
    assert not Tenant.objects.exists() and not User.objects.exists()


@pytest.mark.django_db
def test_tenant_register_takes_names_as_long_as_their_columns():
    register(**{"org-name": "G" * ORG_MAX, "first-name": "H" * PERSON_MAX})
    assert len(Tenant.objects.get().name) == ORG_MAX
    assert len(User.objects.get().first_name) == PERSON_MAX


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "limit"), [("org_name", ORG_MAX), ("first_name", PERSON_MAX), ("last_name", 150)]
)
def test_sign_up_form_says_at_most_n_characters(client, field, limit):
    response = client.post(reverse("tenants:sign_up"), {**SIGN_UP, field: "x" * (limit + 1)})
    assert response.status_code == 200
    assert f"at most {limit} characters" in response.content.decode()
    assert not Tenant.objects.exists()


def test_organization_settings_form_says_at_most_n_characters(client_admin_a, tenant_a):
    response = client_admin_a.post(
        reverse("tenants:organization"), {"org_name": "T" * (ORG_MAX + 1), "time_zone": "UTC"}
    )
    assert response.status_code == 200
    assert f"at most {ORG_MAX} characters" in response.content.decode()
    tenant_a.refresh_from_db()
    assert tenant_a.name == "Tenant A"


def test_invite_form_says_at_most_n_characters(client_admin_a):
    data = {"email": "nia@a.example", "first_name": "N" * 151, "last_name": "", "role": "user"}
    response = client_admin_a.post(reverse("tenants:user_create"), data)
    assert response.status_code == 200
    assert f"at most {PERSON_MAX} characters" in response.content.decode()
    assert not User.objects.filter(email="nia@a.example").exists()


def test_invite_service_refuses_a_name_past_its_column(admin_a):
    from django.core.exceptions import ValidationError

    from tenants.services import user_invite

    with pytest.raises(ValidationError, match="use at most 150"):
        user_invite(actor=admin_a, email="nia@a.example", role="user", last_name="L" * 151)
    assert not User.objects.filter(email="nia@a.example").exists()
