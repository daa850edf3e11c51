"""Notifications of an org: who is told (recipients, webhook), about what (default
notifications per operation and event, custom count rules, anomaly rules), and the log
of every message sent or that failed (Delivery).

Jobs and their counters belong to jobs/; this app only reads them when a job starts
or finishes (notifications/apps.py subscribes to the engine's hooks).
"""

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class Event(models.TextChoices):
    """What happened to a job: the default notifications, per operation."""

    STARTED = "started", "Started"
    COMPLETED = "completed", "Completed"
    ABORTED = "aborted", "Aborted"
    FAILED = "failed", "Failed"


class Change(models.TextChoices):
    """Which of a backup's per-object counters a rule reads (JobObject's columns)."""

    ADDED = "added", "Records added"
    CHANGED = "changed", "Records changed"
    DELETED = "deleted", "Records deleted"


class Recipient(models.Model):
    """An email address told about the org's jobs: a tenant user or an outside address."""

    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint("org", Lower("email"), name="recipient_email_unique_per_org"),
        ]

    def __str__(self) -> str:
        return self.email


class DefaultNotification(models.Model):
    """One switched-on default notification: tell recipients when a job of `operation`
    reaches `event`. No row means off."""

    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+")
    operation = models.CharField(max_length=32)  # a registered operation's name
    event = models.CharField(max_length=12, choices=Event.choices)

    class Meta:
        ordering = ["operation", "event"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "operation", "event"], name="default_notification_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.event}"


class CustomRule(models.Model):
    """ "Contact: records deleted more than 10": checked after each completed backup."""

    class Comparison(models.TextChoices):
        MORE_THAN = "more_than", "more than"
        LESS_THAN = "less_than", "less than"

    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+")
    object_name = models.CharField(max_length=120)
    change = models.CharField(max_length=10, choices=Change.choices)
    comparison = models.CharField(max_length=10, choices=Comparison.choices)
    threshold = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["object_name", "change", "id"]

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        label = Change(self.change).label.lower()
        return f"{self.object_name}: {label} {self.get_comparison_display()} {self.threshold}"

    def matches(self, count: int) -> bool:
        if self.comparison == self.Comparison.MORE_THAN:
            return count > self.threshold
        return count < self.threshold


class AnomalyRule(models.Model):
    """Fire when a completed backup's added, changed or deleted count for `object_name`
    is more than `deviations` standard deviations from that object's mean over the
    trailing `window_days`, and at least `minimum_count` (small numbers never alarm)."""

    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+")
    object_name = models.CharField(max_length=120)
    deviations = models.DecimalField(max_digits=4, decimal_places=1, default=3)
    minimum_count = models.PositiveIntegerField(default=100)
    window_days = models.PositiveSmallIntegerField(default=30)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["object_name"]
        constraints = [
            models.UniqueConstraint(fields=["org", "object_name"], name="anomaly_rule_unique"),
        ]

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        return (
            f"{self.object_name}: more than {self.deviations} standard deviations from the "
            f"{self.window_days}-day mean (at least {self.minimum_count} records)"
        )


class Webhook(models.Model):
    """The org's optional webhook: a JSON POST with a Slack-compatible "text" field."""

    org = models.OneToOneField("orgs.Org", on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=500)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.url


class Delivery(models.Model):
    """One message to one address (an email or the webhook), with its attempts."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        WEBHOOK = "webhook", "Webhook"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+")
    job = models.ForeignKey(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # "started", "completed", "aborted", "failed", "rule" or "anomaly".
    reason = models.CharField(max_length=12)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient = models.CharField(max_length=500)  # an email address or the webhook URL
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["org", "-created_at"], name="delivery_org_created")]

    def __str__(self) -> str:
        return f"{self.channel} to {self.recipient}: {self.subject}"
