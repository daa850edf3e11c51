"""A purge that meets a version under S3 Object Lock retention (moto's S3, which enforces
it) is queued, not failed: nothing is erased, the purge page says until when, and the
hourly sweep starts it again once the lock has expired. Under a legal hold it is refused
with the reason."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from jobs.models import Job
from jobs.services import job_run_inline
from search.models import Purge, PurgeSettings
from search.services import purge_request, purge_retry_waiting
from search.tasks import search_sweep_task
from tests.fixtures.sfsim import sf_client
from tests.search.support import run_backup, run_search
from tests.vault.conftest import (  # noqa: F401 — fixtures
    S3_KEY_ID,
    S3_SECRET,
    locked_bucket,
    moto_endpoint,
)
from vault.holds import legal_hold_place
from vault.models import RecordVersion, RetentionPolicy


@pytest.fixture
def locked_org(backup_org, moto_endpoint, locked_bucket):  # noqa: F811
    from common.crypto import wrap_secret
    from common.storage import s3_secret_purpose

    org = backup_org
    org.storage = "s3"
    org.s3_bucket, org.s3_endpoint_url, org.s3_region = locked_bucket, moto_endpoint, "us-east-1"
    org.s3_access_key_id = S3_KEY_ID
    org.s3_secret_wrapped = wrap_secret(S3_SECRET, s3_secret_purpose(org.pk))
    org.save()
    RetentionPolicy.objects.create(org=org, lock_mode="GOVERNANCE", lock_days=2)
    PurgeSettings.objects.create(org=org, require_approval=False)
    return org


def test_a_locked_version_queues_the_purge_until_the_lock_expires(
    locked_org, sfsim, admin_a, client_admin_a
):
    org = locked_org
    email = "locked-person@marker.example"
    person = sf_client(sfsim).Contact.create({"LastName": "Locked", "Email": email})["id"]
    assert run_backup(org).status == "completed"
    search = run_search(org, "Contact", f"Email = '{email}'")
    purge = purge_request(search=search, actor=admin_a, enqueue=False)
    job = job_run_inline(job=purge.job)
    assert job.status == Job.Status.COMPLETED, job.error_message
    purge.refresh_from_db()
    assert purge.status == Purge.Status.WAITING
    now = dt.datetime.now(dt.UTC)
    assert now + dt.timedelta(days=1) < purge.retry_at <= now + dt.timedelta(days=2, minutes=1)
    # Nothing was erased.
    assert RecordVersion.objects.filter(org=org, record_id=person).count() == 1
    assert any("S3 Object Lock until" in line.message for line in job.logs.all())
    page = client_admin_a.get(reverse("search:purge", args=[org.pk, purge.pk])).content.decode()
    assert "Waiting for a retention lock" in page
    assert f"{purge.retry_at:%b} {purge.retry_at.day}, {purge.retry_at.year}" in page

    # The hourly sweep leaves it while the lock holds, then starts it again.
    search_sweep_task()
    assert Purge.objects.get(pk=purge.pk).status == Purge.Status.WAITING
    started = purge_retry_waiting(now=purge.retry_at + dt.timedelta(minutes=1), enqueue=False)
    assert [p.pk for p in started] == [purge.pk]
    again = Purge.objects.get(pk=purge.pk)
    assert again.status == Purge.Status.APPROVED and again.job_id not in (None, job.pk)
    assert again.retry_at is None


def test_a_legal_hold_refuses_with_the_reason(locked_org, sfsim, admin_a):
    org = locked_org
    email = "held-person@marker.example"
    person = sf_client(sfsim).Contact.create({"LastName": "Held", "Email": email})["id"]
    assert run_backup(org).status == "completed"
    search = run_search(org, "Contact", f"Email = '{email}'")
    legal_hold_place(org=org, actor=admin_a, reason="Litigation 12", object_name="Contact",
                     record_id=person)  # fmt: skip
    with pytest.raises(ValidationError, match="legal hold covers 1 of Contact"):
        purge_request(search=search, actor=admin_a, enqueue=False)
    assert not Purge.objects.filter(org=org).exists()
