"""Django admin for support staff: object templates, read-only, with their objects, child
objects and the canonical SOQL each filter compiles to (the template pages check and
save filters against the org's describe; nothing is edited here)."""

from typing import TYPE_CHECKING, TypedDict

from django.contrib import admin
from django.db.models import Count

from object_templates.models import ObjectTemplate, TemplateObject

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _TemplateTotals(TypedDict):  # what ObjectTemplateAdmin.get_queryset annotates
    object_total: int


class TemplateObjectInline(admin.TabularInline):
    model = TemplateObject
    fk_name = "template"
    fields = ("object_name", "parent", "relationship_field", "relationship_name", "condition")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent", "filter")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Filter")
    def condition(self, template_object: TemplateObject) -> str:
        template_filter = getattr(template_object, "filter", None)
        return template_filter.condition if template_filter is not None else "-"


@admin.register(ObjectTemplate)
class ObjectTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "org", "tenant", "kind", "object_count", "revision", "updated_at")
    list_filter = ("kind", "tenant")
    list_select_related = ("org", "tenant")
    search_fields = ("name", "org__name", "tenant__name", "template_objects__object_name")
    fields = (
        ("name", "kind", "revision"),
        "description",
        ("tenant", "org", "created_by"),
        ("created_at", "updated_at"),
    )
    readonly_fields = (
        "name",
        "kind",
        "revision",
        "description",
        "tenant",
        "org",
        "created_by",
        "created_at",
        "updated_at",
    )
    inlines = (TemplateObjectInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(object_total=Count("template_objects"))

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Objects", ordering="object_total")
    def object_count(self, template: "WithAnnotations[ObjectTemplate, _TemplateTotals]") -> int:
        return template.object_total
