"""Writes for notifications: the org's settings (recipients, defaults, rules, webhook)
and the Delivery rows a job's notices become.

- `recipient_add(*, org, email) -> Recipient` / `recipient_remove(*, recipient)`
- `defaults_update(*, org, enabled: set[tuple[str, str]])` — (operation, event) pairs on
- `rule_create(*, org, object_name, change, comparison, threshold) -> CustomRule`
- `anomaly_rule_create(*, org, object_name, deviations, minimum_count) -> AnomalyRule`
- `rule_delete(*, rule)` — a CustomRule or an AnomalyRule
- `webhook_update(*, org, url)` — "" removes the webhook
- `job_notify(*, job, notices) -> list[Delivery]` — one row per recipient (and the
  webhook) per notice, sent by a queue task after commit; never raises into the job.

The hook receivers (`on_job_started`, `on_job_finished`) are subscribed in apps.py.
"""

import logging

from django.db import transaction
from django_q.tasks import async_task

from jobs.models import Job
from notifications import messages, rules
from notifications.models import (
    AnomalyRule,
    CustomRule,
    DefaultNotification,
    Delivery,
    Event,
    Recipient,
    Webhook,
)
from notifications.outbound import check_outbound_url
from orgs.models import Org

logger = logging.getLogger(__name__)


@transaction.atomic
def recipient_add(*, org: Org, email: str) -> Recipient:
    email = email.strip()
    if Recipient.objects.filter(org=org, email__iexact=email).exists():
        raise ValueError(f"{email} already receives this org's notifications.")
    return Recipient.objects.create(org=org, email=email)


def recipient_remove(*, recipient: Recipient) -> None:
    recipient.delete()


@transaction.atomic
def defaults_update(*, org: Org, enabled: set[tuple[str, str]]) -> None:
    DefaultNotification.objects.filter(org=org).delete()
    DefaultNotification.objects.bulk_create(
        DefaultNotification(org=org, operation=operation, event=event)
        for operation, event in sorted(enabled)
    )


def rule_create(
    *, org: Org, object_name: str, change: str, comparison: str, threshold: int
) -> CustomRule:
    return CustomRule.objects.create(
        org=org,
        object_name=object_name,
        change=change,
        comparison=comparison,
        threshold=threshold,
    )


@transaction.atomic
def anomaly_rule_create(
    *, org: Org, object_name: str, deviations, minimum_count: int
) -> AnomalyRule:
    if AnomalyRule.objects.filter(org=org, object_name=object_name).exists():
        raise ValueError(f"{object_name} already has an anomaly rule; delete it to change it.")
    return AnomalyRule.objects.create(
        org=org, object_name=object_name, deviations=deviations, minimum_count=minimum_count
    )


def rule_delete(*, rule: CustomRule | AnomalyRule) -> None:
    rule.delete()


@transaction.atomic
def webhook_update(*, org: Org, url: str) -> Webhook | None:
    if not url:
        Webhook.objects.filter(org=org).delete()
        return None
    check_outbound_url(url)
    webhook, _ = Webhook.objects.update_or_create(org=org, defaults={"url": url})
    return webhook


def _enqueue(delivery_ids: list[int]) -> None:
    def send() -> None:
        for delivery_id in delivery_ids:
            async_task("notifications.tasks.delivery_send_task", delivery_id)

    transaction.on_commit(send)


@transaction.atomic
def job_notify(*, job: Job, notices: list[rules.Notice]) -> list[Delivery]:
    if not notices:
        return []
    recipients = list(Recipient.objects.filter(org_id=job.org_id).values_list("email", flat=True))
    webhook = Webhook.objects.filter(org_id=job.org_id).first()
    rows = []
    for notice in notices:
        message = messages.render(job, notice)
        common = {"org_id": job.org_id, "job": job, "reason": notice.reason}
        rows += [
            Delivery(
                **common,
                channel=Delivery.Channel.EMAIL,
                recipient=email,
                subject=message.subject,
                body_text=message.text,
                body_html=message.html,
            )
            for email in recipients
        ]
        if webhook is not None:
            rows.append(
                Delivery(
                    **common,
                    channel=Delivery.Channel.WEBHOOK,
                    recipient=webhook.url,
                    subject=message.subject,
                    body_text=messages.webhook_payload(job, notice, message),
                )
            )
    created = Delivery.objects.bulk_create(rows)
    _enqueue([row.pk for row in created])
    return created


def on_job_started(*, job: Job, **_) -> None:
    """The `jobs.hooks.job_started` receiver: once per job, however often it is claimed."""
    if Delivery.objects.filter(job=job, reason=Event.STARTED).exists():
        return
    notice = rules.default_notice(job, Event.STARTED)
    job_notify(job=job, notices=[notice] if notice else [])


def on_job_finished(*, job: Job, **_) -> None:
    """The `jobs.hooks.job_finished` receiver: only creates rows and enqueues; a failure
    here is logged by the hook and never changes the job."""
    job_notify(job=job, notices=rules.finished_notices(job))
