"""Django admin for support staff. People join through sign-up, invitations or the
tenant_register command, so the admin changes users and tenants but does not add them.
A tenant is not deleted here either: that would drop its orgs' vault rows but leave
their encrypted blobs in storage (an org is deleted from its Settings page)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count

from tenants.models import ApiToken, AuditEvent, PermissionGroup, Tenant, User


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone", "created_at", "user_count", "org_count"]
    search_fields = ["name"]
    # A new time zone moves the schedules' next runs: the Organization settings page does it.
    readonly_fields = ["time_zone", "created_at", "updated_at"]
    ordering = ["name"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                user_count=Count("users", distinct=True), org_count=Count("orgs", distinct=True)
            )
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Users", ordering="user_count")
    def user_count(self, tenant):
        return tenant.user_count

    @admin.display(description="Orgs", ordering="org_count")
    def org_count(self, tenant):
        return tenant.org_count


@admin.register(User)
class TenantUserAdmin(UserAdmin):
    list_display = ["email", "tenant", "role", "is_active", "last_login", "date_joined"]
    list_filter = ["role", "is_active", "is_staff"]
    list_select_related = ["tenant"]
    search_fields = ["email", "tenant__name", "first_name", "last_name"]
    ordering = ["tenant__name", "email"]
    # The email is the sign-in name within the tenant (unique there, and the internal
    # username "<tenant id>:<email>" is made from it): not changed from here.
    readonly_fields = ["tenant", "email", "username", "last_login", "date_joined", "updated_at"]
    fieldsets = [
        (None, {"fields": ["tenant", "email", "password", "username"]}),
        ("Personal info", {"fields": ["first_name", "last_name"]}),
        ("Access", {"fields": ["role", "is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined", "updated_at"]}),
    ]

    def has_add_permission(self, request):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The security audit log, read-only: events are only ever appended by the product."""

    list_display = ["created_at", "tenant", "action", "actor_email", "address", "target"]
    list_filter = ["action"]
    list_select_related = ["tenant"]
    search_fields = ["tenant__name", "actor_email", "action", "target"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PermissionGroup)
class PermissionGroupAdmin(admin.ModelAdmin):
    """Groups are managed by each tenant's Admins (Organization settings > Groups)."""

    list_display = ["name", "tenant", "permissions", "updated_at"]
    list_select_related = ["tenant"]
    search_fields = ["name", "tenant__name"]
    readonly_fields = ["tenant", "name", "permissions", "members", "created_at", "updated_at"]

    def has_add_permission(self, request):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Support staff see who holds tokens and may revoke one (set Revoked at); the
    secrets are not stored."""

    list_display = ["prefix", "name", "user", "tenant", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["user", "tenant"]
    search_fields = ["name", "prefix", "user__email", "tenant__name"]
    # Not the hash either: the admin shows nothing a token could be checked against.
    fields = ["user", "tenant", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "tenant", "name", "prefix", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False
