"""A restore request (what to put back, from which backup) and its per-record results.

A request names the **correct** backup (the last good state) and the **compromised**
side: a later backup, or the org as it is now (read live when the restore runs). It is
valid for `VALIDITY`; each run (a "restore" job, dry or real) stores one `RestoreRecord`
per record it planned or wrote.
"""

from datetime import timedelta

from django.db import models
from django.utils import timezone

from common.crypto import decrypt, encrypt
from orgs.keys import org_data_key

VALIDITY = timedelta(days=7)
WIZARD_STEPS = ("type", "backups", "objects", "settings", "finish")


class RestoreRequest(models.Model):
    class Type(models.TextChoices):
        RECORDS = "records", "Backup (records)"
        ARCHIVE = "archive", "Archive (records from an archive job)"
        METADATA = "metadata", "Backup Metadata (components)"

    class Status(models.TextChoices):
        # A request being written in the wizard (each step saved); READY once finished.
        DRAFT = "draft", "Draft"
        READY = "ready", "Ready"

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="restore_requests")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    type = models.CharField(max_length=20, choices=Type.choices, default=Type.RECORDS)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.READY)
    # The last wizard step saved (1 Type .. 5 Finish).
    step = models.PositiveSmallIntegerField(default=5)
    correct_job = models.ForeignKey(
        "jobs.Job", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Null only on a draft whose Backups step is not saved yet.
    correct_seq = models.PositiveIntegerField(null=True, blank=True)
    # Null: the compromised side is the org as it is when the restore runs.
    compromised_job = models.ForeignKey(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    compromised_seq = models.PositiveIntegerField(null=True, blank=True)
    # [object name, ...]; {object: SOQL condition}; {object: [field, ...]} (empty: all)
    object_names = models.JSONField(default=list)
    filters = models.JSONField(default=dict, blank=True)
    fields = models.JSONField(default=dict, blank=True)
    # {parent object: [child relationship names]} restored with it (the wizard's step 3).
    children = models.JSONField(default=dict, blank=True)
    # {object: [automation full names]} switched off during the run (step 4).
    automations = models.JSONField(default=dict, blank=True)
    # A User Id put in lookups to users no longer active in the org (owners, creators).
    fallback_owner_id = models.CharField(max_length=18, blank=True)
    created_by = models.ForeignKey(
        "tenants.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def is_expired(self, now=None) -> bool:
        return self.expires_at <= (now or timezone.now())

    @property
    def next_step(self) -> str:
        """The wizard step a draft continues with."""
        return WIZARD_STEPS[min(self.step, len(WIZARD_STEPS) - 1)]

    @property
    def compromised_label(self) -> str:
        return f"Job {self.compromised_job_id}" if self.compromised_seq else "the org now"


class RestoreRecord(models.Model):
    class Action(models.TextChoices):
        UPDATE = "update", "Update"
        UNDELETE = "undelete", "Undelete"
        INSERT = "insert", "Insert anew"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned (dry run)"
        SUCCESS = "success", "Success"
        FAILED = "failed", "Failed"
        # Not sent: the org's schema now refuses it (the error Salesforce answers for it).
        SKIPPED = "skipped", "Skipped (schema drift)"

    job = models.ForeignKey("jobs.Job", on_delete=models.CASCADE, related_name="restore_records")
    request = models.ForeignKey(RestoreRequest, on_delete=models.CASCADE, related_name="records")
    object_name = models.CharField(max_length=100)
    original_id = models.CharField(max_length=18)
    new_id = models.CharField(max_length=18, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    error_code = models.CharField(max_length=100, blank=True)
    # Salesforce's message can quote the record's values ("bad value for restricted
    # picklist field: Gold"): kept sealed with the org's data key, like record data.
    message_sealed = models.BinaryField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["job", "object_name"], name="restore_record_job_obj")]

    def __str__(self) -> str:
        return f"{self.action} {self.object_name} {self.original_id}"

    def save(self, *args, **kwargs):
        if self._message and not self.message_sealed:
            key = self.data_key if self.data_key is not None else _org_key(self.job.org)
            self.message_sealed = _seal(key, self.job.org_id, self._message)
        return super().save(*args, **kwargs)

    # `error_message` reads and writes the plaintext; it is sealed when the row is saved
    # (`save`, or `seal_messages` before a bulk_create) and opened with the org's key
    # (`with_messages` opens the key once for a page or a whole run).
    _message: str | None = None
    data_key: bytes | None = None  # set by with_messages (with the org's id)
    org_id: int | None = None

    @property
    def error_message(self) -> str:
        if self._message is None:
            if not self.message_sealed:
                return ""
            if self.data_key is None:
                self.data_key, self.org_id = _org_key(self.job.org), self.job.org_id
            self._message = _open(self.data_key, self.org_id or 0, bytes(self.message_sealed))
        return self._message

    @error_message.setter
    def error_message(self, text: str) -> None:
        self._message = text or ""
        self.message_sealed = None


class RestoreRun(models.Model):
    """One run of a request (a "restore" job): dry or real, and what it counted.

    `counts` is {object: {action: records}}; a dry run's `api_calls_for_run` is the exact
    number of API calls the real run will make (reads + writes, batches of 200)."""

    job = models.OneToOneField("jobs.Job", on_delete=models.CASCADE, related_name="restore_run")
    request = models.ForeignKey(RestoreRequest, on_delete=models.CASCADE, related_name="runs")
    dry_run = models.BooleanField(default=False)
    counts = models.JSONField(default=dict, blank=True)
    read_calls = models.PositiveIntegerField(default=0)
    write_calls = models.PositiveIntegerField(default=0)
    api_calls_for_run = models.PositiveIntegerField(default=0)
    bulk_jobs_for_run = models.PositiveIntegerField(default=0)
    # The org's daily API requests left when the run read its limits, and how many of
    # them the API quota setting lets the run use (null: not read).
    api_remaining = models.PositiveIntegerField(null=True, blank=True)
    api_allowed = models.PositiveIntegerField(null=True, blank=True)
    # Schema drift found against the org now: ["Account.Foo__c: no longer in the org", ...]
    drift = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{'Dry run' if self.dry_run else 'Run'} of {self.request}"


class SuspendedAutomation(models.Model):
    """An automation a restore job switches off, written **before** it is switched off, so
    whoever ends the job (its own worker, the reaper, an abort) switches it back on.

    `original` is the automation's own switch as it was (an ApexTrigger's status
    "Active", a FlowDefinition's active version number, "true" for a rule): schema, not
    record data."""

    class State(models.TextChoices):
        RECORDED = "recorded", "Recorded, being switched off"
        OFF = "off", "Switched off"
        BACK_ON = "back_on", "Switched back on"
        FAILED = "failed", "Could not be switched back on"

    job = models.ForeignKey(
        "jobs.Job", on_delete=models.CASCADE, related_name="suspended_automations"
    )
    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+")
    object_name = models.CharField(max_length=100)
    kind = models.CharField(max_length=40)
    full_name = models.CharField(max_length=255)
    original = models.CharField(max_length=40)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RECORDED)
    error_message = models.TextField(blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    back_on_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "kind", "full_name"], name="suspended_automation_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.full_name} ({self.state})"


def _message_aad(org_id: int) -> bytes:
    return f"restore-message:{org_id}".encode()


def _seal(data_key: bytes, org_id: int, text: str) -> bytes:
    return encrypt(data_key, text.encode("utf-8"), _message_aad(org_id))


def _open(data_key: bytes, org_id: int, sealed: bytes) -> str:
    return decrypt(data_key, sealed, _message_aad(org_id)).decode("utf-8")


def _org_key(org) -> bytes:
    return org_data_key(org)


def seal_messages(rows, *, data_key: bytes, org_id: int) -> None:
    """Seal the messages of rows about to be bulk-created (bulk_create skips `save`)."""
    for row in rows:
        if row._message and not row.message_sealed:
            row.message_sealed = _seal(data_key, org_id, row._message)


def sealed_message(*, data_key: bytes, org_id: int, text: str) -> bytes:
    return _seal(data_key, org_id, text)


def with_messages(rows, *, org):
    """The rows, each able to show its message: the org's key is opened once, at the
    first row that has a message (a page, a CSV of a whole run)."""
    key = None
    for row in rows:
        if row.message_sealed:
            if key is None:
                key = _org_key(org)
            row.data_key, row.org_id = key, org.pk
        yield row
