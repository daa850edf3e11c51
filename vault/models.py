"""The vault: a versioned, encrypted record store. It knows nothing of Salesforce:
object names and record ids are opaque strings.

- `Snapshot`: one per backup/archive job, numbered per org (`seq`); readers only ever
  see published snapshots. At most one snapshot per org is building at a time.
- `RecordVersion`: a validity interval [valid_from, valid_to) in snapshot numbers;
  `valid_to` NULL means "still current". "The org as of S" is one range query:
  valid_from <= S < coalesce(valid_to, infinity). A building snapshot B only adds rows
  with valid_from = B and sets valid_to = B on rows it replaces, so no published
  snapshot S < B sees a difference; discarding B deletes the first and reopens the
  second.
- Payloads (every field of a record, display fields included) live only inside
  encrypted `Segment` blobs in storage; the database holds ids, opaque object names,
  timestamps, an owner id, and a keyed hash (HMAC with the org's data key), never
  field values. List pages decrypt the segments of the rows they show
  (vault.selectors.version_payloads).
- `Blob`: a binary body stored once per org and keyed content hash.
- `ObjectWatermark`: an opaque per-object high-water mark (the caller decides what it
  means), advanced only when a snapshot publishes.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Snapshot(models.Model):
    class Status(models.TextChoices):
        BUILDING = "building", "Building"
        PUBLISHED = "published", "Published"
        DISCARDED = "discarded", "Discarded"
        # Published once, then dropped by the retention policy (vault.retention).
        EXPIRED = "expired", "Expired by retention"

    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="snapshots")
    seq = models.PositiveIntegerField()
    job = models.ForeignKey(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="snapshots"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BUILDING)
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["org", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["org", "seq"], name="snapshot_seq_unique_per_org"),
            models.UniqueConstraint(
                fields=["org"],
                condition=Q(status="building"),
                name="snapshot_one_building_per_org",
            ),
        ]

    def __str__(self) -> str:
        return f"Snapshot {self.seq} ({self.status})"


class Segment(models.Model):
    """An encrypted, compressed file holding many records of one object."""

    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+")
    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="segments")
    object_name = models.CharField(max_length=120)
    storage_key = models.CharField(max_length=400, unique=True)
    byte_size = models.BigIntegerField()
    record_count = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.storage_key


class RecordVersion(models.Model):
    class State(models.TextChoices):
        PRESENT = "present", "Present"
        SOFT_DELETED = "soft_deleted", "In the Recycle Bin"
        HARD_DELETED = "hard_deleted", "Hard deleted"
        ARCHIVED = "archived", "Archived"

    class Change(models.TextChoices):
        ADDED = "added", "Added"
        CHANGED = "changed", "Changed"
        DELETED = "deleted", "Deleted"

    # No index of its own on org or job: the composite indexes below start with each, and
    # every index is one more B-tree written per version (a full backup writes millions).
    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+", db_index=False)
    object_name = models.CharField(max_length=120)
    record_id = models.CharField(max_length=18)
    valid_from = models.PositiveIntegerField()
    valid_to = models.PositiveIntegerField(null=True, blank=True)
    content_hash = models.BinaryField(max_length=32)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PRESENT)
    # Display helpers that are not record content: an owner Id and a timestamp.
    # The record's name and every other field stay inside the encrypted segment.
    owner_id = models.CharField(max_length=18, blank=True)
    last_modified = models.DateTimeField(null=True, blank=True)
    segment = models.ForeignKey(
        Segment, on_delete=models.CASCADE, null=True, blank=True, related_name="versions"
    )
    segment_index = models.PositiveIntegerField(default=0)
    size_bytes = models.PositiveIntegerField(default=0)
    job = models.ForeignKey(
        "jobs.Job",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    change = models.CharField(max_length=10, choices=Change.choices)

    class Meta:
        constraints = [
            # The heart of "no duplicates": one current version per record.
            models.UniqueConstraint(
                fields=["org", "object_name", "record_id"],
                condition=Q(valid_to__isnull=True),
                name="recordversion_one_current",
            ),
        ]
        indexes = [
            models.Index(
                fields=["org", "object_name", "record_id", "valid_from"],
                name="recordversion_history",
            ),
            models.Index(fields=["org", "object_name", "valid_from"], name="recordversion_as_of"),
            models.Index(fields=["job", "object_name", "change"], name="recordversion_job"),
        ]

    def __str__(self) -> str:
        return f"{self.object_name} {self.record_id} [{self.valid_from}, {self.valid_to})"


class Blob(models.Model):
    """A binary body (file, attachment) stored once per org and content hash."""

    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+")
    content_hash = models.BinaryField(max_length=32)
    storage_key = models.CharField(max_length=400, unique=True)
    size_bytes = models.BigIntegerField()
    stored_bytes = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "content_hash"], name="blob_unique_per_org"),
        ]

    def __str__(self) -> str:
        return self.storage_key


class ObjectWatermark(models.Model):
    """`scope` separates independent series of backups of the same object ("" for the
    composite backups, e.g. "template:7:3" for a template's), so one series' mark never
    hides records from another."""

    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=64, blank=True, default="")
    object_name = models.CharField(max_length=120)
    value = models.CharField(max_length=64, blank=True)
    snapshot_seq = models.PositiveIntegerField(default=0)
    last_full_sync_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org", "scope", "object_name"], name="watermark_unique_per_scope"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.object_name}: {self.value}"


class MetadataComponentVersion(models.Model):
    """One version of one metadata component (type and name are opaque strings), valid
    for snapshots [valid_from, valid_to) like RecordVersion.

    Its properties (ids, dates, user names, ...) and the list of its files are sealed
    (compressed, AES-256-GCM with the org's data key) in `sealed`; each file's content is
    a `Blob`, stored once per keyed content hash. `content_hash` is the keyed hash of all
    its files, so an unchanged component keeps its version. A deleted version keeps the
    sealed properties of the version it closed.
    """

    class Change(models.TextChoices):
        ADDED = "added", "Added"
        CHANGED = "changed", "Changed"
        DELETED = "deleted", "Deleted"

    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+")
    metadata_type = models.CharField(max_length=120)
    full_name = models.CharField(max_length=400)
    file_name = models.CharField(max_length=400, blank=True)
    valid_from = models.PositiveIntegerField()
    valid_to = models.PositiveIntegerField(null=True, blank=True)
    content_hash = models.BinaryField(max_length=32)
    is_deleted = models.BooleanField(default=False)
    change = models.CharField(max_length=10, choices=Change.choices)
    # Display helpers that are not content: when it changed and the changing user's Id.
    last_modified = models.DateTimeField(null=True, blank=True)
    last_modified_by_id = models.CharField(max_length=18, blank=True)
    file_count = models.PositiveIntegerField(default=0)
    size_bytes = models.BigIntegerField(default=0)
    sealed = models.BinaryField()
    job = models.ForeignKey(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org", "metadata_type", "full_name"],
                condition=Q(valid_to__isnull=True),
                name="metadataversion_one_current",
            ),
        ]
        indexes = [
            models.Index(
                fields=["org", "metadata_type", "full_name", "valid_from"],
                name="metadataversion_history",
            ),
            models.Index(fields=["org", "valid_from"], name="metadataversion_from"),
            models.Index(fields=["org", "valid_to"], name="metadataversion_to"),
            models.Index(fields=["job", "metadata_type", "change"], name="metadataversion_job"),
        ]

    def __str__(self) -> str:
        return f"{self.metadata_type} {self.full_name} [{self.valid_from}, {self.valid_to})"


class IntegrityCheck(models.Model):
    """One `vault_verify` run over an org: counts and the problems found (storage keys,
    object names, job ids; never record content)."""

    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    sample = models.PositiveIntegerField(null=True, blank=True)
    ok = models.BooleanField(default=False)
    problem_count = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Integrity check of org {self.org_id} at {self.started_at:%Y-%m-%d %H:%M}"


class LegalHold(models.Model):
    """A legal hold over a whole org (object_name ""), one object (record_id ""), or one
    record. While `lifted_at` is empty nothing under it is deleted (retention, purge,
    org deletion). The row is its own audit: who placed it and why, who lifted it,
    when and why."""

    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+")
    object_name = models.CharField(max_length=120, blank=True)
    record_id = models.CharField(max_length=18, blank=True)
    reason = models.CharField(max_length=500)
    placed_at = models.DateTimeField(default=timezone.now)
    placed_by = models.ForeignKey(
        "tenants.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        "tenants.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    lift_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-placed_at"]
        # A hold's row is never deleted while the org exists: on_delete of the org is the
        # only way out, and org deletion refuses while one is active.

    def __str__(self) -> str:
        return f"Legal hold on {self.scope_label}"

    @property
    def active(self) -> bool:
        return self.lifted_at is None

    @property
    def scope_label(self) -> str:
        if not self.object_name:
            return "The whole org"
        if not self.record_id:
            return f"Object {self.object_name}"
        return f"Record {self.record_id} of {self.object_name}"

    @property
    def scope_phrase(self) -> str:
        """The scope inside a sentence: "the whole org", "object Contact", ..."""
        return self.scope_label[0].lower() + self.scope_label[1:]


class RetentionPolicy(models.Model):
    """How long an org's versions are kept. `KEEP_ALL` keeps everything (the default).
    `DAYS`: every version seen in the last `keep_days` days. `GFS`: the last snapshot of
    each day for `daily_days` days, of each week for `weekly_weeks` weeks, of each month
    for `monthly_months` months. `keep_latest` keeps the current version of every record
    whatever its age. The newest published snapshot is always kept."""

    class Mode(models.TextChoices):
        KEEP_ALL = "keep_all", "Keep every version forever"
        DAYS = "days", "Keep every version for a number of days"
        GFS = "gfs", "Keep daily, weekly and monthly snapshots"

    org = models.OneToOneField("orgs.Org", on_delete=models.CASCADE, related_name="+")
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.KEEP_ALL)
    keep_days = models.PositiveIntegerField(default=365)
    daily_days = models.PositiveIntegerField(default=30)
    weekly_weeks = models.PositiveIntegerField(default=12)
    monthly_months = models.PositiveIntegerField(default=24)
    keep_latest = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        "tenants.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_swept_at = models.DateTimeField(null=True, blank=True)
    # Immutable storage (vault/immutability.py): on an S3 bucket with Object Lock, every
    # segment and blob is written locked for `lock_days` days in this mode.
    lock_mode = models.CharField(
        max_length=12,
        blank=True,
        default="",
        choices=[
            ("", "Off"),
            ("GOVERNANCE", "Governance mode"),
            ("COMPLIANCE", "Compliance mode"),
        ],
    )
    lock_days = models.PositiveIntegerField(default=30)
    # What the last sweep could not delete yet: {"locked": n, "locked_until": "Y-m-d H:M"}.
    last_sweep_report = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"Retention of org {self.org_id}: {self.get_mode_display()}"


# The suppression list (vault/suppression.py) and a key rotation's progress
# (vault/rotation_models.py) live in their own modules.
from vault.rotation_models import KeyRotation  # noqa: E402, F401
from vault.suppression import SuppressedRecord  # noqa: E402, F401
