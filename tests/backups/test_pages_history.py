"""Backup & Archive → Overview and History: the day strip, the History table, its
filters, pagination and a query count that does not grow with the rows shown."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jobs.models import Job
from jobs.services import job_create
from tests.backups.factories import make_backup, make_org, record_id
from tests.backups.page_support import use_private_storage


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    use_private_storage(settings, tmp_path)


@pytest.fixture
def org(tenant_a):
    return make_org(tenant_a)


def _jobs(org, count: int, **fields):
    jobs = []
    for n in range(count):
        job = job_create(org=org, operation="composite_backup", name=f"Backup {n}")
        Job.objects.filter(pk=job.pk).update(**fields)
        jobs.append(job)
    return jobs


def test_empty_overview_offers_the_first_backup(client_admin_a, org):
    page = client_admin_a.get(reverse("backups:overview", args=[org.pk])).content.decode()
    assert "No backups yet" in page
    assert reverse("backups:create", args=[org.pk]) in page


def test_history_table_shows_the_jobs_columns(client_user_a, org):
    job = make_backup(
        org,
        {"Account": [(record_id("001", n), {"Name": f"Acme {n}"}) for n in range(3)]},
        name="Weekly full",
    )
    page = client_user_a.get(reverse("backups:history", args=[org.pk])).content.decode()
    assert reverse("jobs:job", args=[org.pk, job.pk]) in page
    for text in ["Weekly full", "Composite Backup", "Completed", "00:00:0"]:
        assert text in page
    assert f'<td class="num">{job.records}</td>' in page and job.records == 3
    assert "No backups yet" not in page


def test_overview_strip_counts_the_last_days_with_the_worst_status(client_user_a, org):
    today = timezone.now()
    _jobs(org, 2, status=Job.Status.COMPLETED)
    _jobs(org, 1, status=Job.Status.ERROR)
    _jobs(org, 1, status=Job.Status.COMPLETED, created_at=today - timedelta(days=3))
    _jobs(org, 1, status=Job.Status.COMPLETED, created_at=today - timedelta(days=30))
    response = client_user_a.get(reverse("backups:overview", args=[org.pk]))
    days = response.context["days"]
    assert len(days) == 14
    assert (days[-1].count, days[-1].worst) == (3, Job.Status.ERROR)
    assert (days[-4].count, days[-4].worst) == (1, Job.Status.COMPLETED)
    assert sum(d.count for d in days) == 4
    day = days[-4].day.isoformat()
    assert f"?date_from={day}&amp;date_to={day}" in response.content.decode()


def test_filters_by_operation_status_dates_and_name(client_user_a, org):
    now = timezone.now()
    old = _jobs(org, 1, name="Old nightly", status="completed", created_at=now - timedelta(days=5))[
        0
    ]
    failed = _jobs(org, 1, name="Broken nightly", status=Job.Status.ERROR)[0]
    sync = job_create(org=org, operation="composite_sync_backup", name="Sync monthly")
    url = reverse("backups:history", args=[org.pk])

    def ids(query):
        return {job.pk for job in client_user_a.get(url, query).context["pagination"]}

    assert ids({}) == {old.pk, failed.pk, sync.pk}
    assert ids({"operation": "composite_sync_backup"}) == {sync.pk}
    assert ids({"status": ["error"]}) == {failed.pk}
    assert ids({"status": ["error", "completed"]}) == {failed.pk, old.pk}
    assert ids({"status": ["error", "queued"]}) == {failed.pk, sync.pk}
    assert ids({"q": "NIGHTLY"}) == {old.pk, failed.pk}
    day = (now - timedelta(days=5)).date().isoformat()
    assert ids({"date_from": day, "date_to": day}) == {old.pk}
    response = client_user_a.get(url, {"date_from": "2026-02-02", "date_to": "2026-01-01"})
    assert "The end date is before the start date" in response.content.decode()
    assert "No jobs match these filters" in client_user_a.get(url, {"q": "zzz"}).content.decode()


def test_history_paginates_10_25_50(client_user_a, org):
    _jobs(org, 30)
    url = reverse("backups:history", args=[org.pk])
    assert len(client_user_a.get(url).context["pagination"]) == 10
    assert len(client_user_a.get(url, {"per_page": 25}).context["pagination"]) == 25
    second = client_user_a.get(url, {"per_page": 25, "page": 2}).context["pagination"]
    assert len(second) == 5


def test_history_query_count_does_not_grow_with_rows(client_user_a, org):
    url = reverse("backups:overview", args=[org.pk])

    def queries_for(rows: int) -> int:
        _jobs(org, rows - Job.objects.filter(org=org).count(), status=Job.Status.COMPLETED)
        with CaptureQueriesContext(connection) as captured:
            response = client_user_a.get(url, {"per_page": 50})
        assert len(response.context["pagination"]) == rows
        return len(captured)

    at_10 = queries_for(10)
    assert queries_for(50) == at_10 <= 7


def test_other_tenants_org_is_404(client_outsider, org, tenant_b):
    for name in ["backups:overview", "backups:history", "backups:create"]:
        assert client_outsider.get(reverse(name, args=[org.pk])).status_code == 404
    own = make_org(tenant_b, name="Org B")
    make_backup(own, {"Account": [(record_id("001", 1), {"Name": "B"})]})
    page = client_outsider.get(reverse("backups:history", args=[own.pk])).content.decode()
    assert "Nightly backup" in page
