"""Permissions per operation through the real pages, against a vault backed up from the
simulator: a group that may export (and search) but not purge — the export runs and
downloads, the purge is refused with 403 and its button is not shown. Each operation
started and each download is in the audit log once, with the user who did it."""

import pytest
from django.urls import reverse

from exports.operations import EXPORT
from jobs.models import Job
from jobs.services import job_run_inline
from search.models import Purge
from tenants.models import AuditEvent
from tests.backups.conftest import backup_org, vault_storage  # noqa: F401 — fixtures
from tests.backups.engine_support import _fast_retries  # noqa: F401 — autouse
from tests.search.conftest import marked  # noqa: F401 — fixture
from tests.search.support import run_search
from tests.tenants.factories import make_group


@pytest.fixture
def exporter(user_a, client_user_a):
    make_group(user_a.tenant, "Exporters", ["export", "search"], members=[user_a])
    return client_user_a


def test_a_group_may_export_but_not_purge(marked, exporter, user_a):  # noqa: F811
    org, last_backup = marked["org"], marked["jobs"][-1]

    export_url = reverse("exports:export", args=[org.pk])
    assert "New export" in exporter.get(export_url).content.decode()
    started = exporter.post(
        export_url, {"as_of_job": last_backup.pk, "objects": ["Contact"], "format": "csv"}
    )
    assert started.status_code == 302
    job = job_run_inline(job=Job.objects.get(operation=EXPORT))
    assert job.status == "completed", job.error_message
    assert job.created_by == user_a
    export = job.export
    download = exporter.get(reverse("exports:download", args=[org.pk, export.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content)[:2] == b"PK"  # a zip

    search = run_search(org, "Contact", f"Email = '{marked['marker']}'")
    results_url = reverse("search:results", args=[org.pk, search.pk])
    results = exporter.get(results_url).content.decode()
    assert "Ready for purge" in results
    assert "Request purge" not in results
    refused = exporter.post(results_url, {"record": [marked["contact_id"]]})
    assert refused.status_code == 403
    assert "Purge" in refused.content.decode()
    assert not Purge.objects.exists()
    search_page = exporter.get(reverse("search:search", args=[org.pk])).content.decode()
    assert "New search" in search_page and "Two-person purge" not in search_page

    (export_started,) = AuditEvent.objects.filter(action="job.started", detail__operation=EXPORT)
    assert export_started.actor == user_a and export_started.target == f"Job {job.pk}"
    assert export_started.address == "127.0.0.1"  # the page's request, seen by job_start
    # Every job started is one event: the fixture's backups and the search too.
    for job in [*marked["jobs"], search.job]:
        (started,) = AuditEvent.objects.filter(action="job.started", target=f"Job {job.pk}")
        assert started.detail["operation"] == job.operation
    (downloaded,) = AuditEvent.objects.filter(action="download")
    assert downloaded.actor == user_a and downloaded.target == f"Export {export.pk}"
    assert marked["marker"] not in str(list(AuditEvent.objects.values_list("detail", flat=True)))


def test_without_a_group_a_user_can_do_neither(marked, client_user_a):  # noqa: F811
    org = marked["org"]
    export_url = reverse("exports:export", args=[org.pk])
    assert "New export" not in client_user_a.get(export_url).content.decode()
    refused = client_user_a.post(export_url, {"as_of_job": marked["jobs"][-1].pk})
    assert refused.status_code == 403
    search = run_search(org, "Contact", f"Email = '{marked['marker']}'")
    assert client_user_a.get(reverse("search:results", args=[org.pk, search.pk])).status_code == 403
    assert not Job.objects.filter(operation=EXPORT).exists()


@pytest.mark.django_db
def test_manage_settings_lets_a_user_change_org_settings_and_nothing_more(client_user_a, user_a):
    from orgs.models import Org
    from tests.orgs.factories import make_org

    org = make_org(user_a.tenant)
    quota_url = reverse("orgs:settings_api_quota", args=[org.pk])
    data = {"quota-rest_percent": "10", "quota-bulk_percent": "90"}
    general = reverse("orgs:settings_general", args=[org.pk])
    assert 'name="quota-rest_percent"' not in client_user_a.get(general).content.decode()
    assert client_user_a.post(quota_url, data).status_code == 403

    make_group(user_a.tenant, "Operators", ["manage_settings"], members=[user_a])
    assert 'name="quota-rest_percent"' in client_user_a.get(general).content.decode()
    assert client_user_a.post(quota_url, data).status_code == 302
    org = Org.objects.get(pk=org.pk)
    assert (org.api_quota_rest_percent, org.api_quota_bulk_percent) == (10, 90)
    # Deleting the connection stays an Admin's; so do the organization's own settings.
    delete = reverse("orgs:settings_delete", args=[org.pk])
    assert client_user_a.post(delete, {"delete-confirm_name": org.name}).status_code == 403
    assert client_user_a.get(reverse("tenants:group_list")).status_code == 403
    assert Org.objects.filter(pk=org.pk).exists()
