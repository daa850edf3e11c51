from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from tenants.models import Tenant


class Org(models.Model):
    """A Salesforce org connected to a tenant, with its key envelope and storage choice."""

    class OrgType(models.TextChoices):
        PRODUCTION = "production", "Production"
        SANDBOX = "sandbox", "Sandbox"
        CUSTOM = "custom", "Custom login URL"

    class Storage(models.TextChoices):
        MANAGED = "managed", "OrgVault-managed"
        S3 = "s3", "Your own S3 bucket"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for Salesforce login"
        CHECK_FAILED = "check_failed", "Connection check failed"
        CONNECTED = "connected", "Connected"
        # Salesforce refused the saved login (a revoked refresh token): Reconnect.
        NEEDS_RECONNECT = "needs_reconnect", "Needs reconnecting"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="orgs")
    name = models.CharField(max_length=120)
    org_type = models.CharField(max_length=20, choices=OrgType.choices)
    login_url = models.URLField(max_length=300)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)

    # Where blobs go; the S3 secret is wrapped with the master key.
    storage = models.CharField(max_length=10, choices=Storage.choices, default=Storage.MANAGED)
    s3_bucket = models.CharField(max_length=255, blank=True)
    s3_endpoint_url = models.CharField(max_length=300, blank=True)
    s3_region = models.CharField(max_length=64, blank=True)
    s3_access_key_id = models.CharField(max_length=255, blank=True)
    s3_secret_wrapped = models.BinaryField(blank=True, default=b"")

    # Key envelope (common/crypto.py): the tenant's AES-256 key wraps a per-org data
    # key; workers need the tenant key to run scheduled jobs, so it is kept wrapped
    # with the master key, never readable. The fingerprint lets us tell a wrong key.
    key_fingerprint = models.CharField(max_length=64)
    tenant_key_wrapped = models.BinaryField()
    data_key_wrapped = models.BinaryField()

    # OAuth connection; the refresh token is wrapped with the master key.
    client_id = models.CharField(max_length=255, blank=True)
    client_secret_wrapped = models.BinaryField(blank=True, default=b"")
    refresh_token_wrapped = models.BinaryField(blank=True, default=b"")
    instance_url = models.URLField(max_length=300, blank=True)
    # CA certificates to trust for the login URL, as PEM text (orgs/ca_bundles.py); rows
    # made before hold a path on the server, used as it is.
    ca_bundle = models.TextField(blank=True)

    # Read from Salesforce by the connection check.
    sf_org_id = models.CharField(max_length=18, blank=True)
    sf_user_id = models.CharField(max_length=18, blank=True)
    sf_username = models.CharField(max_length=255, blank=True)
    edition = models.CharField(max_length=80, blank=True)
    is_sandbox = models.BooleanField(default=False)
    connected_at = models.DateTimeField(null=True, blank=True)
    # The last connection check: when, and what it found wrong ("" when all was well).
    checked_at = models.DateTimeField(null=True, blank=True)
    check_message = models.TextField(blank=True)

    # Settings -> General -> Manage Operations: off stops every scheduled job of the org.
    scheduled_backups_enabled = models.BooleanField(default=True)
    scheduled_archives_enabled = models.BooleanField(default=True)
    # Settings -> General -> API Quota: the share (percent) of the org's daily REST
    # requests and Bulk API query jobs that OrgVault's jobs may use (salesforce/quota.py).
    api_quota_rest_percent = models.PositiveSmallIntegerField(
        default=80, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    api_quota_bulk_percent = models.PositiveSmallIntegerField(
        default=80, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="org_name_unique_per_tenant"),
        ]

    def __str__(self) -> str:
        return self.name


class ObjectCatalogEntry(models.Model):
    """One Salesforce object of an org, from describeGlobal (salesforce/catalog.py).

    Replaced as a whole by each connection check. `category` is one of the job-settings
    categories (salesforce.catalog: big_object, binary, tag, history, feed, share,
    custom_metadata) or "" for ordinary data objects.
    """

    class Category(models.TextChoices):
        NONE = "", "Data objects"
        BIG_OBJECT = "big_object", "Big Objects"
        BINARY = "binary", "Binary Objects"
        TAG = "tag", "Tag"
        HISTORY = "history", "History"
        FEED = "feed", "Feed"
        SHARE = "share", "Share"
        CUSTOM_METADATA = "custom_metadata", "Custom Metadata Type"

    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="catalog_entries")
    name = models.CharField(max_length=120)
    label = models.CharField(max_length=255)
    key_prefix = models.CharField(max_length=3, blank=True)
    queryable = models.BooleanField(default=False)
    replicateable = models.BooleanField(default=False)
    retrievable = models.BooleanField(default=False)
    custom = models.BooleanField(default=False)
    category = models.CharField(max_length=20, choices=Category.choices, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "object catalog entries"
        constraints = [
            models.UniqueConstraint(fields=["org", "name"], name="catalog_object_unique_per_org"),
        ]

    def __str__(self) -> str:
        return self.name


class ObjectDescribe(models.Model):
    """The last describe Salesforce gave for one object of an org, with its Last-Modified
    header, so the next backup asks with If-Modified-Since and gets 304 instead of the whole
    describe again. Schema only (field names and types), never record data."""

    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="object_describes")
    object_name = models.CharField(max_length=120)
    describe = models.JSONField()
    last_modified = models.CharField(max_length=40, blank=True)
    fetched_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org", "object_name"], name="object_describe_unique_per_org"
            ),
        ]

    def __str__(self) -> str:
        return self.object_name


# The keys of a rotated org live in their own module (orgs/key_models.py).
from orgs.key_models import OrgKey  # noqa: E402, F401
