"""identity's pages pass axe-core in Chromium with no serious or critical violation
(tests/browser/test_accessibility.py's walk reaches some of them; this one reaches
each state: the QR code, recovery codes, the code page, an SSO refusal, the settings
with a provider and users, and step 2 of sign-in with LOGIN WITH SSO)."""

import pytest
from django.conf import settings
from django.test import Client

from common.crypto import wrap_secret
from identity.models import OIDCProvider
from tests.fixtures.mfa import totp_code
from tests.fixtures.personas import make_user

pytestmark = pytest.mark.django_db(transaction=True)

FAILING_IMPACTS = {"serious", "critical"}
ALWAYS_FAILING_RULES = {"color-contrast", "empty-table-header", "landmark-unique"}


def problems_on(page, axe, label: str) -> list[str]:
    found = []
    for violation in axe.run(page).response["violations"]:
        if violation["impact"] in FAILING_IMPACTS or violation["id"] in ALWAYS_FAILING_RULES:
            targets = [" ".join(node["target"]) for node in violation["nodes"]]
            found.append(f"{violation['id']} on {label} at {targets}: {violation['help']}")
    return found


def signed_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


def test_identity_pages_pass_axe(page, live_server, admin_a, user_a, tenant_a):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    provider = OIDCProvider.objects.create(
        tenant=tenant_a,
        name="Corp IdP",
        issuer="https://idp.invalid/corp",
        client_id="orgvault",
        allowed_domains="corp.example",
    )
    provider.client_secret_wrapped = wrap_secret("x", f"oidc-client-secret:{provider.pk}")
    provider.save(update_fields=["client_secret_wrapped"])
    make_user(tenant_a, "third@a.example")
    problems: list[str] = []

    # Visitor: step 2 with LOGIN WITH SSO, and an SSO refusal.
    page.goto(f"{live_server.url}/signin/")
    page.locator("#id_org_name").fill(tenant_a.name)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("link", name="Login with SSO").wait_for()
    problems += problems_on(page, axe, "sign-in step 2 with SSO")
    page.goto(f"{live_server.url}/signin/sso/callback/?code=x&state=y")
    page.get_by_role("alert").wait_for()
    problems += problems_on(page, axe, "SSO refused")

    # An Admin: Security, enrolment (QR code), recovery codes, settings, provider form.
    signed_in(page, live_server, admin_a)
    for path in ("/account/security/", "/account/mfa/setup/"):
        page.goto(live_server.url + path)
        problems += problems_on(page, axe, path)
    secret = page.locator("#totp-secret").inner_text()
    page.locator("#id_code").fill(totp_code(secret))
    page.get_by_role("button", name="Turn on MFA").click()
    page.get_by_role("list", name="Recovery codes").wait_for()
    problems += problems_on(page, axe, "recovery codes")
    for path in (
        "/account/security/",
        "/organization/sign-in/",
        "/organization/sign-in/providers/new/",
        f"/organization/sign-in/providers/{provider.pk}/",
    ):
        page.goto(live_server.url + path)
        problems += problems_on(page, axe, path)

    # The code page of a user with a device.
    page.context.clear_cookies()
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=user_a, name="app", confirmed=True)
    signed_in(page, live_server, user_a)
    page.goto(f"{live_server.url}/orgs/")
    page.wait_for_url(f"{live_server.url}/signin/mfa/?next=%2Forgs%2F")
    problems += problems_on(page, axe, "MFA code")
    page.locator("#id_code").fill("000000")
    page.get_by_role("button", name="Verify").click()
    page.locator(".errorlist").first.wait_for()
    problems += problems_on(page, axe, "MFA code refused")

    assert not problems, "\n".join(problems)
