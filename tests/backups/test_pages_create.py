"""Create Backup → Composite Backup: the form, its validation, and the queued job."""

import pytest
from django.urls import reverse

from jobs.models import Job
from orgs.models import Org
from tests.backups.factories import make_org
from tests.backups.page_support import use_private_storage
from tests.backups.starts import settings_of

SETTINGS = {
    "big_objects": "on",
    "binary_objects": "on",
    "history_objects": "on",
}


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    use_private_storage(settings, tmp_path)


@pytest.fixture
def org(tenant_a):
    return make_org(tenant_a)


def test_form_offers_the_job_settings_with_metadata(client_admin_a, org):
    page = client_admin_a.get(reverse("backups:create", args=[org.pk])).content.decode()
    for label in [
        "Metadata<",
        "Big Objects",
        "Binary Objects",
        "Tag Objects",
        "History Objects",
        "Feed Objects",
        "Share Objects",
        "Custom Metadata Type Objects",
        "Composite &amp; Sync",
    ]:
        assert label in page
    assert 'name="metadata" id="id_metadata" checked' in page
    assert 'name="binary_objects" id="id_binary_objects" checked' in page  # checked by default


def test_run_creates_a_queued_job_and_opens_its_page(
    client_admin_a, admin_a, org, django_capture_on_commit_callbacks
):
    data = {"name": "Before the release", "description": "Ticket 42", **SETTINGS}
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_admin_a.post(reverse("backups:create", args=[org.pk]), data)
    job = Job.objects.get(org=org)
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:job", args=[org.pk, job.pk])
    assert (job.operation, job.name, job.description) == (
        "composite_backup",
        "Before the release",
        "Ticket 42",
    )
    assert job.status == Job.Status.QUEUED and job.created_by == admin_a
    chosen = settings_of(job)
    assert chosen.big_objects and chosen.binary_objects and chosen.history_objects
    assert not (chosen.tag_objects or chosen.feed_objects or chosen.metadata)
    assert len(callbacks) == 1  # handed to the workers after commit


def test_composite_and_sync(client_admin_a, org, django_capture_on_commit_callbacks):
    page = client_admin_a.get(reverse("backups:create", args=[org.pk]), {"sync": "1"})
    assert 'id="id_sync" checked' in page.content.decode()
    with django_capture_on_commit_callbacks():
        client_admin_a.post(reverse("backups:create", args=[org.pk]), {"name": "S", "sync": "on"})
    assert Job.objects.get(org=org).operation == "composite_sync_backup"


def test_a_name_is_required(client_admin_a, org):
    response = client_admin_a.post(reverse("backups:create", args=[org.pk]), {"name": " "})
    assert response.status_code == 200
    assert "Give the backup a name" in response.content.decode()
    assert not Job.objects.exists()


def test_only_a_connected_org_can_be_backed_up(client_admin_a, org):
    org.status = Org.Status.CHECK_FAILED
    org.save(update_fields=["status"])
    url = reverse("backups:create", args=[org.pk])
    page = client_admin_a.get(url).content.decode()
    assert "This org is not connected" in page and "disabled>Run<" in page
    response = client_admin_a.post(url, {"name": "Nope"})
    assert "cannot be backed up" in response.content.decode()
    assert not Job.objects.exists()


def test_users_and_outsiders_cannot_create(client_user_a, client_outsider, org):
    url = reverse("backups:create", args=[org.pk])
    assert client_user_a.post(url, {"name": "x"}).status_code == 403
    assert client_outsider.post(url, {"name": "x"}).status_code == 404
    assert not Job.objects.exists()
