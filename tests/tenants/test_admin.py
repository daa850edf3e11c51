import pytest
from django.urls import reverse

from tenants.models import User
from tests.fixtures.mfa import mfa_verified
from tests.fixtures.personas import make_user


@pytest.fixture
def staff_client(client, db):
    staff = User.objects.create_superuser(username="support", email="s@ov.example", password="x")
    return mfa_verified(client, staff)  # the Django admin always requires MFA


@pytest.mark.django_db
def test_tenant_list_shows_user_and_org_counts(staff_client, admin_a, user_a, outsider):
    response = staff_client.get(reverse("admin:tenants_tenant_changelist"))

    rows = {t.name: (t.user_count, t.org_count) for t in response.context["cl"].result_list}
    assert rows == {"Tenant A": (2, 0), "Tenant B": (1, 0)}


@pytest.mark.django_db
def test_user_admin_lists_users_and_hides_the_password_hash(staff_client, admin_a):
    page = staff_client.get(reverse("admin:tenants_user_changelist")).content.decode()
    assert "admin@a.example" in page and "Tenant A" in page

    page = staff_client.get(
        reverse("admin:tenants_user_change", args=[admin_a.pk])
    ).content.decode()
    assert admin_a.password not in page
    assert admin_a.password.split("$")[-1] not in page
    assert 'href="../password/"' in page  # Django's change-password link


@pytest.mark.django_db
def test_staff_cannot_add_users_or_tenants_outside_sign_up(staff_client, tenant_a):
    make_user(tenant_a, "x@a.example")
    assert staff_client.get(reverse("admin:tenants_user_add")).status_code == 403
    assert staff_client.get(reverse("admin:tenants_tenant_add")).status_code == 403


@pytest.mark.django_db
def test_the_audit_log_is_read_only_in_the_django_admin(staff_client, admin_a):
    from tenants.audit import audit_record
    from tenants.models import AuditEvent

    event = audit_record(
        tenant=admin_a.tenant, action="org.connected", actor=admin_a, target="Org 3"
    )
    listing = staff_client.get(reverse("admin:tenants_auditevent_changelist")).content.decode()
    assert "Org 3" in listing and "admin@a.example" in listing
    change_url = reverse("admin:tenants_auditevent_change", args=[event.pk])
    page = staff_client.get(change_url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert staff_client.post(change_url, {"action": "nothing"}).status_code == 403
    delete_url = reverse("admin:tenants_auditevent_delete", args=[event.pk])
    assert staff_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert staff_client.get(reverse("admin:tenants_auditevent_add")).status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == "org.connected"
