"""A job's tabs: Overview (with Abort), Data, Settings, Logs (with CSV), and the live
partial that polls while the job runs and stops when it is final."""

import csv
import io

import pytest
from django.urls import reverse

from backups.job_settings import JobSettings
from jobs.models import Job, JobLog
from jobs.services import job_create, job_log
from tests.backups.factories import make_backup, make_org, make_running_job, record_id
from tests.backups.page_support import use_private_storage


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    use_private_storage(settings, tmp_path)


@pytest.fixture
def org(tenant_a):
    return make_org(tenant_a)


@pytest.fixture
def job(org):
    accounts = [(record_id("001", n), {"Name": f"Acme {n}"}) for n in range(4)]
    contacts = [(record_id("003", n), {"Name": f"Ann {n}"}) for n in range(2)]
    return make_backup(
        org, {"Account": accounts, "Contact": contacts}, logs=["Skipped Idea: not queryable"]
    )


def url(name, job, *args):
    app = "jobs" if name in ("job", "job_abort", "job_logs", "job_logs_csv") else "backups"
    return reverse(f"{app}:{name}", args=[job.org_id, job.pk, *args])


def test_overview_tab_shows_the_counters(client_user_a, job):
    page = client_user_a.get(url("job", job)).content.decode()
    for label, value in [
        ("Operation", "Composite Backup"),
        ("Records", "6"),
        ("Added", "6"),
        ("Modified", "0"),
        ("Deleted", "0"),
        ("API calls", "2"),
        ("Trigger", "Manual"),
    ]:
        assert f"<dt>{label}</dt><dd>{value}</dd>" in page
    assert '<span class="badge completed">Completed</span>' in page
    assert "Abort" not in page  # final jobs cannot be aborted
    assert 'hx-trigger="every 2s"' not in page


def test_abort_a_running_job(client_admin_a, org):
    job = make_running_job(org)
    page = client_admin_a.get(url("job", job)).content.decode()
    assert "data-confirm=" in page and url("job_abort", job) in page
    response = client_admin_a.post(url("job_abort", job))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.abort_requested
    assert job.logs.filter(message="Abort requested.").exists()
    queued = job_create(org=org, operation="composite_backup", name="Queued")
    client_admin_a.post(url("job_abort", queued))
    queued.refresh_from_db()
    assert queued.status == Job.Status.ABORTED


def test_abort_needs_an_admin_and_a_post(client_user_a, client_admin_a, org):
    job = make_running_job(org)
    assert client_user_a.post(url("job_abort", job)).status_code == 403
    assert client_admin_a.get(url("job_abort", job)).status_code == 405
    job.refresh_from_db()
    assert not job.abort_requested


def test_live_partial_polls_while_running_and_stops_when_final(client_user_a, org):
    job = make_running_job(org)
    hx = {"HTTP_HX_REQUEST": "true"}
    for tab in ["job", "job_data", "job_logs"]:
        partial = client_user_a.get(url(tab, job), **hx).content.decode()
        assert 'hx-trigger="every 2s"' in partial, tab
        assert "<html" not in partial and 'hx-swap-oob="true"' in partial
    full = client_user_a.get(url("job", job)).content.decode()
    assert "<html" in full and 'hx-trigger="every 2s"' in full

    job.finish(Job.Status.COMPLETED)
    for tab in ["job", "job_data", "job_logs"]:
        partial = client_user_a.get(url(tab, job), **hx).content.decode()
        assert 'hx-trigger="every 2s"' not in partial, tab
        assert '<span id="job-status" class="badge completed" hx-swap-oob="true">' in partial


def test_data_tab_lists_objects_with_counts_search_and_sort(client_user_a, job):
    response = client_user_a.get(url("job_data", job))
    page = response.content.decode()
    assert [o.object_name for o in response.context["pagination"]] == ["Account", "Contact"]
    assert url("job_object", job, "Account") in page
    assert '<td class="num">+ 4</td>' in page and '<td class="num">+ 2</td>' in page
    assert '<th class="num">6</th>' in page  # the Total row
    by_size = client_user_a.get(url("job_data", job), {"sort": "-records"}).context["pagination"]
    assert [o.object_name for o in by_size] == ["Account", "Contact"]
    ascending = client_user_a.get(url("job_data", job), {"sort": "records"}).context["pagination"]
    assert [o.object_name for o in ascending] == ["Contact", "Account"]
    found = client_user_a.get(url("job_data", job), {"q": "cont"}).context["pagination"]
    assert [o.object_name for o in found] == ["Contact"]
    none = client_user_a.get(url("job_data", job), {"q": "zzz"}).content.decode()
    assert "No object of this job matches" in none


def test_settings_tab_is_read_only(client_user_a, org):
    job = job_create(
        org=org,
        operation="composite_sync_backup",
        name="Sync",
        settings=JobSettings(binary_objects=True, feed_objects=True).to_json(),
    )
    page = client_user_a.get(url("job_settings", job)).content.decode()
    assert '<input type="checkbox" disabled checked> Binary Objects' in page
    assert '<input type="checkbox" disabled checked> Feed Objects' in page
    assert '<input type="checkbox" disabled> Share Objects' in page
    assert "hard deletes" in page
    assert "<form" not in page.split('class="tabs"')[1]


def test_logs_tab_counts_filters_and_lines(client_user_a, org):
    job = make_running_job(org)
    job_log(job=job, message="Something odd", level=JobLog.Level.ERROR)
    response = client_user_a.get(url("job_logs", job))
    page = response.content.decode()
    assert response.context["counts"] == {
        "queued": 1,
        "in_progress": 1,
        "exception": 0,
        "completed": 0,
        "total": 2,
    }
    for text in ["Total 2", "Queued 1", "In Progress 1", "Exception 0", "Completed 0"]:
        assert text in page
    assert "Job started" in page and "Something odd" in page
    queued = client_user_a.get(url("job_logs", job), {"status": "queued"}).context["objects"]
    assert [o.object_name for o in queued] == ["Contact"]
    assert url("job_logs_csv", job) in page


def test_logs_download_as_csv(client_user_a, job):
    job_log(job=job, message='=HYPERLINK("http://evil.example")')
    response = client_user_a.get(url("job_logs_csv", job))
    assert response["Content-Type"] == "text/csv"
    assert f'filename="job-{job.pk}-logs.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["time", "level", "object", "message"]
    assert rows[1][1:] == ["info", "Account", "Saved 4 Account"]
    assert rows[2][1:] == ["info", "Contact", "Saved 2 Contact"]
    assert rows[3][1:] == ["warning", "", "Skipped Idea: not queryable"]
    assert rows[4][3] == '\'=HYPERLINK("http://evil.example")'  # never a live formula
    assert len(rows) == 5


def test_outsider_gets_404_on_every_job_tab(client_outsider, job):
    for name in ["job", "job_data", "job_settings", "job_logs", "job_logs_csv"]:
        assert client_outsider.get(url(name, job)).status_code == 404, name
    assert client_outsider.post(url("job_abort", job)).status_code == 404


def test_a_job_of_another_org_of_the_same_tenant_is_404_under_this_org(
    client_user_a, job, tenant_a
):
    other = make_org(tenant_a, name="Org A2")
    assert client_user_a.get(reverse("jobs:job", args=[other.pk, job.pk])).status_code == 404
