"""The Restore page, a restore job's Review tab and its CSV, through the test client."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from jobs.models import Job
from restores.models import RestoreRequest
from restores.operations import RESTORE
from tests.backups.factories import make_backup, make_org, record_id
from tests.restores.factories import make_request, make_run

pytestmark = pytest.mark.django_db


def test_admin_saves_a_request_from_the_one_page_form(tenant_a, client_admin_a):
    org = make_org(tenant_a)
    backup = make_backup(org, {"Account": [(record_id("001", 1), {"Name": "Acme"})]})
    url = reverse("restores:restore", args=[org.pk])
    page = client_admin_a.get(url).content.decode()
    assert f'value="{backup.pk}"' in page and 'value="Account"' in page
    assert "The org as it is now" in page
    response = client_admin_a.post(
        url,
        {
            "name": "Undo the bad import",
            "correct_job": backup.pk,
            "compromised_job": 0,
            "objects": ["Account"],
            "filters": "Account: Name LIKE 'A%'",
            "field_lists": "Account: Name, Phone",
        },
    )
    assert response.status_code == 302 and response["Location"] == url
    request = RestoreRequest.objects.get(org=org)
    assert (request.name, request.correct_job_id, request.compromised_job_id) == (
        "Undo the bad import", backup.pk, None,
    )  # fmt: skip
    assert request.object_names == ["Account"]
    assert request.filters == {"Account": "Name LIKE 'A%'"}
    assert request.fields == {"Account": ["Name", "Phone"]}
    assert request.expires_at - request.created_at == timedelta(days=7)
    listed = client_admin_a.get(url).content.decode()
    assert "Undo the bad import" in listed and "the org now" in listed


def test_a_bad_request_says_what_is_wrong_and_saves_nothing(tenant_a, client_admin_a):
    org = make_org(tenant_a)
    older = make_backup(org, {"Account": [(record_id("001", 1), {"Name": "Acme"})]})
    newer = make_backup(org, {"Account": [(record_id("001", 1), {"Name": "Acme 2"})]})
    response = client_admin_a.post(
        reverse("restores:restore", args=[org.pk]),
        {"correct_job": newer.pk, "compromised_job": older.pk, "objects": ["Account"]},
    )
    assert response.status_code == 200
    assert "must be later than the correct one" in response.content.decode()
    assert not RestoreRequest.objects.exists()


def test_run_buttons_queue_a_restore_job_and_an_expired_request_is_refused(
    tenant_a, client_admin_a, client_user_a
):
    org = make_org(tenant_a)
    request = make_request(org)
    url = reverse("restores:run", args=[org.pk, request.pk])
    assert client_user_a.post(url, {"dry_run": "1"}).status_code == 403
    response = client_admin_a.post(url, {"dry_run": "1"})
    job = Job.objects.get(operation=RESTORE)
    assert response["Location"] == reverse("restores:job_review", args=[org.pk, job.pk])
    assert job.settings == {"request_id": request.pk, "dry_run": True}
    assert job.name.startswith("Dry run of restore")
    request.expires_at = timezone.now() - timedelta(minutes=1)
    request.save(update_fields=["expires_at"])
    response = client_admin_a.post(url, follow=True)
    assert "expired" in response.content.decode()
    assert Job.objects.filter(operation=RESTORE).count() == 1


def test_review_tab_shows_counts_and_results_and_downloads_them(tenant_a, client_user_a):
    org = make_org(tenant_a)
    job = make_run(make_request(org, name="Put Accounts back"))
    page = client_user_a.get(reverse("restores:job_review", args=[org.pk, job.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "Put Accounts back" in html
    assert "<td>Account</td><td>1</td><td>1</td><td>1</td><td>4</td>" in html
    assert "REQUIRED_FIELD_MISSING: Required fields are missing: [Name]" in html
    assert reverse("restores:job_results_csv", args=[org.pk, job.pk]) in html
    response = client_user_a.get(reverse("restores:job_results_csv", args=[org.pk, job.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:5] == ["Object", "Original Id", "New Id", "Action", "Status"]
    assert sorted((r[3], r[4]) for r in rows[1:]) == [
        ("insert", "failed"), ("undelete", "success"), ("update", "success"),
    ]  # fmt: skip


def test_another_tenant_gets_404_on_every_restore_page(tenant_a, client_outsider):
    org = make_org(tenant_a)
    request = make_request(org)
    job = make_run(request)
    for url in (
        reverse("restores:restore", args=[org.pk]),
        reverse("restores:job_review", args=[org.pk, job.pk]),
        reverse("restores:job_results_csv", args=[org.pk, job.pk]),
    ):
        assert client_outsider.get(url).status_code == 404, url
    run = reverse("restores:run", args=[org.pk, request.pk])
    assert client_outsider.post(run).status_code == 404
    assert not Job.objects.filter(operation=RESTORE).exclude(pk=job.pk).exists()
