"""Jobs: one table and one id sequence for every long operation users see ("Job 57").

The runner (jobs/runner.py) owns status, progress and logs; model methods hold only
single-row transitions. Workers change rows with conditional `.update()` calls so
that several workers (and a re-delivered task) are safe.
"""

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings as django_settings
from django.db import models
from django.db.models import F
from django.utils import timezone

from jobs import registry

# How often a job's heartbeat is written at most: well inside JOBS_STALE_SECONDS (5 s at
# least), after which the reaper takes a job for stopped.
HEARTBEAT_EVERY = timedelta(seconds=1)


class Job(models.Model):
    class Trigger(models.TextChoices):
        MANUAL = "manual", "Manual"
        USER_SCHEDULE = "user_schedule", "User schedule"
        SYSTEM_SCHEDULE = "system_schedule", "System schedule"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        IN_PROGRESS = "in_progress", "In Progress"
        COMPLETED = "completed", "Completed"
        ERROR = "error", "Error"
        ABORTED = "aborted", "Aborted"

    FINAL_STATUSES = (Status.COMPLETED, Status.ERROR, Status.ABORTED)

    # A registered operation's name (jobs/registry.py); the engine knows no operation.
    operation = models.CharField(max_length=32)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="jobs")
    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="jobs")
    trigger = models.CharField(max_length=20, choices=Trigger.choices, default=Trigger.MANUAL)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    settings = models.JSONField(default=dict, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # When the job's first task reached the broker; empty while it never did (the process
    # died between commit and send, or the broker was down): the reaper queues it again.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    abort_requested = models.BooleanField(default=False)
    # How many times the reaper handed this job back for resume after a lost worker.
    resumes = models.PositiveSmallIntegerField(default=0)
    error_message = models.TextField(blank=True)

    records = models.BigIntegerField(default=0)
    added = models.BigIntegerField(default=0)
    changed = models.BigIntegerField(default=0)
    deleted = models.BigIntegerField(default=0)
    size_bytes = models.BigIntegerField(default=0)
    api_calls = models.BigIntegerField(default=0)
    # API calls made while preparing (describe, catalog), outside any object.
    setup_api_calls = models.BigIntegerField(default=0)

    created_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["org", "-created_at"], name="job_org_created"),
            models.Index(fields=["tenant", "-created_at"], name="job_tenant_created"),
            models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat"),
        ]

    def __str__(self) -> str:
        return f"Job {self.pk}: {self.name}"

    def get_operation_display(self) -> str:
        return registry.label(self.operation)

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL_STATUSES

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.IN_PROGRESS)

    @property
    def duration(self):
        """A timedelta: start to finish, or start to now while running; None if not started."""
        if self.started_at is None:
            return None
        return (self.finished_at or timezone.now()) - self.started_at

    def claim(self) -> bool:
        """queued -> in progress, atomically; True only for the one caller that won."""
        now = timezone.now()
        won = Job.objects.filter(pk=self.pk, status=self.Status.QUEUED).update(
            status=self.Status.IN_PROGRESS, started_at=now, heartbeat_at=now
        )
        if won:
            self.refresh_from_db()
        return won == 1

    def heartbeat(self) -> None:
        """Tell the reaper this job's worker is alive: written at most once a
        HEARTBEAT_EVERY, however often it is called (every page and every Bulk poll call
        it; a 1M Composite & Sync wrote and committed it 593 times, ~1 s)."""
        now = timezone.now()
        if self.heartbeat_at is not None and now - self.heartbeat_at < HEARTBEAT_EVERY:
            return
        self.heartbeat_at = now
        Job.objects.filter(pk=self.pk).update(heartbeat_at=now)

    def request_abort(self) -> bool:
        """Ask a running job to stop; a queued one stops at once. True if it was running."""
        if self.is_final:
            return False
        Job.objects.filter(pk=self.pk).update(abort_requested=True)
        stopped = Job.objects.filter(pk=self.pk, status=self.Status.QUEUED).update(
            status=self.Status.ABORTED, finished_at=timezone.now(), abort_requested=True
        )
        self.refresh_from_db()
        return stopped == 0

    def abort_is_requested(self) -> bool:
        return Job.objects.filter(pk=self.pk, abort_requested=True).exists()

    def finish(self, status: str, error_message: str = "") -> bool:
        """in progress -> a final status, once. False if someone else already finished it."""
        now = timezone.now()
        done = Job.objects.filter(pk=self.pk, status=self.Status.IN_PROGRESS).update(
            status=status, finished_at=now, heartbeat_at=now, error_message=error_message[:2000]
        )
        self.refresh_from_db()
        return done == 1

    def add_counters(self, **deltas: int) -> None:
        """Atomically add to counters (records, added, changed, deleted, size_bytes, api_calls)."""
        changes = {name: F(name) + value for name, value in deltas.items() if value}
        if changes:
            now = timezone.now()
            Job.objects.filter(pk=self.pk).update(heartbeat_at=now, **changes)
            self.heartbeat_at = now  # a heartbeat too: heartbeat() need not write it again


if TYPE_CHECKING:
    _UnitBase = models.Model  # the mixin only serves models: it uses pk, objects, refresh_from_db
else:
    _UnitBase = object


class WorkUnitTransitions(_UnitBase):
    """Single-row transitions shared by a job's units of work (JobObject, JobObjectChunk):
    each is a conditional update, so of several workers exactly one wins."""

    # What the concrete models (JobObject, JobObjectChunk) provide.
    Status: ClassVar[type["JobObject.Status"]]
    objects: ClassVar[models.Manager[Any]]
    status: str
    started_at: datetime | None
    cursor: dict[str, Any]

    def claim(self) -> bool:
        """queued -> in progress for one worker. A re-delivered task finds it in progress
        and does nothing; the reaper puts a dead worker's unit back to queued first."""
        now = timezone.now()
        won = (
            type(self)
            .objects.filter(pk=self.pk, status=self.Status.QUEUED)
            .update(status=self.Status.IN_PROGRESS, started_at=self.started_at or now)
        )
        self.refresh_from_db()
        return won == 1

    def save_progress(self, *, cursor: dict | None = None, **deltas: int) -> None:
        changes: dict[str, Any] = {name: F(name) + value for name, value in deltas.items() if value}
        if cursor is not None:
            changes["cursor"] = cursor
            self.cursor = cursor
        if changes:
            type(self).objects.filter(pk=self.pk).update(**changes)

    def complete(self) -> bool:
        """in progress -> completed, once: True only for the caller that completed it."""
        done = (
            type(self)
            .objects.filter(pk=self.pk, status=self.Status.IN_PROGRESS)
            .update(status=self.Status.COMPLETED, finished_at=timezone.now())
        )
        self.status = self.Status.COMPLETED
        return done == 1

    def fail(self, message: str) -> bool:
        """in progress -> exception, once (a completed or reaped unit stays as it is)."""
        done = (
            type(self)
            .objects.filter(pk=self.pk, status=self.Status.IN_PROGRESS)
            .update(
                status=self.Status.EXCEPTION,
                finished_at=timezone.now(),
                error_message=message[:2000],
            )
        )
        self.status = self.Status.EXCEPTION
        return done == 1


class JobObject(WorkUnitTransitions, models.Model):
    """One Salesforce object (opaque name) processed by a job, with its own progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        IN_PROGRESS = "in_progress", "In Progress"
        EXCEPTION = "exception", "Exception"
        COMPLETED = "completed", "Completed"

    class Method(models.TextChoices):
        REST = "rest", "REST query"
        BULK = "bulk", "Bulk API 2.0"

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="job_objects")
    object_name = models.CharField(max_length=120)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    method = models.CharField(max_length=10, choices=Method.choices, blank=True)
    records = models.BigIntegerField(default=0)
    added = models.BigIntegerField(default=0)
    changed = models.BigIntegerField(default=0)
    deleted = models.BigIntegerField(default=0)
    size_bytes = models.BigIntegerField(default=0)
    api_calls = models.BigIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Where a resumed task picks up (e.g. the next Bulk API locator); owned by the operation.
    cursor = models.JSONField(default=dict, blank=True)
    error_message = models.TextField(blank=True)

    class Meta:
        ordering = ["object_name"]
        constraints = [
            models.UniqueConstraint(fields=["job", "object_name"], name="job_object_unique"),
        ]
        indexes = [models.Index(fields=["job", "status"], name="jobobject_job_status")]

    def __str__(self) -> str:
        return f"{self.object_name} ({self.get_status_display()})"

    @property
    def duration(self):
        if self.started_at is None:
            return None
        return (self.finished_at or timezone.now()) - self.started_at


class JobObjectChunk(WorkUnitTransitions, models.Model):
    """One Id range of a big object, run by any worker beside the object's other chunks.

    `id_from` <= Id < `id_to`; an empty bound is open, so the chunks of one object cover
    every Id exactly once. The chunk keeps its own resume point (`cursor`) and counters;
    the object's counters are the sum, and the object completes when all chunks have.
    """

    Status = JobObject.Status

    job_object = models.ForeignKey(JobObject, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    id_from = models.CharField(max_length=18, blank=True)
    id_to = models.CharField(max_length=18, blank=True)
    status = models.CharField(
        max_length=20, choices=JobObject.Status.choices, default=JobObject.Status.QUEUED
    )
    records = models.BigIntegerField(default=0)
    api_calls = models.BigIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cursor = models.JSONField(default=dict, blank=True)
    error_message = models.TextField(blank=True)

    class Meta:
        ordering = ["job_object", "index"]
        constraints = [
            models.UniqueConstraint(fields=["job_object", "index"], name="jobobjectchunk_unique"),
        ]
        indexes = [
            models.Index(fields=["job_object", "status"], name="jobobjectchunk_status"),
        ]

    def __str__(self) -> str:
        return f"{self.job_object.object_name} chunk {self.index} ({self.get_status_display()})"


class JobLog(models.Model):
    class Level(models.TextChoices):
        INFO = "info", "Info"
        WARNING = "warning", "Warning"
        ERROR = "error", "Error"

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="logs")
    job_object = models.ForeignKey(
        JobObject, on_delete=models.CASCADE, null=True, blank=True, related_name="logs"
    )
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.INFO)
    message = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["job", "id"], name="joblog_job_id")]

    def __str__(self) -> str:
        return f"[{self.level}] {self.message[:80]}"
