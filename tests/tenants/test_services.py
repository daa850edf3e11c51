import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tenants import selectors, services
from tenants.models import Tenant, User


@pytest.mark.django_db
def test_register_turns_a_concurrent_duplicate_into_a_clear_error(monkeypatch):
    Tenant.objects.create(name="Acme")
    # The name check passed before the other sign-up committed: the constraint decides.
    monkeypatch.setattr(selectors, "tenant_get_by_name", lambda *, name: None)

    with pytest.raises(ValidationError) as caught:
        services.tenant_register(
            org_name="ACME", email="a@acme.example", password="Str0ng!pw-secure"
        )

    assert (
        "An organization named “ACME” already exists." in caught.value.message_dict["org_name"][0]
    )
    assert not User.objects.exists()


@pytest.mark.django_db
def test_services_refuse_a_user_of_another_tenant(admin_a, outsider):
    with pytest.raises(ValidationError, match="not in your organization"):
        services.user_deactivate(actor=admin_a, user=outsider)
    outsider.refresh_from_db()
    assert outsider.is_active


@pytest.mark.django_db
def test_an_invited_admin_does_not_count_as_an_active_admin(admin_a):
    User.objects.create_user(tenant=admin_a.tenant, email="i@a.example", role=User.Role.ADMIN)

    assert selectors.active_admin_count(tenant_id=admin_a.tenant_id) == 1
    with pytest.raises(ValidationError, match="last active Admin"):
        services.user_change_role(actor=admin_a, user=admin_a, role=User.Role.USER)


@pytest.mark.django_db
def test_failed_invitation_email_keeps_the_user_and_says_what_to_do(client_admin_a, monkeypatch):
    def refuse(**kwargs):
        raise ConnectionRefusedError("Connection refused")

    monkeypatch.setattr(services, "send_templated_email", refuse)

    response = client_admin_a.post(
        reverse("tenants:user_create"), {"email": "n@a.example", "role": "user"}, follow=True
    )

    assert User.objects.get(email="n@a.example").status == User.Status.INVITED
    page = response.content.decode()
    assert "could not be sent (Connection refused)" in page
    assert "Resend invitation" in page


def test_a_user_without_a_password_who_has_signed_in_is_active_not_invited(tenant_a):
    """Users made by single sign-on have no password: once they signed in they are Active."""
    from django.utils import timezone

    user = User.objects.create_user(email="sso@a.example", tenant=tenant_a, role=User.Role.USER)
    assert not user.has_usable_password() and user.status == User.Status.INVITED
    user.last_login = timezone.now()
    assert user.status == User.Status.ACTIVE
    user.is_active = False
    assert user.status == User.Status.DEACTIVATED
