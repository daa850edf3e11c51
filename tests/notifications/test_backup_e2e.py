"""One real backup through the simulator: 11 Contacts deleted in Salesforce make the
next backup fire "Contact: records deleted more than 10", and the email arrives at the
loopback SMTP server with the numbers and the link to that job's Data tab."""

import pytest

from jobs.models import Job, JobObject
from notifications import tasks
from notifications.models import CustomRule, Delivery, Recipient
from tests.backups.engine_support import _fast_retries, connect_org  # noqa: F401 — autouse
from tests.backups.starts import backup_run_inline, backup_start
from tests.fixtures.sfsim import sf_client


@pytest.fixture
def vault_storage(settings, tmp_path):
    storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "storage")},
    }
    settings.STORAGES = {**settings.STORAGES, "vault": storage, "default": storage}


def run_backup(org) -> Job:
    job = backup_run_inline(job=backup_start(org=org, enqueue=False))
    assert job.status == Job.Status.COMPLETED, job.error_message
    return job


@pytest.mark.django_db
def test_eleven_deleted_contacts_fire_the_rule_after_a_real_backup(
    tenant_a, sfsim, vault_storage, smtp, django_capture_on_commit_callbacks
):
    org = connect_org(sfsim, tenant_a)
    Recipient.objects.create(org=org, email="ops@example.com")
    CustomRule.objects.create(
        org=org, object_name="Contact", change="deleted", comparison="more_than", threshold=10
    )
    sf = sf_client(sfsim)
    # Contacts of our own, with no cases (Salesforce refuses to delete those).
    created = [sf.Contact.create({"LastName": f"Departing {n}"})["id"] for n in range(11)]
    run_backup(org)
    assert not Delivery.objects.exists()  # a first backup adds; it deletes nothing

    for contact_id in created:
        sf.Contact.delete(contact_id)
    with django_capture_on_commit_callbacks():
        second = run_backup(org)

    assert JobObject.objects.get(job=second, object_name="Contact").deleted == 11
    delivery = Delivery.objects.get()
    assert tasks.delivery_send_task(delivery.pk) == "sent"
    [message] = smtp.messages
    assert f"fired on job {second.pk}" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    assert f"Contact records deleted in job {second.pk}: 11 (more than 10)" in text
    assert f"https://vault.example.com/orgs/{org.pk}/jobs/{second.pk}/data/" in text
