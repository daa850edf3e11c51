"""Sign-up, sign-out and the two-step sign-in, in a real browser."""

import pytest
from playwright.sync_api import expect

from tenants.models import Tenant, User

pytestmark = pytest.mark.django_db(transaction=True)


def test_sign_up_shows_live_password_rules_then_two_step_sign_in(page, live_server):
    page.goto(f"{live_server.url}/signup/")
    page.locator("#id_org_name").fill("Browser Co")
    page.locator("#id_first_name").fill("Ada")
    page.locator("#id_last_name").fill("Admin")
    page.locator("#id_email").fill("ada@browser.example")

    password = page.locator("#id_password")
    password.fill("short")
    rules = page.locator("#password-rules")
    assert "✗" in rules.inner_text()  # rules not met yet, shown while typing
    password.fill("Str0ng-pass-2026")
    assert "✗" not in rules.inner_text()

    page.locator("#id_confirm_password").fill("Str0ng-pass-2026")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(f"{live_server.url}/orgs/")
    assert Tenant.objects.filter(name="Browser Co").exists()
    assert User.objects.get(email="ada@browser.example").role == User.Role.ADMIN

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/signin/")

    page.locator("#id_org_name").fill("browser co")  # case does not matter
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/signin/credentials/")
    assert "Browser Co" in page.content()
    page.locator("#id_email").fill("ada@browser.example")
    page.locator("#id_password").fill("wrong-pass-1!")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_be_visible()  # waits for the answer

    page.locator("#id_password").fill("Str0ng-pass-2026")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/orgs/")
    assert page.get_by_role("link", name="Add Salesforce Org").first.is_visible()
