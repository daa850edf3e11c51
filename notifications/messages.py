"""A notice as an email (subject, plain text, HTML) and as a webhook payload.

Links are absolute, from `settings.SITE_URL`: the job's page, and for rules and
anomalies the job's Data tab (the operation's registered "data" tab, when it has one).
"""

import json
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from jobs import registry
from jobs.models import Job
from notifications.rules import Notice


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str
    link: str


def job_link(job: Job, *, data_tab: bool = False) -> str:
    url_name = "jobs:job"
    if data_tab and registry.is_registered(job.operation):
        tabs = {tab.key: tab.url_name for tab in registry.get(job.operation).tabs}
        url_name = tabs.get("data", url_name)
    path = reverse(url_name, kwargs={"org_id": job.org_id, "job_id": job.pk})
    return f"{settings.SITE_URL}{path}"


def render(job: Job, notice: Notice) -> Message:
    link = job_link(job, data_tab=notice.reason in ("rule", "anomaly"))
    subject = f"[OrgVault] {job.org.name}: {notice.headline}"
    context = {
        "job": job,
        "org": job.org,
        "operation": job.get_operation_display(),
        "notice": notice,
        "link": link,
        "settings_link": settings.SITE_URL
        + reverse("notifications:settings", kwargs={"org_id": job.org_id}),
    }
    return Message(
        subject=subject[:300],
        text=render_to_string("emails/notifications/notice.txt", context),
        html=render_to_string("emails/notifications/notice.html", context),
        link=link,
    )


def webhook_payload(job: Job, notice: Notice, message: Message) -> str:
    """JSON with a Slack-compatible `text` and the same facts as fields."""
    text = "\n".join([f"*{message.subject}*", *notice.lines, message.link])
    return json.dumps(
        {
            "text": text,
            "subject": message.subject,
            "reason": notice.reason,
            "org": job.org.name,
            "job_id": job.pk,
            "job_name": job.name,
            "operation": job.operation,
            "status": job.status,
            "lines": notice.lines,
            "url": message.link,
        }
    )
