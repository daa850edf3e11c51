from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from common.crypto import key_fingerprint, new_data_key, wrap_data_key
from jobs.models import Job
from schedules.models import Schedule
from schedules.recurrence import RecurrenceSpec
from schedules.services import schedule_create, schedules_reschedule
from tenants.models import Tenant, User
from tenants.services import tenant_update

URL = reverse("tenants:organization")
LA = "America/Los_Angeles"


def make_org(tenant, name="Zone test org"):
    from orgs.models import Org

    tenant_key = new_data_key()
    return Org.objects.create(
        tenant=tenant,
        name=name,
        org_type=Org.OrgType.PRODUCTION,
        login_url="https://login.example.com",
        status=Org.Status.CONNECTED,
        key_fingerprint=key_fingerprint(tenant_key),
        tenant_key_wrapped=b"unused",
        data_key_wrapped=wrap_data_key(tenant_key, new_data_key()),
    )


def daily_at_3(org, *, now, enabled=True):
    schedule = schedule_create(
        org=org,
        name="Nightly",
        operation="composite_backup",
        recurrence=RecurrenceSpec(run_at=time(3, 0), start_date=date(2025, 1, 1)),
        now=now,
    )
    if not enabled:
        Schedule.objects.filter(pk=schedule.pk).update(enabled=False)
    return schedule


@pytest.mark.django_db
def test_admin_changes_name_and_time_zone_of_their_own_tenant(client_admin_a, tenant_a, tenant_b):
    page = client_admin_a.get(URL).content.decode()
    assert 'value="Tenant A"' in page
    assert '<option value="Europe/Paris">Europe/Paris</option>' in page
    assert '<option value="UTC" selected>UTC</option>' in page

    response = client_admin_a.post(URL, {"org_name": "  Acme West ", "time_zone": LA})

    assert response.status_code == 302
    assert response["Location"] == URL
    tenant_a.refresh_from_db()
    tenant_b.refresh_from_db()
    assert (tenant_a.name, tenant_a.time_zone) == ("Acme West", LA)
    assert (tenant_b.name, tenant_b.time_zone) == ("Tenant B", "UTC")
    page = client_admin_a.get(URL).content.decode()
    assert f"Saved. Times show, and schedules run, in {LA}." in page
    assert f"<strong>{LA}</strong>" in page
    assert 'value="Acme West"' in page


@pytest.mark.django_db
def test_the_top_bar_links_admins_only(client_admin_a, client_user_a):
    assert f'href="{URL}"' in client_admin_a.get(reverse("tenants:users")).content.decode()
    assert f'href="{URL}"' not in client_user_a.get("/orgs/").content.decode()


@pytest.mark.django_db
def test_users_get_403_and_anonymous_people_sign_in(client, client_user_a, tenant_a):
    assert client_user_a.get(URL).status_code == 403
    assert client_user_a.post(URL, {"org_name": "Taken over", "time_zone": LA}).status_code == 403
    tenant_a.refresh_from_db()
    assert (tenant_a.name, tenant_a.time_zone) == ("Tenant A", "UTC")
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("tenants:sign_in"))


@pytest.mark.django_db
def test_keeping_the_own_name_in_another_case_is_allowed(client_admin_a, tenant_a):
    response = client_admin_a.post(URL, {"org_name": "TENANT a", "time_zone": "UTC"})
    assert response.status_code == 302
    tenant_a.refresh_from_db()
    assert tenant_a.name == "TENANT a"


@pytest.mark.django_db
def test_another_tenants_name_in_another_case_is_refused(client_admin_a, tenant_a, tenant_b):
    response = client_admin_a.post(URL, {"org_name": "tenant b", "time_zone": LA})

    assert response.status_code == 200
    assert (
        "An organization named “tenant b” already exists. Choose another name, or sign in "
        "to that organization." in response.content.decode()
    )
    tenant_a.refresh_from_db()
    assert (tenant_a.name, tenant_a.time_zone) == ("Tenant A", "UTC")  # nothing half-saved


@pytest.mark.django_db
def test_an_unknown_time_zone_is_refused(client_admin_a, tenant_a):
    response = client_admin_a.post(URL, {"org_name": "Tenant A", "time_zone": "Mars/Olympus"})

    assert response.status_code == 200
    assert "Select a valid choice. Mars/Olympus is not one of the available choices." in (
        response.content.decode()
    )
    tenant_a.refresh_from_db()
    assert tenant_a.time_zone == "UTC"


@pytest.mark.django_db
def test_the_service_refuses_bad_input_and_other_actors(admin_a, user_a, outsider, tenant_a):
    with pytest.raises(ValidationError) as error:
        tenant_update(tenant=tenant_a, actor=admin_a, name="Tenant A", time_zone="localtime")
    assert "not a time zone we know" in error.value.message_dict["time_zone"][0]
    with pytest.raises(ValidationError) as error:
        tenant_update(tenant=tenant_a, actor=admin_a, name="TENANT B", time_zone="UTC")
    assert "already exists" in error.value.message_dict["org_name"][0]
    with pytest.raises(ValidationError):
        tenant_update(tenant=tenant_a, actor=admin_a, name="  ", time_zone="UTC")
    for actor in (user_a, outsider):
        with pytest.raises(ValidationError, match="Only an Admin of Tenant A"):
            tenant_update(tenant=tenant_a, actor=actor, name="Mine now", time_zone=LA)
    tenant_a.refresh_from_db()
    assert (tenant_a.name, tenant_a.time_zone) == ("Tenant A", "UTC")


@pytest.mark.django_db
def test_a_new_time_zone_moves_the_next_run_of_the_tenants_schedules(
    client_admin_a, tenant_a, tenant_b
):
    now = datetime(2025, 7, 1, 0, 0, tzinfo=UTC)
    nightly = daily_at_3(make_org(tenant_a), now=now)
    paused = daily_at_3(make_org(tenant_a, "Paused org"), now=now, enabled=False)
    other = daily_at_3(make_org(tenant_b), now=now)
    assert nightly.next_run_at == datetime(2025, 7, 1, 3, 0, tzinfo=UTC)

    moved = schedules_reschedule(tenant=Tenant(pk=tenant_a.pk, time_zone=LA), now=now)

    assert moved == 1  # enabled schedules of tenant A only
    nightly.refresh_from_db()
    # 03:00 in Los Angeles (PDT, UTC-7) on 1 July is 10:00 UTC: seven hours later.
    assert nightly.next_run_at == datetime(2025, 7, 1, 10, 0, tzinfo=UTC)
    assert nightly.next_run_at - datetime(2025, 7, 1, 3, 0, tzinfo=UTC) == timedelta(hours=7)
    for schedule in (paused, other):
        before = schedule.next_run_at
        schedule.refresh_from_db()
        assert schedule.next_run_at == before


@pytest.mark.django_db
def test_changing_the_zone_through_the_page_reschedules_from_now(client_admin_a, tenant_a):
    nightly = daily_at_3(make_org(tenant_a), now=datetime.now(UTC))
    before = nightly.next_run_at

    client_admin_a.post(URL, {"org_name": "Tenant A", "time_zone": "Asia/Tokyo"})

    nightly.refresh_from_db()
    assert nightly.next_run_at != before
    assert nightly.next_run_at.astimezone(UTC).time() == time(18, 0)  # 03:00 JST
    assert timedelta(0) < nightly.next_run_at - datetime.now(UTC) <= timedelta(days=1)


@pytest.mark.django_db
def test_a_due_run_is_left_for_the_scheduler(tenant_a):
    now = datetime(2025, 7, 1, 3, 0, 5, tzinfo=UTC)
    nightly = daily_at_3(make_org(tenant_a), now=datetime(2025, 7, 1, tzinfo=UTC))

    assert schedules_reschedule(tenant=Tenant(pk=tenant_a.pk, time_zone=LA), now=now) == 0
    nightly.refresh_from_db()
    assert nightly.next_run_at == datetime(2025, 7, 1, 3, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_pages_show_times_in_the_tenants_zone(client_admin_a, tenant_a, user_a):
    User.objects.filter(pk=user_a.pk).update(date_joined=datetime(2025, 1, 15, 12, 0, tzinfo=UTC))
    users = reverse("tenants:users")
    assert "Jan 15, 2025 12:00" in client_admin_a.get(users).content.decode()

    Tenant.objects.filter(pk=tenant_a.pk).update(time_zone="Asia/Tokyo")

    page = client_admin_a.get(users).content.decode()
    assert "Jan 15, 2025 21:00" in page  # UTC+9
    assert "Jan 15, 2025 12:00" not in page
    assert "JST" in client_admin_a.get(URL).content.decode()  # {% now %} in the zone


@pytest.mark.django_db
def test_job_dates_and_days_count_in_the_active_zone(tenant_a):
    from django.utils import timezone

    from backups.selectors import history_days
    from jobs.selectors import job_list

    org = make_org(tenant_a)
    late = timezone.now().replace(hour=23, minute=30) - timedelta(days=2)  # UTC
    job = Job.objects.create(tenant=tenant_a, org=org, operation="composite_backup", name="Late")
    Job.objects.filter(pk=job.pk).update(created_at=late)
    utc_day, tokyo_day = late.date(), late.date() + timedelta(days=1)  # 08:30 JST next day

    assert list(job_list(org=org, date_from=utc_day, date_to=utc_day)) == [job]
    with timezone.override("Asia/Tokyo"):
        assert list(job_list(org=org, date_from=utc_day, date_to=utc_day)) == []
        assert list(job_list(org=org, date_from=tokyo_day, date_to=tokyo_day)) == [job]
        counts = {summary.day: summary.count for summary in history_days(org=org)}
    assert counts[tokyo_day] == 1
    assert counts[utc_day] == 0
