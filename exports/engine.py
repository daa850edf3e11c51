"""The export handler (jobs/runner.py calls it).

- `prepare`: the Export row and one JobObject per chosen object.
- `process` (one object, any worker): reads the object's records as of the snapshot
  (one decrypted segment in memory at a time), keeps those the object's SOQL filter
  accepts, and writes them as sealed part files of at most `records_per_file` records
  (`Account-0001.csv`, ...; or one `Account.parquet`). Running it again rewrites the
  same parts.
  A child object keeps only the records that reference an exported record of its
  parent; with `include_files` a body field (Attachment.Body, ContentVersion.VersionData)
  names its file under files/<Object>/ and the body goes in the zip there.
- `finish`: streams the parts into one zip (a folder per object), sealed in frames
  (exports/sealed.py), stores it under the org's storage, deletes the parts and marks
  the export ready for `RETENTION`. A failed or aborted job leaves no file.
"""

import csv
import json
import re
import zipfile
from collections.abc import Callable, Iterable
from datetime import UTC
from typing import Any

from django.utils import timezone

from common.storage import org_storage
from exports import selectors
from exports.job_settings import ExportSettings
from exports.models import RETENTION, Export
from exports.sealed import SealedWriter, read_plaintext
from jobs.models import Job, JobObject
from orgs.services import org_data_key
from vault import codec

CHECKPOINT_EVERY = 10_000
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def export_prefix(org_id: int, job_id: int) -> str:
    return f"orgs/{org_id}/exports/{job_id}/"


def file_name_for(org_name: str, when) -> str:
    name = _UNSAFE.sub("_", org_name).strip("_") or "org"
    return f"download-{name}-{when.astimezone(UTC).strftime('%Y%m%d-%H%M%S')}.zip"


def compile_filter(text: str) -> Callable[[dict], bool]:
    """A predicate over a record from a SOQL condition (or a whole SELECT's WHERE)."""
    import soql

    text = text.strip()
    if not text:
        return lambda record: True
    if text[:6].upper() == "SELECT":
        condition = soql.parse(text).where
    else:
        condition = soql.parse_where(text)
    keep = soql.compile_condition(condition, now=timezone.now(), tz=UTC)
    return lambda record: bool(keep(soql.dict_getter(record)))


def cell(value) -> str:
    """A Data Loader-ready CSV cell: empty for null, true/false, JSON for compound
    fields; dates and times stay in the Salesforce formats the API returned."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


class _TextToSealed:
    """csv.writer writes str; the sealed stream takes UTF-8 bytes."""

    def __init__(self, sink: SealedWriter):
        self.sink = sink

    def write(self, text: str) -> int:
        return self.sink.write(text.encode("utf-8"))


class ExportHandler:
    def prepare(self, ctx) -> None:
        job = ctx.job
        spec = ExportSettings.from_json(job.settings)
        Export.objects.get_or_create(
            job=job,
            defaults={
                "tenant_id": job.tenant_id,
                "org_id": job.org_id,
                "source_job_id": spec.as_of_job or None,
                "snapshot_seq": spec.seq or max((q for _, q in spec.archive_jobs), default=0),
                "format": spec.format,
            },
        )
        for unit, _, _ in spec.units():
            JobObject.objects.get_or_create(job=job, object_name=unit)

    def process(self, ctx, job_object: JobObject) -> None:
        job = ctx.job
        org = job.org
        spec = ExportSettings.from_json(job.settings)
        unit = job_object.object_name
        name, seq = next((n, q) for u, n, q in spec.units() if u == unit)
        data_key = org_data_key(org)
        if spec.archive_jobs:
            fields_of, read = selectors.object_fields_of_snapshot, selectors.records_of_snapshot
        else:
            fields_of, read = selectors.object_fields_as_of, selectors.records_as_of
        fields = spec.fields.get(name) or fields_of(
            org=org, object_name=name, seq=seq, data_key=data_key
        )
        keep = compile_filter(spec.filters.get(name, ""))
        parent = spec.parent_of(name)
        if parent is not None:
            keep = _child_of(keep, org, spec, name, parent, data_key)
        records: Iterable[dict] = (
            record
            for record in read(org=org, object_name=name, seq=seq, data_key=data_key)
            if keep(record)
        )
        bodies: list[list[str]] = []
        if spec.include_files:
            records = _with_files(records, name, f"orgs/{org.pk}/blobs/", bodies)
        storage = org_storage(org)
        parts = export_prefix(org.pk, job.pk) + f"parts/{unit}/"
        if spec.format == Export.Format.PARQUET:
            from exports.parquet import write_parquet_part

            files, count = write_parquet_part(
                ctx=ctx, org=org, storage=storage, key=parts + f"{name}.parquet",
                object_name=name, fields=fields, records=records, data_key=data_key,
            )  # fmt: skip
        else:
            files, count = self._write_csv_parts(ctx, org, storage, parts, name, fields, records)
            files = [parts + file for file in files]
        JobObject.objects.filter(pk=job_object.pk).update(
            records=count, cursor={"files": files, "fields": len(fields), "bodies": bodies}
        )

    def _write_csv_parts(
        self, ctx, org, storage, parts: str, name: str, fields: list[str], records: Iterable
    ) -> tuple[list[str], int]:
        spec = ExportSettings.from_json(ctx.job.settings)
        data_key = org_data_key(org)
        files: list[str] = []
        count = 0
        sink: SealedWriter | None = None
        in_file = 0

        def open_file() -> tuple[SealedWriter, Any]:
            file = f"{name}-{len(files) + 1:04d}.csv"
            files.append(file)
            out = SealedWriter(data_key=data_key, org_id=org.pk, storage_key=parts + file)
            writer = csv.writer(_TextToSealed(out), lineterminator="\r\n")
            writer.writerow(fields)
            return out, writer

        sink, writer = open_file()
        try:
            for record in records:
                if in_file >= spec.records_per_file:
                    sink.save(storage)
                    sink, writer = open_file()
                    in_file = 0
                writer.writerow([cell(record.get(field)) for field in fields])
                in_file += 1
                count += 1
                if count % CHECKPOINT_EVERY == 0:
                    ctx.checkpoint()
            sink.save(storage)
        except BaseException:
            sink.discard()
            raise
        return files, count

    def finish(self, ctx, status: str) -> None:
        job = ctx.job
        export = Export.objects.filter(job=job).first()
        if export is None or export.ready_at is not None:
            return
        org = job.org
        storage = org_storage(org)
        objects = list(JobObject.objects.filter(job=job).order_by("object_name"))
        try:
            if status == Job.Status.COMPLETED:
                self._assemble(ctx, export, objects, storage)
        finally:
            for job_object in objects:
                for key in (job_object.cursor or {}).get("files", []):
                    if storage.exists(key):
                        storage.delete(key)

    def _assemble(self, ctx, export: Export, objects: list[JobObject], storage) -> None:
        job = ctx.job
        org = job.org
        data_key = org_data_key(org)
        now = timezone.now()
        file_name = file_name_for(org.name, job.started_at or now)
        key = export_prefix(org.pk, job.pk) + file_name + ".sealed"
        sink = SealedWriter(data_key=data_key, org_id=org.pk, storage_key=key)
        try:
            with zipfile.ZipFile(
                sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1
            ) as zf:
                for job_object in objects:
                    for part in (job_object.cursor or {}).get("files", []):
                        entry = f"{job_object.object_name}/{part.rsplit('/', 1)[-1]}"
                        with zf.open(entry, "w", force_zip64=True) as out:
                            for chunk in read_plaintext(
                                storage=storage, storage_key=part, data_key=data_key, org_id=org.pk
                            ):
                                out.write(chunk)
                for job_object in objects:
                    for entry, blob_key in (job_object.cursor or {}).get("bodies", []):
                        with storage.open(blob_key, "rb") as handle:
                            body = codec.unseal(
                                data_key=data_key, org_id=org.pk, storage_key=blob_key,
                                blob=handle.read(),
                            )  # fmt: skip
                        with zf.open(entry, "w", force_zip64=True) as out:
                            out.write(body)
            size = sink.save(storage)
        except BaseException:
            sink.discard()
            raise
        counts = {o.object_name: o.records for o in objects}
        now = timezone.now()
        Export.objects.filter(pk=export.pk).update(
            file_name=file_name,
            storage_key=key,
            byte_size=size,
            counts=counts,
            ready_at=now,
            expires_at=now + RETENTION,
        )
        expires = timezone.localtime(now + RETENTION).strftime("%b %-d, %Y %H:%M %Z")
        ctx.log(f"Ready for download: {file_name} ({size:,} bytes), until {expires}.")


def _child_of(keep, org, spec: ExportSettings, name: str, parent: str, data_key: bytes):
    """`keep` and "references an exported record of `parent`" (through the child's
    reference fields to the parent in the cached describe, else any field)."""
    from orgs.describes import describe_cached

    parent_keep = compile_filter(spec.filters.get(parent, ""))
    ids: set[str] = set()
    for record in selectors.records_as_of(
        org=org, object_name=parent, seq=spec.seq, data_key=data_key
    ):
        if parent_keep(record) and record.get("Id"):
            ids.add(record["Id"])
            ids.add(record["Id"][:15])
    describe, _ = describe_cached(org=org, object_name=name)
    refs = [
        f["name"]
        for f in (describe or {}).get("fields", [])
        if f.get("type") == "reference" and parent in (f.get("referenceTo") or [])
    ]

    def references(record: dict) -> bool:
        values = [record.get(f) for f in refs] if refs else record.values()
        return any(isinstance(v, str) and v in ids for v in values)

    return lambda record: references(record) and keep(record)


def _with_files(records: Iterable[dict], name: str, blob_prefix: str, bodies: list):
    """Records whose body fields (a vault blob's key) point into files/ instead; each
    (zip entry, blob key) is appended to `bodies` for the zip."""
    for record in records:
        for field_name, value in record.items():
            if isinstance(value, str) and value.startswith(blob_prefix):
                entry = f"files/{name}/{_UNSAFE.sub('_', str(record.get('Id')))}-{field_name}"
                bodies.append([entry, value])
                record = {**record, field_name: entry}
        yield record


def zip_stream(export: Export, *, org) -> Iterable[bytes]:
    """The export's zip, decrypted frame by frame."""
    return read_plaintext(
        storage=org_storage(org),
        storage_key=export.storage_key,
        data_key=org_data_key(org),
        org_id=org.pk,
    )
