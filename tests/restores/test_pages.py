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
from tests.backups.metadata_factories import make_metadata_backup
from tests.restores.factories import make_request, make_run

pytestmark = pytest.mark.django_db


def test_a_bad_backups_step_says_what_is_wrong_and_keeps_the_draft(tenant_a, client_admin_a):
    org = make_org(tenant_a)
    older = make_backup(org, {"Account": [(record_id("001", 1), {"Name": "Acme"})]})
    newer = make_backup(org, {"Account": [(record_id("001", 1), {"Name": "Acme 2"})]})
    response = client_admin_a.post(
        reverse("restores:wizard_new", args=[org.pk]), {"type": "records"}
    )
    draft = RestoreRequest.objects.get(org=org)
    assert (draft.status, draft.step) == ("draft", 1)
    assert response["Location"] == reverse("restores:wizard_backups", args=[org.pk, draft.pk])
    page = client_admin_a.get(response["Location"]).content.decode()
    assert f'value="{older.pk}"' in page and "As of this backup" in page
    response = client_admin_a.post(
        reverse("restores:wizard_backups", args=[org.pk, draft.pk]),
        {"correct_job": newer.pk, "compromised_job": older.pk},
    )
    assert response.status_code == 200
    assert "must be later than the correct one" in response.content.decode()
    draft.refresh_from_db()
    assert (draft.step, draft.correct_seq) == (1, None)
    # A step after the next one is not reachable yet; a draft cannot run.
    objects = client_admin_a.get(reverse("restores:wizard_finish", args=[org.pk, draft.pk]))
    assert objects["Location"] == reverse("restores:wizard_backups", args=[org.pk, draft.pk])
    client_admin_a.post(reverse("restores:run", args=[org.pk, draft.pk]), {"dry_run": "1"})
    assert not Job.objects.filter(operation=RESTORE).exists()
    listed = client_admin_a.get(reverse("restores:restore", args=[org.pk])).content.decode()
    assert "draft, step 1 of 5" in listed
    assert reverse("restores:wizard_backups", args=[org.pk, draft.pk]) in listed


def test_a_user_without_the_restore_permission_cannot_start_the_wizard(tenant_a, client_user_a):
    org = make_org(tenant_a)
    response = client_user_a.post(
        reverse("restores:wizard_new", args=[org.pk]), {"type": "records"}
    )
    assert response.status_code == 403
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
        reverse("restores:wizard_new", args=[org.pk]),
        *[
            reverse(f"restores:wizard_{step}", args=[org.pk, request.pk])
            for step in ("type", "backups", "objects", "settings", "finish")
        ],
        reverse("restores:job_review", args=[org.pk, job.pk]),
        reverse("restores:job_review_data", args=[org.pk, job.pk]) + "?object=Account",
        reverse("restores:job_results_csv", args=[org.pk, job.pk]),
    ):
        assert client_outsider.get(url).status_code == 404, url
    retry = reverse("restores:job_retry", args=[org.pk, job.pk])
    assert client_outsider.post(retry).status_code == 404
    run = reverse("restores:run", args=[org.pk, request.pk])
    assert client_outsider.post(run).status_code == 404
    assert not Job.objects.filter(operation=RESTORE).exclude(pk=job.pk).exists()


def test_a_backup_metadata_request_chooses_components_of_the_backup(tenant_a, client_admin_a):
    org = make_org(tenant_a)
    backup = make_metadata_backup(
        org,
        {
            ("ApexClass", "AccountService"): {"classes/AccountService.cls": b"public class A {}"},
            ("CustomObject", "Invoice__c"): {"objects/Invoice__c.object": b"<CustomObject/>"},
        },
    )
    client_admin_a.post(reverse("restores:wizard_new", args=[org.pk]), {"type": "metadata"})
    draft = RestoreRequest.objects.get(org=org)
    step = lambda name: reverse(f"restores:wizard_{name}", args=[org.pk, draft.pk])  # noqa: E731
    client_admin_a.post(step("backups"), {"correct_job": backup.pk, "compromised_job": 0})
    page = client_admin_a.get(step("objects")).content.decode()
    assert 'value="ApexClass:AccountService"' in page and 'value="Account"' not in page
    response = client_admin_a.post(step("objects"), {"objects": ["ApexClass:AccountService"]})
    assert response["Location"] == step("settings")
    assert client_admin_a.post(step("settings"), {"fallback_owner_id": ""})["Location"] == step(
        "finish"
    )
    client_admin_a.post(step("finish"), {"name": "Put the class back"})
    draft.refresh_from_db()
    assert (draft.status, draft.type, draft.object_names) == (
        "ready", "metadata", ["ApexClass:AccountService"],
    )  # fmt: skip
