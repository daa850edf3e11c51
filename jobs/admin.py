"""Django admin for support staff: jobs are read-only (workers own them); staff with the
"change job" permission may abort jobs or re-queue stuck ones through jobs/services.py.

A job's settings and its objects' resume cursors are not shown: what they hold belongs
to the operation (later, a search request's terms), so the admin keeps to status,
timestamps, counters, errors and the log.
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html

from jobs import registry, runner
from jobs.models import Job, JobLog, JobObject
from jobs.services import job_request_abort, job_requeue

LOG_LINES_SHOWN = 200


class OperationFilter(admin.SimpleListFilter):
    """The registered operations by label (the column holds their names)."""

    title = "operation"
    parameter_name = "operation"

    def lookups(self, request, model_admin):
        return sorted(registry.choices(), key=lambda choice: choice[1])

    def queryset(self, request, queryset):
        return queryset.filter(operation=self.value()) if self.value() else queryset


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class JobObjectInline(ReadOnlyInline):
    model = JobObject
    fields = (
        "object_name",
        "status",
        "method",
        "records",
        "added",
        "changed",
        "deleted",
        "size",
        "api_calls",
        "started_at",
        "finished_at",
        "error_message",
    )
    readonly_fields = fields

    @admin.display(description="Size")
    def size(self, job_object: JobObject) -> str:
        return filesizeformat(job_object.size_bytes)


class JobLogInline(ReadOnlyInline):
    """The last LOG_LINES_SHOWN lines (JobAdmin narrows the queryset per job)."""

    model = JobLog
    fields = ("created_at", "level", "job_object", "message")
    readonly_fields = fields
    verbose_name_plural = f"log (last {LOG_LINES_SHOWN} lines)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("job_object")


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "name",
        "operation_label",
        "status",
        "tenant",
        "org",
        "trigger",
        "created_at",
        "heartbeat_at",
        "records",
        "size",
    )
    list_display_links = ("id", "name")
    list_filter = ("status", OperationFilter, "trigger", "tenant")
    list_select_related = ("tenant", "org")
    search_fields = ("id__exact", "name", "org__name", "tenant__name", "error_message")
    date_hierarchy = "created_at"
    fields = (
        ("id", "name"),
        "description",
        ("operation_label", "trigger", "status", "abort_requested"),
        ("tenant", "org", "created_by"),
        ("created_at", "enqueued_at", "started_at", "finished_at", "heartbeat_at", "resumes"),
        ("records", "added", "changed", "deleted", "size", "api_calls", "setup_api_calls"),
        "error_message",
        "log_link",
    )
    readonly_fields = (
        "id",
        "name",
        "description",
        "operation_label",
        "trigger",
        "status",
        "abort_requested",
        "tenant",
        "org",
        "created_by",
        "created_at",
        "enqueued_at",
        "started_at",
        "finished_at",
        "heartbeat_at",
        "resumes",
        "records",
        "added",
        "changed",
        "deleted",
        "size",
        "api_calls",
        "setup_api_calls",
        "error_message",
        "log_link",
    )
    inlines = (JobObjectInline, JobLogInline)
    actions = ("abort", "requeue")

    # Workers own jobs: no add, change or delete here; the actions go through services.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_operate_permission(self, request) -> bool:
        return request.user.has_perm("jobs.change_job")

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, JobLogInline) and obj is not None:
            last = JobLog.objects.filter(job=obj).order_by("-id")[:LOG_LINES_SHOWN]
            kwargs["queryset"] = kwargs["queryset"].filter(
                id__in=list(last.values_list("id", flat=True))
            )
        return kwargs

    @admin.display(description="Operation", ordering="operation")
    def operation_label(self, job: Job) -> str:
        return job.get_operation_display()

    @admin.display(description="Size", ordering="size_bytes")
    def size(self, job: Job) -> str:
        return filesizeformat(job.size_bytes)

    @admin.display(description="Log")
    def log_link(self, job: Job) -> str:
        url = reverse("admin:jobs_joblog_changelist") + f"?job__id__exact={job.pk}"
        return format_html('<a href="{}">Every log line of this job</a>', url)

    @admin.action(description="Abort selected jobs", permissions=["operate"])
    def abort(self, request, queryset: QuerySet[Job]) -> None:
        stopped: list[str] = []
        skipped: list[str] = []
        for job in queryset:
            (stopped if job_request_abort(job=job) else skipped).append(str(job.pk))
        if stopped:
            self.message_user(request, f"Abort requested for job(s) {', '.join(stopped)}.")
        if skipped:
            self.message_user(
                request,
                f"Job(s) {', '.join(skipped)} had already ended; nothing to abort.",
                messages.WARNING,
            )

    @admin.action(description="Re-queue stuck jobs (worker gone)", permissions=["operate"])
    def requeue(self, request, queryset: QuerySet[Job]) -> None:
        requeued, refused = [], []
        for job in queryset:
            if job_requeue(job=job, stale_after=runner.STALE_AFTER):
                requeued.append(str(job.pk))
            else:
                refused.append(str(job.pk))
        if requeued:
            self.message_user(request, f"Job(s) {', '.join(requeued)} handed to the workers again.")
        if refused:
            seconds = int(runner.STALE_AFTER.total_seconds())
            self.message_user(
                request,
                f"Job(s) {', '.join(refused)} not re-queued: only a queued job, or one in "
                f"progress with no heartbeat for {seconds} s, can be.",
                messages.WARNING,
            )


@admin.register(JobLog)
class JobLogAdmin(admin.ModelAdmin):
    """Every log line, to read a long job's log whole (filter by job from its page)."""

    list_display = ("created_at", "job", "level", "job_object", "message")
    list_filter = ("level",)
    list_select_related = ("job", "job_object")
    search_fields = ("job__id__exact", "message")
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
