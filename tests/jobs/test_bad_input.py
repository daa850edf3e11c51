"""History date filters at the ends of the calendar (issue 8, section 4): year 9999 and
year 1, in the tenant's zone east or west of Greenwich, answer 200 with the jobs those
days hold (none), never an OverflowError; a date that is no date is a message."""

from datetime import UTC, date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from jobs.models import Job
from jobs.selectors import job_list
from jobs.services import job_create

# Fixed offsets: +14 (the easternmost), -12 (the westernmost), and Greenwich.
ZONES = ["UTC", "Etc/GMT-14", "Etc/GMT+12"]
PAGES = ["backups:history", "backups:overview"]
LAST, FIRST = "9999-12-31", "0001-01-01"

# (query, which of the two jobs are listed)
CASES = [
    ({"date_from": LAST}, []),
    ({"date_to": LAST}, ["Older", "Newer"]),
    ({"date_from": LAST, "date_to": LAST}, []),
    ({"date_from": "9999-12-30", "date_to": LAST}, []),
    ({"date_from": FIRST}, ["Older", "Newer"]),
    ({"date_to": FIRST}, []),
    ({"date_from": FIRST, "date_to": FIRST}, []),
    ({"date_from": FIRST, "date_to": LAST}, ["Older", "Newer"]),
    ({"date_from": "2024-03-01", "date_to": LAST}, ["Newer"]),
    ({"date_from": FIRST, "date_to": "2024-02-29"}, ["Older"]),
]


@pytest.fixture
def two_jobs(org_a):
    for name, created in [("Older", datetime(2024, 1, 15, 12, tzinfo=UTC)),
                          ("Newer", datetime(2024, 6, 15, 12, tzinfo=UTC))]:  # fmt: skip
        job = job_create(org=org_a, operation="composite_backup", name=name)
        Job.objects.filter(pk=job.pk).update(created_at=created)
    return org_a


def listed(page: str) -> list[str]:
    """The jobs of the History table, in the order shown."""
    shown = [name for name in ("Older", "Newer") if f">{name}</a>" in page]
    return sorted(shown, key=lambda name: page.index(f">{name}</a>"))


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("page_name", PAGES)
def test_history_dates_at_the_ends_of_the_calendar(
    client_admin_a, tenant_a, two_jobs, zone, page_name
):
    tenant_a.time_zone = zone
    tenant_a.save(update_fields=["time_zone"])
    client_admin_a.raise_request_exception = False
    for query, expected in CASES:
        response = client_admin_a.get(reverse(page_name, args=[two_jobs.pk]), query)
        assert response.status_code == 200, query
        page = response.content.decode()
        assert listed(page) == expected[::-1], query  # newest first
        if not expected:
            assert "No jobs match these filters" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"date_from": "10000-01-01"}, "The start date is not a date: use YYYY-MM-DD"),
        ({"date_to": "9999-12-32"}, "The end date is not a date: use YYYY-MM-DD"),
        ({"date_from": LAST, "date_to": FIRST}, "The end date is before the start date"),
        ({"q": "a\x00b"}, "Null characters are not allowed"),
    ],
)
def test_history_explains_a_filter_it_cannot_use(client_admin_a, two_jobs, query, message):
    """The filter it cannot use is named and ignored: every job is listed."""
    response = client_admin_a.get(reverse("backups:history", args=[two_jobs.pk]), query)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert listed(page) == ["Newer", "Older"]


@pytest.mark.parametrize("zone", ZONES)
def test_job_list_takes_every_date(two_jobs, zone):
    with timezone.override(zone):
        assert job_list(org=two_jobs, date_from=date.max).count() == 0
        assert job_list(org=two_jobs, date_to=date.max).count() == 2
        assert job_list(org=two_jobs, date_from=date.min).count() == 2
        assert job_list(org=two_jobs, date_to=date.min).count() == 0
        assert job_list(org=two_jobs, date_from=date.min, date_to=date.max).count() == 2


# --- a job name longer than its column ------------------------------------------------

NAME_MAX = Job._meta.get_field("name").max_length


def test_job_create_cuts_a_name_to_its_column(org_a):
    job = job_create(org=org_a, operation="composite_backup", name="  " + "J" * 300 + "  ")
    job.refresh_from_db()
    assert job.name == "J" * NAME_MAX


def test_create_backup_form_says_at_most_n_characters(client_admin_a, org_a):
    response = client_admin_a.post(
        reverse("backups:create", args=[org_a.pk]), {"name": "J" * (NAME_MAX + 1)}
    )
    assert response.status_code == 200
    assert f"at most {NAME_MAX} characters" in response.content.decode()
    assert not Job.objects.filter(org=org_a).exists()
