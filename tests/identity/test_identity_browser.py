"""In a real browser (Playwright + Chromium): SSO sign-in against the loopback OpenID
Connect provider, MFA enrolment then sign-in with the app's code, and the "MFA
required" policy forcing enrolment before anything else."""

import re
import time

import pytest
from playwright.sync_api import expect

from identity import services
from tenants.models import User
from tests.fixtures.mfa import totp_code
from tests.fixtures.personas import PASSWORD, make_user
from tests.identity.conftest import CALLBACK_PATH, start_provider

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def live_provider(live_server, tmp_path_factory):
    process, provider = start_provider(
        tmp_path_factory.mktemp("oidc-live"), [f"{live_server.url}{CALLBACK_PATH}"]
    )
    yield provider
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(autouse=True)
def _loopback_provider_allowed(settings):
    settings.OUTBOUND_ALLOW_PRIVATE = True


def step_one(page, live_server, org_name: str) -> None:
    page.goto(f"{live_server.url}/signin/")
    page.locator("#id_org_name").fill(org_name)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/signin/credentials/")


def password_step(page, email: str) -> None:
    page.locator("#id_email").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_sso_sign_in_against_the_loopback_provider(
    page, live_server, live_provider, tenant_a, admin_a
):
    services.provider_save(
        tenant=tenant_a,
        actor=admin_a,
        name="Corp IdP",
        issuer=live_provider.issuer,
        client_id="orgvault",
        client_secret=live_provider.client_secret,
        allowed_domains="corp.example",
        default_role=User.Role.USER,
    )
    step_one(page, live_server, "tenant a")
    page.get_by_role("link", name="Login with SSO").click()

    # The provider's own sign-in page, on its own origin.
    page.wait_for_url(
        re.compile(re.escape(live_provider.issuer.rsplit("/o", 1)[0]) + "/accounts/login/")
    )
    page.locator("#id_username").fill("bob")
    page.locator("#id_password").fill("bob-provider-pass")
    page.get_by_role("button", name="Sign in to the provider").click()

    page.wait_for_url(f"{live_server.url}/orgs/")
    assert "bob@corp.example" in page.locator("nav.account").inner_text()
    bob = User.objects.get(tenant=tenant_a, email="bob@corp.example")
    assert bob.role == User.Role.USER


def test_sso_refusal_is_shown_in_the_browser(page, live_server, live_provider, tenant_a, admin_a):
    services.provider_save(
        tenant=tenant_a,
        actor=admin_a,
        name="Corp IdP",
        issuer=live_provider.issuer,
        client_id="orgvault-bad-signature",
        client_secret=live_provider.client_secret,
        allowed_domains="corp.example",
        default_role=User.Role.USER,
    )
    step_one(page, live_server, "Tenant A")
    page.get_by_role("link", name="Login with SSO").click()
    page.locator("#id_username").fill("alice")
    page.locator("#id_password").fill("alice-provider-pass")
    page.get_by_role("button", name="Sign in to the provider").click()
    alert = page.get_by_role("alert")
    assert "signature does not match" in alert.inner_text()
    assert not User.objects.filter(email="alice@corp.example").exists()


def enrol_in_browser(page) -> str:
    # The click above starts a navigation; expect() waits for the new page.
    expect(page.locator(".qr svg")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text()
    page.locator("#id_code").fill(totp_code(secret))
    page.get_by_role("button", name="Turn on MFA").click()
    codes = page.get_by_role("list", name="Recovery codes").locator("li")
    expect(codes).to_have_count(10)
    return secret


def test_mfa_enrolment_then_sign_in_with_the_code(page, live_server, tenant_a):
    make_user(tenant_a, "maria@a.example")
    step_one(page, live_server, "Tenant A")
    password_step(page, "maria@a.example")
    page.wait_for_url(f"{live_server.url}/orgs/")

    page.goto(f"{live_server.url}/account/security/")
    page.get_by_role("link", name="Set up MFA").click()
    secret = enrol_in_browser(page)
    page.get_by_role("link", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/account/security/")
    assert "Recovery codes left: 10" in page.content().replace("<strong>", "").replace(
        "</strong>", ""
    )

    page.get_by_role("button", name="Sign out").first.click()
    page.wait_for_url(f"{live_server.url}/signin/")
    step_one(page, live_server, "Tenant A")
    password_step(page, "maria@a.example")
    page.wait_for_url(re.compile(re.escape(f"{live_server.url}/signin/mfa/")))
    # The code of the next 30-second step (one step of drift is accepted; the current
    # step's code was used to enrol and would be a replay).
    page.locator("#id_code").fill(totp_code(secret, at=time.time() + 30))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"{live_server.url}/orgs/")
    assert "maria@a.example" in page.locator("nav.account").inner_text()


def test_mfa_required_forces_enrolment_before_anything_else(page, live_server, tenant_a, admin_a):
    services.policy_set(
        tenant=tenant_a, actor=admin_a, mfa_required=True, sso_required=False, break_glass_user=None
    )
    make_user(tenant_a, "nina@a.example", "admin")
    step_one(page, live_server, "Tenant A")
    password_step(page, "nina@a.example")
    page.wait_for_url(re.compile(re.escape(f"{live_server.url}/account/mfa/setup/")))
    assert page.get_by_role("status").inner_text().startswith("Your organization requires")

    page.goto(f"{live_server.url}/users/")  # anything else leads back to enrolment
    page.wait_for_url(re.compile(re.escape(f"{live_server.url}/account/mfa/setup/")))
    enrol_in_browser(page)
    page.get_by_role("link", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/users/")
    assert page.get_by_role("heading", name="Users").is_visible()
