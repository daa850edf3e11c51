"""Settings → General: connection details, Re-check, Manage Operations, API Quota."""

import re
from datetime import UTC, date, datetime, time

import pytest
from django.urls import reverse

from jobs.models import Job
from orgs.models import Org
from schedules.recurrence import RecurrenceSpec
from schedules.scheduler import scheduler_tick
from schedules.services import schedule_create
from tests.orgs.factories import make_org

DISABLED = "Scheduled backups are currently disabled for this Salesforce org."


@pytest.fixture
def org(tenant_a):
    return make_org(tenant_a)


def checkbox(page: str, name: str) -> str:
    return re.search(rf'<input type="checkbox" name="operations-{name}"[^>]*>', page).group(0)


def url(name: str, org) -> str:
    return reverse(f"orgs:{name}", args=[org.pk])


def test_page_shows_the_connection_details(client_user_a, org):
    Org.objects.filter(pk=org.pk).update(
        instance_url="https://acme.my.salesforce.com", is_sandbox=True
    )
    response = client_user_a.get(url("settings_general", org))
    assert response.status_code == 200
    page = response.content.decode()
    for text in [
        "Production",  # name and type
        "https://login.salesforce.com",
        "https://acme.my.salesforce.com",
        "00D000000000001AAA",
        "Enterprise Edition",
        "integration@example.com",
        "OrgVault-managed",
        org.key_fingerprint,
        "3 objects",
        "Feed 1",
    ]:
        assert text in page, text
    assert "<th>Sandbox</th><td>Yes</td>" in page
    # A User reads the settings but gets no forms.
    assert "Re-check connection" not in page
    assert 'name="delete-confirm_name"' not in page
    assert "Only an Admin can delete a connection." in page
    assert "sidebar" in page and 'class="sub active" href="' + url("settings_general", org) in page


def test_own_bucket_storage_is_named(client_admin_a, org):
    Org.objects.filter(pk=org.pk).update(
        storage=Org.Storage.S3, s3_bucket="acme-backups", s3_endpoint_url="https://s3.example.com"
    )
    page = client_admin_a.get(url("settings_general", org)).content.decode()
    assert "acme-backups" in page and "https://s3.example.com" in page


def test_admins_get_the_forms_with_current_values(client_admin_a, org):
    page = client_admin_a.get(url("settings_general", org)).content.decode()
    assert "Re-check connection" in page
    assert checkbox(page, "scheduled_backups_enabled").endswith(" checked>")
    assert checkbox(page, "scheduled_archives_enabled").endswith(" checked>")
    assert 'name="quota-rest_percent" value="80"' in page
    assert 'name="quota-bulk_percent" value="80"' in page
    assert 'name="delete-confirm_name"' in page


def test_integrations_is_still_not_available(client_admin_a, org):
    for name in ("settings_integrations",):
        page = client_admin_a.get(url(name, org)).content.decode()
        assert "This page is not available yet." in page


def test_turning_scheduled_backups_off_stops_the_scheduler_and_shows_the_banner(
    client_admin_a, org
):
    schedule = schedule_create(
        org=org,
        name="Nightly extra",
        operation="composite_backup",
        recurrence=RecurrenceSpec(run_at=time(3, 0), start_date=date(2025, 7, 1)),
        now=datetime(2025, 7, 1, tzinfo=UTC),
    )
    response = client_admin_a.post(
        url("settings_operations", org), {"operations-scheduled_archives_enabled": "on"}
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.scheduled_backups_enabled, org.scheduled_archives_enabled) == (False, True)
    assert "scheduled backups off" in _messages(client_admin_a, org)

    assert scheduler_tick(now=datetime(2025, 7, 5, 12, tzinfo=UTC)) == []
    assert not Job.objects.filter(org=org).exists()
    schedules_page = client_admin_a.get(reverse("schedules:list", args=[org.pk]))
    assert DISABLED in schedules_page.content.decode()
    page = client_admin_a.get(url("settings_general", org)).content.decode()
    assert not checkbox(page, "scheduled_backups_enabled").endswith(" checked>")

    client_admin_a.post(
        url("settings_operations", org),
        {
            "operations-scheduled_backups_enabled": "on",
            "operations-scheduled_archives_enabled": "on",
        },
    )
    org.refresh_from_db()
    assert org.scheduled_backups_enabled
    schedule.refresh_from_db()
    jobs = scheduler_tick(now=schedule.next_run_at)
    assert [job.name for job in jobs] == ["Nightly extra"]
    assert (
        DISABLED
        not in client_admin_a.get(reverse("schedules:list", args=[org.pk])).content.decode()
    )


def _messages(client, org) -> str:
    return client.get(url("settings_general", org)).content.decode()


def test_api_quota_is_saved(client_admin_a, org):
    response = client_admin_a.post(
        url("settings_api_quota", org), {"quota-rest_percent": "10", "quota-bulk_percent": "100"}
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.api_quota_rest_percent, org.api_quota_bulk_percent) == (10, 100)
    page = _messages(client_admin_a, org)
    assert "at most 10% of the daily REST API requests and 100% of the daily Bulk" in page
    assert 'name="quota-rest_percent" value="10"' in page


@pytest.mark.parametrize(
    ("rest", "bulk", "message"),
    [
        ("0", "80", "The quota must be at least 1%."),
        ("101", "80", "The quota cannot be more than 100% of the org&#x27;s daily limit."),
        ("80", "", "Enter a percent from 1 to 100."),
        ("50.5", "80", "Enter a whole number from 1 to 100."),
        ("80", "abc", "Enter a whole number from 1 to 100."),
    ],
)
def test_api_quota_outside_1_to_100_is_refused(client_admin_a, org, rest, bulk, message):
    response = client_admin_a.post(
        url("settings_api_quota", org), {"quota-rest_percent": rest, "quota-bulk_percent": bulk}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    org.refresh_from_db()
    assert (org.api_quota_rest_percent, org.api_quota_bulk_percent) == (80, 80)


def test_users_cannot_change_settings(client_user_a, org):
    posts = {
        "settings_operations": {},
        "settings_api_quota": {"quota-rest_percent": "5", "quota-bulk_percent": "5"},
        "settings_recheck": {},
        "settings_delete": {"delete-confirm_name": org.name},
    }
    for name, data in posts.items():
        assert client_user_a.post(url(name, org), data).status_code == 403, name
    org.refresh_from_db()
    assert org.scheduled_backups_enabled and org.api_quota_rest_percent == 80


def test_changes_need_post(client_admin_a, org):
    for name in ("settings_operations", "settings_api_quota", "settings_recheck"):
        assert client_admin_a.get(url(name, org)).status_code == 405


def test_another_tenants_admin_gets_404(client_outsider, org):
    assert client_outsider.get(url("settings_general", org)).status_code == 404
    data = {"quota-rest_percent": "5", "quota-bulk_percent": "5"}
    assert client_outsider.post(url("settings_api_quota", org), data).status_code == 404
    org.refresh_from_db()
    assert org.api_quota_rest_percent == 80


def test_page_query_count_is_small(client_admin_a, org, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        client_admin_a.get(url("settings_general", org))


def test_recheck_without_a_salesforce_login_says_what_failed(client_admin_a, org):
    response = client_admin_a.post(url("settings_recheck", org))
    assert response.status_code == 302
    assert response.url == url("settings_general", org)
    page = _messages(client_admin_a, org)
    assert "The connection check failed" in page and "Connect it again." in page
    org.refresh_from_db()
    assert org.status == Org.Status.CHECK_FAILED
