"""The Export page, a job's Download tab and the download, through the test client."""

import io
import zipfile
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from exports.models import Export
from exports.operations import EXPORT
from exports.selectors import export_for_job
from exports.services import export_sweep_expired
from jobs.models import Job, JobLog
from tests.exports.factories import make_export
from tests.exports.support import run_export


def test_admin_starts_an_export_from_the_page(backed_up, client_admin_a):
    org, backup = backed_up
    url = reverse("exports:export", args=[org.pk])
    page = client_admin_a.get(url).content.decode()
    assert f'value="{backup.pk}"' in page and 'value="Account"' in page
    response = client_admin_a.post(
        url,
        {
            "as_of_job": backup.pk,
            "objects": ["Account", "Contact"],
            "filters": "Account: Name LIKE 'A%'",
            "field_lists": "Account: Id, Name",
            "format": "csv",
        },
    )
    job = Job.objects.get(operation=EXPORT)
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:job", args=[org.pk, job.pk])
    assert job.settings["objects"] == ["Account", "Contact"]
    assert job.settings["filters"] == {"Account": "Name LIKE 'A%'"}
    assert job.settings["fields"] == {"Account": ["Id", "Name"]}


def test_bad_filter_is_shown_on_the_form_and_nothing_starts(backed_up, client_admin_a):
    org, backup = backed_up
    response = client_admin_a.post(
        reverse("exports:export", args=[org.pk]),
        {
            "as_of_job": backup.pk,
            "objects": ["Account"],
            "filters": "Account: Name =",
            "format": "csv",
        },
    )
    assert response.status_code == 200
    assert "is not valid SOQL" in response.content.decode()
    assert not Job.objects.filter(operation=EXPORT).exists()


def test_users_see_the_history_but_cannot_start(backed_up, client_user_a):
    org, backup = backed_up
    url = reverse("exports:export", args=[org.pk])
    assert client_user_a.get(url).status_code == 200
    response = client_user_a.post(url, {"as_of_job": backup.pk, "objects": ["Account"]})
    assert response.status_code == 403
    assert not Job.objects.filter(operation=EXPORT).exists()


def test_download_tab_and_streamed_download(backed_up, client_admin_a, admin_a):
    org, backup = backed_up
    job = run_export(org, as_of_job=backup, objects=["Account"])
    export = export_for_job(job=job)
    tab = client_admin_a.get(reverse("exports:job_download", args=[org.pk, job.pk]))
    text = tab.content.decode()
    assert "Ready for download" in text and export.file_name in text
    assert timezone.localtime(export.expires_at).strftime("%b %-d, %Y") in text

    response = client_admin_a.get(reverse("exports:download", args=[org.pk, export.pk]))
    assert response.status_code == 200 and response.streaming
    assert export.file_name in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert names == ["Account/Account-0001.csv"]
    export.refresh_from_db()
    assert export.downloads == 1
    assert JobLog.objects.filter(
        job=job, message__contains=f"downloaded by {admin_a.email}"
    ).exists()

    history = client_admin_a.get(reverse("exports:export", args=[org.pk])).content.decode()
    assert reverse("exports:download", args=[org.pk, export.pk]) in history

    # After 7 days the sweep deletes the file: the tab and the link say so.
    export_sweep_expired(now=timezone.now() + timedelta(days=7, minutes=1))
    tab = client_admin_a.get(reverse("exports:job_download", args=[org.pk, job.pk]))
    assert "Expired" in tab.content.decode() and "Ready for download" not in tab.content.decode()
    gone = client_admin_a.get(reverse("exports:download", args=[org.pk, export.pk]))
    assert gone.status_code == 410 and "expired" in gone.content.decode()


def test_another_tenant_gets_404_everywhere(backed_up, client_outsider):
    org, backup = backed_up
    job = run_export(org, as_of_job=backup, objects=["Account"])
    export = export_for_job(job=job)
    urls = [
        reverse("exports:export", args=[org.pk]),
        reverse("exports:job_download", args=[org.pk, job.pk]),
        reverse("exports:download", args=[org.pk, export.pk]),
    ]
    for url in urls:
        assert client_outsider.get(url).status_code == 404, url
    post = client_outsider.post(urls[0], {"as_of_job": backup.pk, "objects": ["Account"]})
    assert post.status_code == 404
    assert Export.objects.get().downloads == 0


def test_history_lists_exports_with_few_queries(
    db, tenant_a, client_admin_a, django_assert_max_num_queries
):
    from tests.test_tenant_isolation import make_org

    org = make_org(tenant_a)
    for _ in range(5):
        make_export(org, expires_in=timedelta(days=3))
    with django_assert_max_num_queries(12):
        page = client_admin_a.get(reverse("exports:export", args=[org.pk])).content.decode()
    assert page.count("download-Org_A-20260101-000000.zip") == 0  # no file stored: no link
    assert page.count("<tr>") == 6
