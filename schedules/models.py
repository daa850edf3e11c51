"""Schedules: when an org's operations run by themselves."""

from django.conf import settings as django_settings
from django.db import models
from django.utils import timezone

from jobs import registry
from schedules.recurrence import RecurrenceSpec


class Schedule(models.Model):
    """A recurring job of one org: any schedulable registered operation
    (schedules/recurrence.py says when it runs).

    Operations may give each org *system* schedules (schedules/registry.py; one per
    operation, never deleted); users add any number of *user* schedules. `next_run_at`
    is the next due run in UTC; the scheduler claims a due run by moving it forward with
    a conditional update (schedules/scheduler.py).
    """

    class Kind(models.TextChoices):
        SYSTEM = "system", "System"
        USER = "user", "User"

    class Frequency(models.TextChoices):
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"

    class MonthlyMode(models.TextChoices):
        DAY = "day", "Day of the month"
        WEEKDAY = "weekday", "Weekday of the month"

    class MonthWeek(models.TextChoices):
        FIRST = "first", "First"
        LAST = "last", "Last"

    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="schedules")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.USER)
    # A schedulable registered operation (jobs/registry.py).
    operation = models.CharField(max_length=32)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    settings = models.JSONField(default=dict, blank=True)
    # The object template a templated operation runs (a used template cannot be deleted).
    template = models.ForeignKey(
        "object_templates.ObjectTemplate",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="schedules",
    )

    frequency = models.CharField(max_length=10, choices=Frequency.choices, default="daily")
    interval = models.PositiveSmallIntegerField(default=1)
    run_at = models.TimeField()
    start_date = models.DateField()
    weekdays = models.JSONField(default=list, blank=True)  # 0 = Monday
    monthly_mode = models.CharField(max_length=10, choices=MonthlyMode.choices, default="day")
    month_day = models.PositiveSmallIntegerField(default=1)
    month_week = models.CharField(max_length=10, choices=MonthWeek.choices, default="first")
    month_weekday = models.PositiveSmallIntegerField(default=0)

    enabled = models.BooleanField(default=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_job = models.ForeignKey(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["org", "kind", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "operation"],
                condition=models.Q(kind="system"),
                name="schedule_one_system_per_operation",
            ),
        ]
        indexes = [models.Index(fields=["enabled", "next_run_at"], name="schedule_due")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_system(self) -> bool:
        return self.kind == self.Kind.SYSTEM

    def get_operation_display(self) -> str:
        return registry.label(self.operation)

    @property
    def spec(self) -> RecurrenceSpec:
        return RecurrenceSpec(
            frequency=self.frequency,
            interval=self.interval,
            run_at=self.run_at,
            start_date=self.start_date,
            weekdays=tuple(sorted(self.weekdays or [])),
            monthly_mode=self.monthly_mode,
            month_day=self.month_day,
            month_week=self.month_week,
            month_weekday=self.month_weekday,
        )
