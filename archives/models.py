"""Per-record results of an archive job (the records themselves are in the vault).

`ArchiveRecord`: one record an archive job read: its object and Id (schema, not data),
the record it hangs off in the template (`parent_id`, for cascade accounting), the plan
for it ("delete", "cascade", "keep"), the keyed hash of what Salesforce returned (and of
its file body), and the outcome. Salesforce's refusal message may name the record, so it
is kept sealed with the org's data key (`message_sealed`); only its error code is clear.
"""

from django.db import models


class ArchiveRecord(models.Model):
    class Plan(models.TextChoices):
        DELETE = "delete", "Delete"
        CASCADE = "cascade", "Deleted in cascade"
        KEEP = "keep", "Keep (retained)"

    class Outcome(models.TextChoices):
        READ = "read", "Archived, not verified yet"
        VERIFIED = "verified", "Archived and verified"
        VERIFY_FAILED = "verify_failed", "Verification failed: not deleted"
        DELETED = "deleted", "Deleted"
        CASCADE_DELETED = "cascade_deleted", "Deleted in cascade"
        REFUSED = "refused", "Delete refused"
        KEPT = "kept", "Kept (retained)"

    job = models.ForeignKey("jobs.Job", on_delete=models.CASCADE, related_name="+")
    object_name = models.CharField(max_length=120)
    record_id = models.CharField(max_length=18)
    parent_id = models.CharField(max_length=18, blank=True)
    plan = models.CharField(max_length=10, choices=Plan.choices)
    content_hash = models.CharField(max_length=64)
    body_hash = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.READ)
    error_code = models.CharField(max_length=80, blank=True)
    message_sealed = models.BinaryField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["job", "object_name", "record_id"], name="archive_record_once"
            ),
        ]
        indexes = [
            models.Index(fields=["job", "outcome", "object_name"], name="archive_record_outcome"),
            models.Index(fields=["job", "parent_id"], name="archive_record_parent"),
        ]

    def __str__(self) -> str:
        return f"{self.object_name} {self.record_id}: {self.outcome}"
