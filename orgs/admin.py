"""Django admin for support staff. Secrets are never shown: every *_wrapped field and the
S3 access key id are left out, and the key is identified only by its fingerprint.

The connection, key envelope and storage are set by the Add Org flow and the org's
settings pages (which move or check what they change), so they are read-only here, as
is the name the tenant gave it; staff may pause the org's scheduled operations and
change its API quota.
Orgs are not added or deleted here: deleting one goes through its Settings page, which
also deletes its stored blobs.
"""

from django.contrib import admin

from orgs.models import ObjectCatalogEntry, Org

SECRET_FIELDS = (
    "tenant_key_wrapped",
    "data_key_wrapped",
    "client_secret_wrapped",
    "refresh_token_wrapped",
    "s3_secret_wrapped",
    "s3_access_key_id",  # half of a credential: not a secret alone, but not support's
)


@admin.register(Org)
class OrgAdmin(admin.ModelAdmin):
    list_display = ("name", "tenant", "status", "org_type", "sf_org_id", "storage", "connected_at")
    list_filter = ("status", "org_type", "storage", "is_sandbox")
    search_fields = ("name", "tenant__name", "sf_org_id", "sf_username", "login_url")
    list_select_related = ("tenant",)
    exclude = SECRET_FIELDS
    fieldsets = (
        (None, {"fields": ("tenant", "name", "status", "check_message", "checked_at")}),
        (
            "Salesforce",
            {
                "fields": (
                    "org_type",
                    "login_url",
                    "instance_url",
                    "client_id",
                    "ca_bundle",
                    "sf_org_id",
                    "sf_user_id",
                    "sf_username",
                    "edition",
                    "is_sandbox",
                    "connected_at",
                )
            },
        ),
        ("Encryption", {"fields": ("key_fingerprint",)}),
        (
            "Storage",
            {"fields": ("storage", "s3_bucket", "s3_endpoint_url", "s3_region")},
        ),
        (
            "Operations",
            {
                "fields": (
                    "scheduled_backups_enabled",
                    "scheduled_archives_enabled",
                    "api_quota_rest_percent",
                    "api_quota_bulk_percent",
                )
            },
        ),
        ("Dates", {"fields": ("created_at", "updated_at")}),
    )
    readonly_fields = (
        "tenant",
        "name",
        "status",
        "check_message",
        "checked_at",
        "org_type",
        "login_url",
        "instance_url",
        "client_id",
        "ca_bundle",
        "sf_org_id",
        "sf_user_id",
        "sf_username",
        "edition",
        "is_sandbox",
        "connected_at",
        "key_fingerprint",
        "storage",
        "s3_bucket",
        "s3_endpoint_url",
        "s3_region",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request) -> bool:
        return False  # orgs are connected through OAuth (the Add Salesforce Org page)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ObjectCatalogEntry)
class ObjectCatalogEntryAdmin(admin.ModelAdmin):
    list_display = ("name", "org", "label", "key_prefix", "category", "custom", "queryable")
    list_filter = ("category", "custom", "queryable", "replicateable")
    search_fields = ("name", "label", "org__name", "key_prefix")
    list_select_related = ("org",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
