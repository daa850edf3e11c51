"""Delivery through real servers: emails at a loopback SMTP server (aiosmtpd), webhooks
at a loopback HTTP receiver; failures retried with backoff and logged, never the job's."""

import pytest
from django.test import modify_settings
from django_q.models import Schedule

from jobs import registry
from jobs.models import Job
from jobs.services import job_run_inline, job_start
from notifications import services, tasks
from notifications.delivery import MAX_ATTEMPTS
from notifications.models import CustomRule, Delivery, Recipient, Webhook
from notifications.outbound import REFUSED, OutboundRefused, check_outbound_url
from tests.notifications.factories import finished_job

pytestmark = pytest.mark.django_db


def send_all() -> list[str]:
    return [tasks.delivery_send_task(pk) for pk in Delivery.objects.values_list("pk", flat=True)]


def test_a_fired_rule_arrives_by_email_with_its_numbers_and_the_data_tab_link(
    org, smtp, django_capture_on_commit_callbacks
):
    Recipient.objects.create(org=org, email="ops@example.com")
    Recipient.objects.create(org=org, email="admin@a.example")
    CustomRule.objects.create(
        org=org, object_name="Contact", change="deleted", comparison="more_than", threshold=10
    )
    job = finished_job(org, {"Contact": (2, 0, 11)})

    with django_capture_on_commit_callbacks() as callbacks:
        services.on_job_finished(job=job)
    assert len(callbacks) == 1  # the queue hand-over waits for the commit
    assert send_all() == ["sent", "sent"]

    assert sorted(m.envelope_to[0] for m in smtp.messages) == ["admin@a.example", "ops@example.com"]
    message = smtp.messages[0]
    subject = (
        f'[OrgVault] Acme Prod: rule "Contact: records deleted more than 10" fired on job {job.pk}'
    )
    assert message["Subject"] == subject
    data_tab = f"https://vault.example.com/orgs/{org.pk}/jobs/{job.pk}/data/"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert f"Contact records deleted in job {job.pk}: 11 (more than 10)" in text
    assert f"Open the job: {data_tab}" in text
    assert f'<a href="{data_tab}">' in html
    assert "Rule: Contact: records deleted more than 10" in html
    row = Delivery.objects.first()
    assert (row.status, row.attempts, row.sent_at is not None) == ("sent", 1, True)


def test_a_failing_mail_server_is_retried_with_backoff_then_logged(org, failing_smtp):
    services.defaults_update(org=org, enabled={("composite_backup", "completed")})
    Recipient.objects.create(org=org, email="ops@example.com")
    job = finished_job(org, {"Account": (3, 0, 0)})
    services.on_job_finished(job=job)
    delivery = Delivery.objects.get()

    assert tasks.delivery_send_task(delivery.pk) == "pending"
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert "Mail server busy" in delivery.last_error
    retry = Schedule.objects.get(func="notifications.tasks.delivery_send_task")
    assert retry.args == f"({delivery.pk},)"
    assert retry.schedule_type == Schedule.ONCE
    assert 55 <= (retry.next_run - delivery.created_at).total_seconds() <= 120

    for _ in range(MAX_ATTEMPTS - 1):
        tasks.delivery_send_task(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", MAX_ATTEMPTS)
    assert failing_smtp.attempts == MAX_ATTEMPTS
    assert tasks.delivery_send_task(delivery.pk) == "skipped"  # given up: no 5th attempt
    job.refresh_from_db()
    assert job.status == Job.Status.COMPLETED


@pytest.fixture
def toy_app():
    with modify_settings(INSTALLED_APPS={"append": "tests.jobs.toy_app"}):
        yield
    registry.unregister("toy_count")


def test_a_real_job_run_is_never_slowed_or_failed_by_a_failing_mail_server(
    toy_app, org, failing_smtp, django_capture_on_commit_callbacks
):
    services.defaults_update(
        org=org, enabled={("toy_count", "started"), ("toy_count", "completed")}
    )
    Recipient.objects.create(org=org, email="ops@example.com")
    job = job_start(org=org, operation="toy_count", settings={"rounds": 2}, enqueue=False)

    with django_capture_on_commit_callbacks() as callbacks:
        job = job_run_inline(job=job)

    assert job.status == Job.Status.COMPLETED
    assert failing_smtp.attempts == 0  # nothing was sent inside the job
    assert sorted(Delivery.objects.values_list("reason", flat=True)) == ["completed", "started"]
    assert callbacks  # the sends were handed to the queue
    assert send_all() == ["pending", "pending"]
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {1}


def test_a_webhook_receives_json_with_a_slack_text(org, receiver):
    services.webhook_update(org=org, url=receiver.url)
    services.defaults_update(org=org, enabled={("composite_backup", "failed")})
    job = finished_job(org, {"Account": (1, 0, 0)}, status=Job.Status.ERROR)

    services.on_job_finished(job=job)
    assert send_all() == ["sent"]

    [post] = receiver.posts
    assert post["content_type"] == "application/json"
    payload = post["json"]
    assert payload["text"].startswith(f"*[OrgVault] Acme Prod: Job {job.pk} Nightly backup failed*")
    assert f"https://vault.example.com/orgs/{org.pk}/jobs/{job.pk}/" in payload["text"]
    assert (payload["job_id"], payload["reason"], payload["status"]) == (job.pk, "failed", "error")


def test_a_webhook_answering_500_is_retried_and_logged(org, receiver):
    receiver.status = 500
    services.webhook_update(org=org, url=receiver.url)
    services.defaults_update(org=org, enabled={("composite_backup", "completed")})
    services.on_job_finished(job=finished_job(org, {"Account": (1, 0, 0)}))

    assert send_all() == ["pending"]
    delivery = Delivery.objects.get()
    assert "The webhook answered HTTP 500." in delivery.last_error
    assert len(receiver.posts) == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "ftp://example.com/hook",
        "http://no-such-host.invalid/hook",
    ],
)
def test_private_and_unusable_webhook_urls_are_refused_with_one_message(url, settings):
    settings.OUTBOUND_ALLOW_PRIVATE = False
    with pytest.raises(OutboundRefused) as refused:
        check_outbound_url(url)
    assert str(refused.value) == REFUSED


def test_a_saved_webhook_that_now_points_inward_is_refused_at_send_time(org, receiver, settings):
    Webhook.objects.create(org=org, url=receiver.url)  # saved while private was allowed
    services.defaults_update(org=org, enabled={("composite_backup", "completed")})
    services.on_job_finished(job=finished_job(org, {"Account": (1, 0, 0)}))
    settings.OUTBOUND_ALLOW_PRIVATE = False

    assert send_all() == ["pending"]
    assert receiver.posts == []
    assert REFUSED in Delivery.objects.get().last_error
