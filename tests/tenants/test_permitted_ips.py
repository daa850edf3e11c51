"""Permitted IPs: a tenant's users get 403 on every page from any other address (the
client address under the trusted-proxy rule); saving a list without the admin's own
address needs a tick; another tenant is unaffected."""

import pytest
from django.urls import reverse

from tenants.models import Tenant
from tests.fixtures.personas import PASSWORD

URL = reverse("tenants:permitted_ips")
OFFICE = "203.0.113.7"


def _permit(tenant: Tenant, networks: str) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(permitted_networks=networks)


@pytest.mark.django_db
def test_a_blocked_address_gets_403_on_every_page(client_admin_a, admin_a):
    _permit(admin_a.tenant, "198.51.100.0/24\n2001:db8::/32")
    pages = [
        "/",
        reverse("tenants:users"),
        reverse("tenants:organization"),
        URL,
        reverse("tenants:user_detail", args=[admin_a.pk]),
    ]
    for page in pages:
        response = client_admin_a.get(page, REMOTE_ADDR=OFFICE, follow=False)
        assert response.status_code == 403, page
        assert "is not one of" in response.content.decode()
    posted = client_admin_a.post(URL, {"networks": ""}, REMOTE_ADDR=OFFICE)
    assert posted.status_code == 403
    admin_a.tenant.refresh_from_db()
    assert admin_a.tenant.permitted_networks == "198.51.100.0/24\n2001:db8::/32"


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["198.51.100.42", "2001:db8::1:2"])
def test_a_permitted_address_reaches_the_pages(client_admin_a, admin_a, address):
    _permit(admin_a.tenant, "198.51.100.0/24\n2001:db8::/32")
    assert client_admin_a.get(reverse("tenants:users"), REMOTE_ADDR=address).status_code == 200


@pytest.mark.django_db
def test_another_tenant_is_not_affected(client_outsider, admin_a):
    _permit(admin_a.tenant, "198.51.100.0/24")
    assert client_outsider.get(reverse("tenants:users"), REMOTE_ADDR=OFFICE).status_code != 403


@pytest.mark.django_db
def test_sign_in_from_a_blocked_address_is_refused_at_step_two(client, admin_a):
    _permit(admin_a.tenant, "198.51.100.0/24")
    client.post(reverse("tenants:sign_in"), {"org_name": admin_a.tenant.name}, REMOTE_ADDR=OFFICE)

    response = client.post(
        reverse("tenants:sign_in_credentials"),
        {"email": admin_a.email, "password": PASSWORD},
        REMOTE_ADDR=OFFICE,
    )

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_forwarded_address_is_checked(settings, client_admin_a, admin_a):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    _permit(admin_a.tenant, "198.51.100.0/24")
    via_proxy = {"REMOTE_ADDR": "10.0.0.5"}

    allowed = client_admin_a.get("/users/", HTTP_X_FORWARDED_FOR="198.51.100.9", **via_proxy)
    forged = client_admin_a.get(
        "/users/", HTTP_X_FORWARDED_FOR="198.51.100.9, 6.6.6.6", **via_proxy
    )

    assert allowed.status_code == 200
    assert forged.status_code == 403


@pytest.mark.django_db
def test_settings_without_trusted_proxies_ignore_the_forwarded_header(
    settings, client_admin_a, admin_a
):
    settings.TRUSTED_PROXIES = []
    _permit(admin_a.tenant, "198.51.100.0/24")
    response = client_admin_a.get(
        "/users/", REMOTE_ADDR=OFFICE, HTTP_X_FORWARDED_FOR="198.51.100.9"
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_admin_saves_a_list_that_includes_their_address(client_admin_a, admin_a):
    response = client_admin_a.post(
        URL, {"networks": "203.0.113.0/24, 2001:DB8::1\n203.0.113.9/24"}, REMOTE_ADDR=OFFICE
    )

    assert response.status_code == 302
    admin_a.tenant.refresh_from_db()
    assert admin_a.tenant.permitted_networks == "203.0.113.0/24\n2001:db8::1/128"


@pytest.mark.django_db
def test_a_list_that_would_lock_the_admin_out_needs_confirmation(client_admin_a, admin_a):
    refused = client_admin_a.post(URL, {"networks": "198.51.100.0/24"}, REMOTE_ADDR=OFFICE)

    assert refused.status_code == 200
    assert "does not include your own address (203.0.113.7)" in refused.content.decode()
    admin_a.tenant.refresh_from_db()
    assert admin_a.tenant.permitted_networks == ""

    confirmed = client_admin_a.post(
        URL, {"networks": "198.51.100.0/24", "confirm_lockout": "on"}, REMOTE_ADDR=OFFICE
    )

    assert confirmed.status_code == 302
    admin_a.tenant.refresh_from_db()
    assert admin_a.tenant.permitted_networks == "198.51.100.0/24"
    assert client_admin_a.get("/", REMOTE_ADDR=OFFICE).status_code == 403


@pytest.mark.django_db
def test_bad_entries_are_named_and_nothing_is_saved(client_admin_a, admin_a):
    response = client_admin_a.post(
        URL, {"networks": "203.0.113.7\nintranet\n300.1.1.1"}, REMOTE_ADDR=OFFICE
    )

    page = response.content.decode()
    assert "Not an IP address or CIDR range: “intranet”, “300.1.1.1”" in page
    admin_a.tenant.refresh_from_db()
    assert admin_a.tenant.permitted_networks == ""


@pytest.mark.django_db
def test_only_admins_reach_the_page(client_user_a):
    assert client_user_a.get(URL).status_code == 403
