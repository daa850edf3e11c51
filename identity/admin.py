"""Staff see MFA devices and SSO providers, never their secrets: django-otp's own
admins (which show a TOTP key and its QR code, and recovery tokens) are replaced by
ones that list devices and let staff delete one (a reset), and providers are shown
without their client secret."""

from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity.models import OIDCProvider

for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


class DeviceAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed"]
    search_fields = ["user__email"]
    fields = readonly_fields = ("user", "name", "confirmed", "created_at", "last_used_at")

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # a device is set up by its user, with their app

    def has_change_permission(self, request, obj=None) -> bool:
        return False


admin.site.register(TOTPDevice, DeviceAdmin)
admin.site.register(StaticDevice, DeviceAdmin)


@admin.register(OIDCProvider)
class OIDCProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "tenant", "issuer", "default_role", "enabled"]
    list_filter = ["enabled"]
    search_fields = ["name", "issuer", "tenant__name"]
    fields = readonly_fields = (
        "tenant",
        "name",
        "issuer",
        "client_id",
        "allowed_domains",
        "default_role",
        "enabled",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # Admins add providers on their organization's Sign-in & security page

    def has_change_permission(self, request, obj=None) -> bool:
        return False
