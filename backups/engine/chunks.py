"""Big objects read in Id ranges (`JobObjectChunk`) that any workers read side by side.

A big read (COUNT() > CHUNK_THRESHOLD, full or incremental) is split into Id ranges
(bounds interpolated between the lowest and highest Id: 2 calls), each with its own
cursor; the same filter (the SystemModstamp watermark included) applies inside every
range, and the open first and last ranges cover every Id exactly once. The last chunk to
finish merges the chunks' watermarks, runs Composite & Sync's Id comparison (once, over
the whole object) and the exact counters (`finish_chunks`, the runner's finish_object).
"""

from typing import TYPE_CHECKING, Any

from backups.engine import tuning
from jobs.models import JobObject, JobObjectChunk
from salesforce.reads import ObjectReader, id_range_bounds


class ChunkedReads:
    """ObjectBackup's Id-range reading (a mixin: it uses the reader, cursor and save)."""

    # What ObjectBackup provides.
    reader: ObjectReader
    job_object: JobObject
    chunk: JobObjectChunk | None
    cursor: dict[str, Any]
    name: str

    if TYPE_CHECKING:

        def log(self, message: str, level: str = ...) -> None: ...
        def save(self, **deltas: int) -> None: ...
        def open(self) -> bool: ...
        def read_pages(self) -> None: ...
        def finish_reading(self) -> None: ...

    def plan_chunks(self, where: str, total: int) -> list[tuple[str, str]]:
        """Id ranges of about tuning.CHUNK_ROWS rows: [("", b1), (b1, b2), ..., (bn, "")]."""
        parts = max(2, -(-total // tuning.CHUNK_ROWS))
        low = self.reader.edge_id(where)
        high = self.reader.edge_id(where, last=True)
        bounds = id_range_bounds(low, high, parts)
        if not bounds:
            return []
        return list(zip(["", *bounds], [*bounds, ""], strict=True))

    def start_chunks(self, where: str, total: int, kind: str) -> bool:
        planned = JobObjectChunk.objects.filter(job_object=self.job_object)
        if planned.exists():  # planned before a worker stopped: keep those exact ranges
            ranges = list(planned.order_by("index").values_list("id_from", "id_to"))
        else:
            ranges = self.plan_chunks(where, total)
        if len(ranges) < 2:
            return False
        JobObjectChunk.objects.bulk_create(
            [
                JobObjectChunk(job_object=self.job_object, index=i, id_from=low, id_to=high)
                for i, (low, high) in enumerate(ranges)
            ],
            ignore_conflicts=True,
        )
        per_chunk = total // len(ranges)
        method = "bulk" if per_chunk > tuning.BULK_THRESHOLD else "rest"
        self.cursor.update(chunks=len(ranges), phase="chunks", method=method)
        label = "Bulk API 2.0" if method == "bulk" else "REST query"
        self.log(
            f"{self.name}: reading {kind} ({total} rows) with {label}, "
            f"in {len(ranges)} Id ranges read side by side."
        )
        return True

    def run_chunk(self, chunk: JobObjectChunk) -> None:
        """Read one Id range of the object with the object's filter, from its own cursor."""
        self.chunk = chunk
        planned = self.cursor
        self.cursor = dict(chunk.cursor or {})
        self.open()
        if "where" not in self.cursor:
            ranges = [f"Id >= '{chunk.id_from}'"] if chunk.id_from else []
            ranges += [f"Id < '{chunk.id_to}'"] if chunk.id_to else []
            where = " AND ".join(ranges)
            if planned.get("where"):
                where = f"({planned['where']}) AND {where}"
            self.cursor.update(
                method=planned["method"],
                where=where,
                watermark=planned.get("watermark", ""),
                phase="read",
            )
            self.save()
        self.read_pages()
        self.cursor["phase"] = "done"
        self.save()

    def finish_chunks(self) -> None:
        """All chunks completed: merge their watermarks, then what follows the reads."""
        if not self.open():
            return
        marks = [self.cursor.get("watermark") or ""]
        marks += [
            (c.get("watermark") or "")
            for c in JobObjectChunk.objects.filter(job_object=self.job_object).values_list(
                "cursor", flat=True
            )
        ]
        self.cursor["watermark"] = max(marks)
        self.cursor["phase"] = "ids"
        self.save()
        self.finish_reading()
