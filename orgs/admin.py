"""Django admin for support staff. Secrets are never shown: every *_wrapped field is
left out, and the key is identified only by its fingerprint."""

from django.contrib import admin

from orgs.models import ObjectCatalogEntry, Org

SECRET_FIELDS = (
    "tenant_key_wrapped",
    "data_key_wrapped",
    "client_secret_wrapped",
    "refresh_token_wrapped",
    "s3_secret_wrapped",
)


@admin.register(Org)
class OrgAdmin(admin.ModelAdmin):
    list_display = ("name", "tenant", "status", "org_type", "sf_org_id", "storage", "connected_at")
    list_filter = ("status", "org_type", "storage", "is_sandbox")
    search_fields = ("name", "tenant__name", "sf_org_id", "sf_username", "login_url")
    list_select_related = ("tenant",)
    exclude = SECRET_FIELDS
    readonly_fields = (
        "tenant",
        "login_url",
        "key_fingerprint",
        "client_id",
        "instance_url",
        "sf_org_id",
        "sf_user_id",
        "sf_username",
        "edition",
        "is_sandbox",
        "connected_at",
        "checked_at",
        "check_message",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request) -> bool:
        return False  # orgs are connected through OAuth (the Add Salesforce Org page)


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
