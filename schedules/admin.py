"""Django admin for support staff: schedules, read-only. They are created and changed on
the org's Schedule pages (and system ones when an org connects), which recompute the
next run in the tenant's time zone; here staff see what will run and when."""

from django.contrib import admin

from jobs import registry
from schedules.models import Schedule


class ScheduledOperationFilter(admin.SimpleListFilter):
    title = "operation"
    parameter_name = "operation"

    def lookups(self, request, model_admin):
        return sorted(registry.choices(schedulable=True), key=lambda choice: choice[1])

    def queryset(self, request, queryset):
        return queryset.filter(operation=self.value()) if self.value() else queryset


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "org",
        "tenant",
        "operation_label",
        "kind",
        "frequency",
        "enabled",
        "next_run_at",
        "last_run_at",
        "last_job",
    )
    list_filter = ("kind", "enabled", "frequency", ScheduledOperationFilter, "org__tenant")
    list_select_related = ("org__tenant", "last_job")
    search_fields = ("name", "org__name", "org__tenant__name")
    fields = (
        ("name", "kind", "enabled"),
        "description",
        ("org", "tenant", "operation_label", "template"),
        ("frequency", "interval", "run_at", "start_date"),
        ("weekdays", "monthly_mode", "month_day", "month_week", "month_weekday"),
        ("next_run_at", "last_run_at", "last_job"),
        ("created_by", "created_at", "updated_at"),
    )
    readonly_fields = (
        "name",
        "kind",
        "enabled",
        "description",
        "org",
        "tenant",
        "operation_label",
        "template",
        "frequency",
        "interval",
        "run_at",
        "start_date",
        "weekdays",
        "monthly_mode",
        "month_day",
        "month_week",
        "month_weekday",
        "next_run_at",
        "last_run_at",
        "last_job",
        "created_by",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Tenant", ordering="org__tenant__name")
    def tenant(self, schedule: Schedule):
        return schedule.org.tenant

    @admin.display(description="Operation", ordering="operation")
    def operation_label(self, schedule: Schedule) -> str:
        return schedule.get_operation_display()
