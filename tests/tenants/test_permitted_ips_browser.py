"""Permitted IPs in a real browser, behind the documented proxy (TRUSTED_PROXIES): from a
permitted address an Admin signs in and makes an API token; from any other address
every page and every API URL answers 403, the API as JSON; back on a permitted address
both work again."""

import pytest

from tenants.models import Tenant
from tests.fixtures.personas import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

OFFICE = "198.51.100.7"
ELSEWHERE = "203.0.113.9"


def test_a_blocked_address_gets_403_on_every_page_and_api(page, live_server, settings, admin_a):
    settings.TRUSTED_PROXIES = ["127.0.0.1/32"]  # the browser comes through "the proxy"
    Tenant.objects.filter(pk=admin_a.tenant_id).update(permitted_networks="198.51.100.0/24")
    base = live_server.url

    page.set_extra_http_headers({"X-Forwarded-For": OFFICE})
    page.goto(f"{base}/signin/")
    page.locator("#id_org_name").fill(admin_a.tenant.name)
    page.get_by_role("button", name="Continue").click()
    page.locator("#id_email").fill(admin_a.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/orgs/")

    page.goto(f"{base}/account/")
    page.locator("#id_name").fill("browser script")
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("#new-token").inner_text().strip()
    assert secret.startswith("ovt_")

    pages = ["/orgs/", "/users/", "/organization/", "/organization/groups/",
             "/organization/audit-log/", "/account/", "/organization/permitted-ips/"]  # fmt: skip
    apis = ["/api/v1/me/", "/api/v1/audit-events/"]

    def api(path: str, address: str):
        return page.request.get(
            f"{base}{path}",
            headers={"Authorization": f"Bearer {secret}", "X-Forwarded-For": address},
        )

    page.set_extra_http_headers({"X-Forwarded-For": ELSEWHERE})
    for path in pages:
        response = page.goto(f"{base}{path}")
        assert response.status == 403, path
        assert page.get_by_role("heading", name="Access denied").is_visible(), path
        assert ELSEWHERE in page.content()
    for path in apis:
        response = api(path, ELSEWHERE)
        assert response.status == 403, path
        assert response.json() == {"error": "Access denied from this address."}

    page.set_extra_http_headers({"X-Forwarded-For": OFFICE})
    assert page.goto(f"{base}/users/").status == 200
    me = api("/api/v1/me/", OFFICE)
    assert me.status == 200 and me.json()["email"] == admin_a.email
