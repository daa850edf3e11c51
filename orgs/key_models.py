"""The keys an org's vault has been encrypted with (orgs/keys.py opens them).

An org that never rotated has no rows here: its one key envelope lives on the Org row.
The first rotation records that original key as a row, then the new one. Exactly one
row per org is `active` (new segments and blobs are written with its data key); rows
`retiring` still decrypt what the re-encryption job has not rewritten yet; a `retired`
row keeps only its fingerprint and dates (its wrapped keys are erased).
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class OrgKey(models.Model):
    class Source(models.TextChoices):
        ORIGINAL = "original", "Chosen when the org was connected"
        PASTED = "pasted", "Pasted"
        GENERATED = "generated", "Generated"
        KMS = "kms", "AWS KMS key"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active: new data is written with it"
        RETIRING = "retiring", "Being replaced: older data is re-encrypted"
        RETIRED = "retired", "Retired"

    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="keys")
    # The tenant key's fingerprint (common.crypto.key_fingerprint), or, for a KMS key,
    # a fingerprint of the KMS key's ARN.
    fingerprint = models.CharField(max_length=64)
    # common.crypto.data_key_id of the data key, hex: what ciphertexts and segments name.
    data_key_id = models.CharField(max_length=16)
    source = models.CharField(max_length=10, choices=Source.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # The tenant key wrapped with the master key (empty for KMS and once retired).
    tenant_key_wrapped = models.BinaryField(blank=True, default=b"")
    # The data key wrapped with the tenant key, or the KMS ciphertext of the data key.
    data_key_wrapped = models.BinaryField(blank=True, default=b"")
    # The hash root (common.crypto.Keyring) sealed with this key's data key.
    root_wrapped = models.BinaryField(blank=True, default=b"")
    kms_key_id = models.CharField(max_length=300, blank=True)
    kms_region = models.CharField(max_length=64, blank=True)
    kms_endpoint_url = models.CharField(max_length=300, blank=True)
    kms_access_key_id = models.CharField(max_length=255, blank=True)
    kms_secret_wrapped = models.BinaryField(blank=True, default=b"")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        "tenants.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    activated_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "orgs"
        ordering = ["org", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org"], condition=Q(status="active"), name="orgkey_one_active_per_org"
            ),
        ]

    def __str__(self) -> str:
        return f"Key {self.fingerprint[:12]} of org {self.org_id} ({self.status})"
