"""Organization names are NFKC-normalised and compared without case in any script, so
a look-alike (full-width letters, ligatures, ß, Greek capitals) cannot take another
tenant's name nor be signed in to in its place."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tenants import selectors, services
from tenants.models import Tenant

PASSWORD = "Str0ng!passphrase"  # noqa: S105 (a test password)


def _register(org_name: str, email: str = "ada@acme.example"):
    return services.tenant_register(
        org_name=org_name, email=email, password=PASSWORD, first_name="Ada", last_name="Lo"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("existing", "look_alike"),
    [
        ("Acme", "ＡＣＭＥ"),  # full-width
        ("Office", "Oﬃce"),  # ligature ffi
        ("Straße", "STRASSE"),
        ("Élan", "élan"),  # non-ASCII case, which SQLite's lower() ignores
        ("ΟΔΥΣΣΕΥΣ", "οδυσσευς"),
    ],
)
def test_a_look_alike_name_is_refused_at_sign_up(existing, look_alike):
    _register(existing)

    with pytest.raises(ValidationError) as refused:
        _register(look_alike, email="eve@evil.example")

    assert "already exists" in " ".join(refused.value.message_dict["org_name"])
    assert Tenant.objects.count() == 1


@pytest.mark.django_db
def test_names_are_stored_normalised_and_found_by_any_look_alike():
    tenant, _ = _register("  Ａｃｍｅ Ｃｏｒｐ  ")

    assert tenant.name == "Acme Corp"
    for typed in ["acme corp", "ACME CORP", "ａｃｍｅ ｃｏｒｐ", " Acme Corp "]:
        assert selectors.tenant_get_by_name(name=typed) == tenant
    assert selectors.tenant_get_by_name(name="Acme") is None


@pytest.mark.django_db
def test_sign_in_step_one_finds_the_tenant_from_a_look_alike(client):
    tenant, _ = _register("Straße")

    response = client.post("/signin/", {"org_name": "STRASSE"})

    assert response.status_code == 302
    assert client.session["sign_in_tenant_id"] == tenant.pk


@pytest.mark.django_db
def test_rename_to_a_look_alike_of_another_tenant_is_refused():
    _register("Acme")
    other, admin = _register("Globex", email="hank@globex.example")

    with pytest.raises(ValidationError):
        services.tenant_update(tenant=other, actor=admin, name="ＡＣＭＥ", time_zone="UTC")

    other.refresh_from_db()
    assert (other.name, other.name_key) == ("Globex", "globex")


@pytest.mark.django_db
def test_the_database_refuses_a_look_alike_written_directly():
    Tenant.objects.create(name="Acme")

    with pytest.raises(IntegrityError), transaction.atomic():
        Tenant.objects.create(name="ａｃｍｅ")


@pytest.mark.django_db
def test_a_name_too_long_after_normalising_is_refused_before_any_query(django_assert_num_queries):
    long_name = "ﷺ" * 10  # one character that NFKC expands to eighteen

    with django_assert_num_queries(0), pytest.raises(ValidationError) as refused:
        services.org_name_clean(name=long_name)

    assert "use at most 120" in " ".join(refused.value.message_dict["org_name"])


@pytest.mark.django_db
def test_every_way_of_writing_a_tenant_keeps_its_key():
    Tenant.objects.bulk_create([Tenant(name="Ｂｕｌｋ"), Tenant(name="Other")])
    tenant = Tenant.objects.get(name="Ｂｕｌｋ")
    assert tenant.name_key == "bulk"

    tenant.name = "Renamed"
    tenant.save(update_fields=["name"])

    assert Tenant.objects.get(pk=tenant.pk).name_key == "renamed"
