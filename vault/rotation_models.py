"""KeyRotation: one run of the re-encryption job (vault/rotation.py), its progress and
its resumable cursor."""

from django.db import models
from django.utils import timezone


class KeyRotation(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "Re-encrypting"
        WAITING = "waiting", "Waiting for a backup to finish"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        SUPERSEDED = "superseded", "Replaced by a newer rotation"

    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+")
    key_id = models.CharField(max_length=16)  # the data key id everything moves to
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RUNNING)
    phase = models.CharField(max_length=12, default="segments")
    cursor = models.BigIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    rewritten = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        "tenants.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        app_label = "vault"
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Key rotation of org {self.org_id} ({self.status})"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * self.done / self.total))
