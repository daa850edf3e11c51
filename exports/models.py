"""An export: the zip file one export job wrote, where it is stored and until when.

The file is sealed (vault.codec, AES-256-GCM with the org's data key) in frames, so no
record data reaches storage in clear; downloads decrypt it as they stream. It is kept
for `RETENTION` after the job ends, then `exports.services.export_sweep_expired`
deletes it (`deleted_at` set, the row stays for the history).
"""

from datetime import timedelta

from django.db import models
from django.utils import timezone

RETENTION = timedelta(days=7)


class Export(models.Model):
    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        PARQUET = "parquet", "Parquet"

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="exports")
    job = models.OneToOneField("jobs.Job", on_delete=models.CASCADE, related_name="export")
    # The backup job whose published snapshot is the source, and that snapshot's number.
    source_job = models.ForeignKey(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    snapshot_seq = models.PositiveIntegerField()
    format = models.CharField(max_length=10, choices=Format.choices, default=Format.CSV)
    file_name = models.CharField(max_length=200, blank=True)
    storage_key = models.CharField(max_length=400, blank=True)
    byte_size = models.BigIntegerField(default=0)
    # {object name: records exported}
    counts = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    downloads = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["expires_at"], name="export_expires")]

    def __str__(self) -> str:
        return self.file_name or f"Export of job {self.job_id}"

    @property
    def is_ready(self) -> bool:
        return bool(self.storage_key) and self.deleted_at is None and self.ready_at is not None

    def is_expired(self, now=None) -> bool:
        now = now or timezone.now()
        return self.deleted_at is not None or (
            self.expires_at is not None and self.expires_at <= now
        )
