from django.contrib import admin

from exports.models import Export


@admin.register(Export)
class ExportAdmin(admin.ModelAdmin):
    list_display = ("id", "org", "job", "file_name", "byte_size", "expires_at", "deleted_at")
    list_filter = ("format",)
    readonly_fields = ("counts", "storage_key")
