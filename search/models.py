"""Search and purge of personal data across every version in the vault.

- `BlindIndexEntry`: a keyed HMAC (search.blind_index) of one normalised value of an
  indexed field (Email, Name, Phone, ... and admin-marked fields) of one record version,
  for equality ("eq") and short-prefix ("p") lookups; no field value is stored in clear.
  `IndexedSegment` marks the segments whose versions are indexed (the search indexes
  the others first, and `search_index_build` does it for a whole org).
- `Search`: one "search_request" job's request and its results: the ids of the matched
  versions per object (never field values: pages decrypt them on display). Kept for
  `RETENTION`.
- `Purge`: a request to purge chosen records of a search, who requested and approved
  it, and its certificate (counts per object and keyed hashes of the Ids).
- `PurgeSettings`: the org's two-person rule (on by default for production orgs).
"""

from datetime import timedelta

from django.db import models
from django.utils import timezone

RETENTION = timedelta(days=7)


class BlindIndexEntry(models.Model):
    class Kind(models.TextChoices):
        EQUAL = "eq", "Equality"
        PREFIX = "p", "Prefix"

    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+")
    object_name = models.CharField(max_length=120)
    field_name = models.CharField(max_length=120)
    kind = models.CharField(max_length=2, choices=Kind.choices)
    token = models.BinaryField(max_length=32)
    version = models.ForeignKey("vault.RecordVersion", on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [
            models.Index(
                fields=["org", "object_name", "field_name", "kind", "token"],
                name="blindindex_lookup",
            )
        ]

    def __str__(self) -> str:
        return f"{self.object_name}.{self.field_name} {self.kind} (version {self.version_id})"


class IndexedSegment(models.Model):
    segment = models.OneToOneField("vault.Segment", on_delete=models.CASCADE, related_name="+")
    fields = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"Segment {self.segment_id} indexed"


class IndexedField(models.Model):
    """A field an admin marked for the blind index (beyond Email, Name, Phone)."""

    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+")
    object_name = models.CharField(max_length=120)
    field_name = models.CharField(max_length=120)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org", "object_name", "field_name"], name="indexedfield_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.object_name}.{self.field_name}"


class Search(models.Model):
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="searches")
    job = models.OneToOneField("jobs.Job", on_delete=models.CASCADE, related_name="search")
    object_name = models.CharField(max_length=120)
    filter_text = models.TextField()
    children = models.JSONField(default=list, blank=True)
    # {object name: {record id: [version id, ...]}}
    results = models.JSONField(default=dict, blank=True)
    # {object name: records matched}
    counts = models.JSONField(default=dict, blank=True)
    used_index = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "searches"

    def __str__(self) -> str:
        return f"Search {self.pk} of {self.object_name}"

    @property
    def is_ready(self) -> bool:
        return self.ready_at is not None and not self.is_expired()

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())


class Purge(models.Model):
    class Status(models.TextChoices):
        AWAITING_APPROVAL = "awaiting", "Awaiting approval"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"
        DONE = "done", "Purged"
        FAILED = "failed", "Failed"
        # A version to rewrite is under S3 Object Lock retention: retried after `retry_at`.
        WAITING = "waiting", "Waiting for a retention lock"

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="purges")
    search = models.ForeignKey(Search, on_delete=models.SET_NULL, null=True, related_name="+")
    job = models.OneToOneField(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="purge"
    )
    # {object name: [record id, ...]}: emptied once the purge is done (the ids are personal
    # data of a kind); the certificate keeps keyed hashes only.
    selection = models.JSONField(default=dict, blank=True)
    include_children = models.BooleanField(default=True)
    # Also delete the records in Salesforce (sObject Collections); either option adds
    # them to the org's suppression list (vault.suppression) so later backups skip them.
    delete_in_salesforce = models.BooleanField(default=False)
    suppress = models.BooleanField(default=False)
    # WAITING: when the lock expires and the hourly sweep runs the purge again.
    retry_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.AWAITING_APPROVAL
    )
    requested_by = models.ForeignKey(
        "tenants.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        "tenants.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # {"objects": {name: {"records": n, "versions": n}}, "record_hashes": {name: [hex]},
    #  "segments_rewritten": n, "blobs_deleted": n, "index_rows_deleted": n,
    #  "exports_deleted": n, "suppressed": n, "salesforce": {"deleted": n, "failed": n}}
    certificate = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"Purge {self.pk}"


class PurgeSettings(models.Model):
    org = models.OneToOneField("orgs.Org", on_delete=models.CASCADE, related_name="+")
    require_approval = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"Purge settings of org {self.org_id}"
