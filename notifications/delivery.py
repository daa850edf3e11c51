"""Sending one Delivery: an email through Django's mail, or a JSON POST to the webhook.

`delivery_send(*, delivery_id) -> Delivery` makes one attempt. A failure is recorded
(`attempts`, `last_error`) and another attempt is scheduled with backoff
(BACKOFF_SECONDS) until MAX_ATTEMPTS; then the delivery is `failed` and the log page
shows why. It runs on a queue worker, never inside a job.
"""

import json
import logging
from datetime import timedelta

import requests
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import schedule

from notifications.models import Delivery
from notifications.outbound import check_outbound_url

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
BACKOFF_SECONDS = (60, 300, 1800)  # before the 2nd, 3rd and 4th attempts
WEBHOOK_TIMEOUT = 10


def send_email(delivery: Delivery) -> None:
    message = EmailMultiAlternatives(
        subject=delivery.subject,
        body=delivery.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.recipient],
    )
    if delivery.body_html:
        message.attach_alternative(delivery.body_html, "text/html")
    message.send(fail_silently=False)


def post_webhook(delivery: Delivery) -> None:
    url = check_outbound_url(delivery.recipient)
    response = requests.post(
        url,
        data=delivery.body_text.encode(),
        headers={"Content-Type": "application/json", "User-Agent": "OrgVault"},
        timeout=WEBHOOK_TIMEOUT,
        allow_redirects=False,  # a redirect could point inward; 3xx counts as a failure
    )
    if not 200 <= response.status_code < 300:
        raise RuntimeError(f"The webhook answered HTTP {response.status_code}.")


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:2000]


def delivery_send(*, delivery_id: int) -> Delivery | None:
    delivery = Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING).first()
    if delivery is None:
        return None  # sent, given up, or gone
    attempts = delivery.attempts + 1
    try:
        if delivery.channel == Delivery.Channel.WEBHOOK:
            post_webhook(delivery)
        else:
            send_email(delivery)
    except Exception as exc:
        _failed(delivery, attempts, _describe(exc))
    else:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.SENT,
            attempts=attempts,
            sent_at=timezone.now(),
            next_attempt_at=None,
        )
    delivery.refresh_from_db()
    return delivery


def _failed(delivery: Delivery, attempts: int, error: str) -> None:
    logger.warning("notification %s attempt %s failed: %s", delivery.pk, attempts, error)
    if attempts >= MAX_ATTEMPTS:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.FAILED,
            attempts=attempts,
            last_error=error,
            next_attempt_at=None,
        )
        return
    next_at = timezone.now() + timedelta(seconds=BACKOFF_SECONDS[attempts - 1])
    Delivery.objects.filter(pk=delivery.pk).update(
        attempts=attempts, last_error=error, next_attempt_at=next_at
    )
    schedule(
        "notifications.tasks.delivery_send_task",
        delivery.pk,
        name=f"notification {delivery.pk} attempt {attempts + 1}",
        schedule_type=Schedule.ONCE,
        next_run=next_at,
        repeats=1,
    )


def payload(delivery: Delivery) -> dict:
    """A webhook delivery's JSON (for the log page)."""
    try:
        return json.loads(delivery.body_text)
    except ValueError:
        return {}
