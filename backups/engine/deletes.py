"""Composite & Sync's hard-delete detection, and the exact counters of an object.

Every Id in the org (queryAll: the Recycle Bin counts as present) is compared with the
vault's current records; those missing are marked hard-deleted. The counters come from
the vault afterwards, so retries and resumes never count a record twice.
"""

from array import array
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Sum

from backups.engine import tuning
from jobs.models import Job, JobObject
from jobs.runner import JobContext
from orgs.models import Org
from salesforce.reads import ObjectReader
from vault.models import RecordVersion, Segment, Snapshot
from vault.services import current_record_ids, mark_hard_deleted


class DeleteDetection:
    """ObjectBackup's hard deletes and counters (a mixin: it uses the reader and save)."""

    # What ObjectBackup provides.
    ctx: JobContext
    reader: ObjectReader
    job: Job
    org: Org
    job_object: JobObject
    cursor: dict[str, Any]
    name: str
    base_where: str

    if TYPE_CHECKING:

        def log(self, message: str, level: str = ...) -> None: ...
        def save(self, **deltas: int) -> None: ...

    def find_hard_deletes(self, snapshot: Snapshot) -> None:
        """Every Id in the org (queryAll: the Recycle Bin counts as present) vs the vault."""
        self.cursor["phase"] = "ids"
        # The vault's count (just brought up to date by the read of changes) stands in
        # for the org's: it only chooses REST or Bulk, and spares a COUNT() call.
        total = self.reader.count() if self.base_where else self.current_total()
        if total > tuning.BULK_THRESHOLD:
            pages = self.reader.bulk_pages(fields=["Id"])
        else:
            pages = self.reader.rest_pages(fields=["Id"])
        in_org = array("q")
        for page in pages:
            in_org.extend(map(hash, map(itemgetter(0), page.rows)))
            self.ctx.checkpoint()
        # The vault's Ids as 8-byte hashes too, looked up in the org's in one vectorised
        # pass; the Ids themselves are read again only when some are missing.
        in_vault = array("q", map(hash, current_record_ids(org=self.org, object_name=self.name)))
        gone = missing_from(in_org, in_vault)
        del in_org, in_vault
        missing = []
        if gone:
            missing = [
                record_id
                for record_id in current_record_ids(org=self.org, object_name=self.name)
                if hash(record_id) in gone
            ]
        marked = mark_hard_deleted(
            snapshot=snapshot, object_name=self.name, record_ids=missing, job=self.job
        )
        if marked:
            self.log(f"{self.name}: {marked} record(s) were hard deleted in Salesforce.")
        self.save()

    def current_total(self) -> int:
        """The object's records this backup covers: every current one in the vault, or
        (a templated backup) the org's records its filter selects, Recycle Bin included."""
        if self.base_where:
            total = self.reader.count(self.base_where)
            self.save()  # the COUNT() call
            return total
        return (
            RecordVersion.objects.filter(
                org_id=self.org.pk, object_name=self.name, valid_to__isnull=True
            )
            .exclude(state__in=[RecordVersion.State.HARD_DELETED, RecordVersion.State.ARCHIVED])
            .count()
        )

    def settle(self, snapshot: Snapshot) -> None:
        """Exact counters from the vault, whatever retries or resumes happened."""
        changes = dict(
            RecordVersion.objects.filter(org_id=self.org.pk, job=self.job, object_name=self.name)
            .values_list("change")
            .annotate(n=Count("id"))
            .values_list("change", "n")
        )
        total = self.current_total()
        size = (
            Segment.objects.filter(snapshot=snapshot, object_name=self.name).aggregate(
                s=Sum("byte_size")
            )["s"]
            or 0
        )
        JobObject.objects.filter(pk=self.job_object.pk).update(
            records=total,
            added=changes.get(RecordVersion.Change.ADDED, 0),
            changed=changes.get(RecordVersion.Change.CHANGED, 0),
            deleted=changes.get(RecordVersion.Change.DELETED, 0),
            size_bytes=size,
        )
        summary = ", ".join(
            f"{changes.get(kind, 0)} {kind}" for kind in RecordVersion.Change.values
        )
        self.log(f"{self.name}: {total} records ({summary}).")


def missing_from(org: array, vault: array) -> set[int]:
    """The values of `vault` that `org` lacks: one hash lookup in Arrow (a Python loop,
    a bisect per Id or a sorted merge took 2-10x longer at 1M; a Python set of 1M ints
    holds ~60 MB where these arrays hold 8 bytes an Id)."""
    import pyarrow.compute as pc  # here: only Composite & Sync pays pyarrow's import

    mask = pc.is_in(_int64s(vault), value_set=_int64s(org))
    absent = pc.indices_nonzero(pc.invert(mask))
    return {vault[at] for at in absent.to_pylist()}


def _int64s(values: array):
    """An Arrow view of the array's buffer (no copy)."""
    import pyarrow as pa

    return pa.Array.from_buffers(pa.int64(), len(values), [None, pa.py_buffer(values)])
