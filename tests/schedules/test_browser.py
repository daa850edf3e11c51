"""The Schedule toggle and the live sentence in a real browser (htmx refresh on change)."""

import calendar

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from schedules.models import Schedule
from tests.backups.factories import make_org

pytestmark = pytest.mark.django_db(transaction=True)


def signed_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


def refreshed(page):
    """Waits for the schedule fields' htmx refresh that the block's action triggers."""
    return page.expect_response(lambda response: "/backups/schedule/preview/" in response.url)


def test_schedule_toggle_shows_the_fields_and_the_sentence_follows_them(
    page,
    live_server,
    admin_a,
):
    org = make_org(admin_a.tenant)
    signed_in(page, live_server, admin_a)
    page.goto(f"{live_server.url}/orgs/{org.pk}/backups/create/")

    run, schedule_button = page.get_by_role("button", name="Run"), page.locator(".run-scheduled")
    assert run.is_visible() and not schedule_button.is_visible()
    assert not page.locator("#schedule-fields").is_visible()

    page.locator("#id_schedule").check()
    assert schedule_button.is_visible() and not run.is_visible()
    sentence = page.locator("#schedule-fields .sentence")
    expect(sentence).to_contain_text("every 1 day(s) at 3:00 AM")

    with refreshed(page):
        page.locator("#id_schedule-frequency").select_option("weekly")
    expect(sentence).to_contain_text("week(s) on")
    # Weekly starts on today's weekday: check another one (the test runs on any day).
    other = (timezone.localdate().weekday() + 2) % 7
    with refreshed(page):
        page.locator(f"input[name='schedule-weekdays'][value='{other}']").check()
    expect(sentence).to_contain_text(calendar.day_name[other])
    with refreshed(page):
        page.locator("#id_schedule-run_at").fill("16:30")
        page.locator("#id_schedule-run_at").dispatch_event("change")
    expect(sentence).to_contain_text("at 4:30 PM")

    page.locator("#id_name").fill("Browser schedule")
    schedule_button.click()
    page.wait_for_url(f"{live_server.url}/orgs/{org.pk}/backups/schedule/")
    schedule = Schedule.objects.get(org=org, name="Browser schedule")
    assert schedule.frequency == "weekly" and other in schedule.weekdays
    assert "Browser schedule" in page.content()
