"""Django admin for support staff: the vault, read-only, in clear metadata only.

Snapshots with their counts and sizes; segments and record versions by object name,
record Id, snapshot numbers, state and size. Nothing here opens a segment: no decrypted
record data, no payload, no content hash, no sealed metadata — the admin never holds an
org's data key.
"""

from typing import TYPE_CHECKING, TypedDict

from django.contrib import admin
from django.db.models import Count, Sum
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html, format_html_join

from vault.models import RecordVersion, Segment, Snapshot
from vault.selectors import job_change_counts, object_counts_as_of

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _SnapshotTotals(TypedDict):  # what SnapshotAdmin.get_queryset annotates
    segment_total: int
    stored_bytes: int | None


class ReadOnlyAdmin(admin.ModelAdmin):
    """Workers own the vault: it is only looked at here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "org",
        "tenant",
        "seq",
        "status",
        "job",
        "created_at",
        "published_at",
        "segment_count",
        "stored_size",
        "records_read",
        "added",
        "changed",
        "deleted",
    )
    list_filter = ("status", "org__tenant")
    list_select_related = ("org__tenant", "job")
    search_fields = ("org__name", "org__tenant__name", "job__id__exact")
    date_hierarchy = "created_at"
    ordering = ("-id",)
    fields = (
        ("org", "tenant", "seq", "status"),
        ("job", "created_at", "published_at"),
        ("segment_count", "stored_size"),
        ("records_read", "added", "changed", "deleted"),
        "objects",
    )
    readonly_fields = (
        "org",
        "tenant",
        "seq",
        "status",
        "job",
        "created_at",
        "published_at",
        "segment_count",
        "stored_size",
        "records_read",
        "added",
        "changed",
        "deleted",
        "objects",
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(segment_total=Count("segments"), stored_bytes=Sum("segments__byte_size"))
        )

    @admin.display(description="Tenant", ordering="org__tenant__name")
    def tenant(self, snapshot: Snapshot):
        return snapshot.org.tenant

    @admin.display(description="Segments", ordering="segment_total")
    def segment_count(self, snapshot: "WithAnnotations[Snapshot, _SnapshotTotals]") -> int:
        return snapshot.segment_total

    @admin.display(description="Stored", ordering="stored_bytes")
    def stored_size(self, snapshot: "WithAnnotations[Snapshot, _SnapshotTotals]") -> str:
        return filesizeformat(snapshot.stored_bytes or 0)

    # The job's counters: what this snapshot read and changed.
    @admin.display(description="Records read")
    def records_read(self, snapshot: Snapshot):
        return snapshot.job.records if snapshot.job else "-"

    @admin.display(description="Added")
    def added(self, snapshot: Snapshot):
        return snapshot.job.added if snapshot.job else "-"

    @admin.display(description="Changed")
    def changed(self, snapshot: Snapshot):
        return snapshot.job.changed if snapshot.job else "-"

    @admin.display(description="Deleted")
    def deleted(self, snapshot: Snapshot):
        return snapshot.job.deleted if snapshot.job else "-"

    @admin.display(description="Objects")
    def objects(self, snapshot: Snapshot) -> str:
        """Per object: records as of this snapshot, this snapshot's changes, its segments."""
        as_of = object_counts_as_of(org=snapshot.org, seq=snapshot.seq)
        changes = job_change_counts(job=snapshot.job) if snapshot.job else {}
        stored = {
            row["object_name"]: row
            for row in Segment.objects.filter(snapshot=snapshot)
            .values("object_name")
            .annotate(n=Count("id"), size=Sum("byte_size"))
        }
        names = sorted(set(as_of) | set(changes) | set(stored))
        if not names:
            return "-"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
            "<td>{}</td></tr>",
            (
                (
                    name,
                    as_of.get(name, 0),
                    changes.get(name, {}).get(RecordVersion.Change.ADDED, 0),
                    changes.get(name, {}).get(RecordVersion.Change.CHANGED, 0),
                    changes.get(name, {}).get(RecordVersion.Change.DELETED, 0),
                    stored.get(name, {}).get("n", 0),
                    filesizeformat(stored.get(name, {}).get("size") or 0),
                )
                for name in names
            ),
        )
        return format_html(
            "<table><thead><tr><th>Object</th><th>Records as of this snapshot</th>"
            "<th>Added</th><th>Changed</th><th>Deleted</th><th>Segments</th>"
            "<th>Stored</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )


@admin.register(Segment)
class SegmentAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "org",
        "snapshot_seq",
        "object_name",
        "record_count",
        "size",
        "created_at",
    )
    list_select_related = ("org", "snapshot")
    search_fields = ("object_name__exact", "org__name", "storage_key__exact")
    show_full_result_count = False
    fields = (
        "org",
        "snapshot",
        "object_name",
        "record_count",
        "size",
        "storage_key",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description="Snapshot", ordering="snapshot__seq")
    def snapshot_seq(self, segment: Segment) -> int:
        return segment.snapshot.seq

    @admin.display(description="Size", ordering="byte_size")
    def size(self, segment: Segment) -> str:
        return filesizeformat(segment.byte_size)


@admin.register(RecordVersion)
class RecordVersionAdmin(ReadOnlyAdmin):
    """Where a record's versions are: Ids, snapshot numbers, state; never its fields."""

    list_display = (
        "id",
        "org",
        "object_name",
        "record_id",
        "valid_from",
        "valid_to",
        "state",
        "change",
        "size_bytes",
        "last_modified",
        "job",
    )
    list_filter = ("state", "change")
    list_select_related = ("org", "job")
    search_fields = ("record_id__exact", "object_name__exact")
    show_full_result_count = False
    fields = (
        ("org", "object_name", "record_id"),
        ("valid_from", "valid_to", "state", "change"),
        ("owner_id", "last_modified", "size_bytes"),
        ("segment", "segment_index", "job"),
    )
    readonly_fields = (
        "org",
        "object_name",
        "record_id",
        "valid_from",
        "valid_to",
        "state",
        "change",
        "owner_id",
        "last_modified",
        "size_bytes",
        "segment",
        "segment_index",
        "job",
    )
