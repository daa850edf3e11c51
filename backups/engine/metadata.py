"""The metadata part of a backup: one JobObject named "Metadata" in the job, processed
like any object (status, logs, abort, errors and resume come from jobs/runner.py).

- `metadata_unit_add(*, job) -> None` — add the "Metadata" unit to a job being prepared
  (the composite and templated handlers call it when the Metadata setting is on).
- `is_metadata_unit(job_object) -> bool`; `MetadataBackup(ctx, job_object).run()`.

How it runs: describeMetadata, then listMetadata for every type (child types, folders
of in-folder types), then `retrieve` in chunks of at most MAX_FILES_PER_RETRIEVE files.
Each component goes to the vault with its files and properties; an unchanged one
(same keyed content hash) keeps its version; one the org no longer lists gets a
deleted version (only for types whose listing succeeded). After each chunk the
position is saved, so a resumed run continues after the last finished chunk.
"""

from datetime import datetime

from django.db.models import Count, Sum

from backups.engine import tuning
from backups.engine.connection import api_quota, client_for, stop_job_on_fatal_errors
from backups.engine.discard import backup_discard
from jobs.models import Job, JobLog, JobObject
from jobs.runner import JobMustWait
from orgs.services import org_data_key
from salesforce.metadata import (
    FOLDER_CONTENT,
    FOLDER_TYPES,
    MAX_RETRIEVE_FILES,
    FileProperties,
    MetadataClient,
    plan_chunks,
)
from salesforce.reads import RetryPolicy
from vault.metadata_services import (
    MetadataComponent,
    MetadataWriter,
    metadata_discard,
    metadata_mark_deleted,
)
from vault.models import MetadataComponentVersion, Snapshot
from vault.services import VaultBusy, snapshot_begin, snapshot_publish

METADATA_UNIT = "Metadata"
MAX_FILES_PER_RETRIEVE = MAX_RETRIEVE_FILES
Change = MetadataComponentVersion.Change


def metadata_unit_add(*, job: Job) -> None:
    JobObject.objects.bulk_create(
        [JobObject(job=job, object_name=METADATA_UNIT)], ignore_conflicts=True
    )


def is_metadata_unit(job_object: JobObject) -> bool:
    return job_object.object_name == METADATA_UNIT


class MetadataBackupHandler:
    """The handler of Metadata Backup jobs (metadata only)."""

    def prepare(self, ctx) -> None:
        org = ctx.job.org
        org_data_key(org)  # a wrong or unreadable key stops the job before anything is written
        try:
            snapshot_begin(org=org, job=ctx.job)
        except VaultBusy as exc:  # another backup of this org is writing: our turn next
            raise JobMustWait(str(exc)) from None
        metadata_discard(org=org)  # a stale snapshot discarded above leaves no metadata versions
        metadata_unit_add(job=ctx.job)
        ctx.log("The org's metadata will be backed up.")

    def process(self, ctx, job_object: JobObject) -> None:
        MetadataBackup(ctx, job_object).run()

    def finish(self, ctx, status: str) -> None:
        job = ctx.job
        snapshot = Snapshot.objects.filter(
            org_id=job.org_id, job=job, status=Snapshot.Status.BUILDING
        ).first()
        if snapshot is None:
            return
        if status != Job.Status.COMPLETED:
            backup_discard(ctx, snapshot)
            return
        if snapshot_publish(snapshot=snapshot):
            ctx.log(f"Snapshot {snapshot.seq} published.")


def _parse_date(text: str) -> datetime | None:
    if not text:
        return None
    text = text.replace("Z", "+00:00")
    if text[-5] in "+-" and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _component(props: FileProperties, files: dict[str, bytes]) -> MetadataComponent:
    values = props.properties
    return MetadataComponent(
        metadata_type=props.type,
        full_name=props.full_name,
        file_name=props.file_name.removeprefix("unpackaged/"),
        properties=values,
        files=files,
        last_modified=_parse_date(values.get("lastModifiedDate", "")),
        last_modified_by_id=values.get("lastModifiedById", ""),
    )


class MetadataBackup:
    """The "Metadata" unit of one job; resumable from `job_object.cursor`."""

    def __init__(self, ctx, job_object: JobObject):
        self.ctx = ctx
        self.job = ctx.job
        self.org = self.job.org
        self.job_object = job_object
        self.cursor = dict(job_object.cursor or {})
        self.calls_saved = 0

    def log(self, message: str, level: str = JobLog.Level.INFO) -> None:
        self.ctx.log(message, level, job_object=self.job_object)

    def save(self) -> None:
        calls = self.md.calls - self.calls_saved
        self.calls_saved += calls
        self.job_object.save_progress(cursor=self.cursor, api_calls=calls)

    def run(self) -> None:
        with stop_job_on_fatal_errors(self.ctx):
            self._run()

    def _run(self) -> None:
        data_key = org_data_key(self.org)
        metadata_discard(org=self.org)  # versions of discarded snapshots must not linger
        client = client_for(
            self.org,
            lambda: self.log(
                "Metadata: the Salesforce session expired; renewed the access token and retried.",
                JobLog.Level.WARNING,
            ),
        )
        retry = RetryPolicy(
            base_seconds=tuning.RETRY_BASE_SECONDS,
            on_retry=lambda m: self.log(m, JobLog.Level.WARNING),
        )
        self.md = MetadataClient(client, retry=retry, quota=api_quota(self.org))
        snapshot = snapshot_begin(org=self.org, job=self.job)
        types = self.md.describe()
        skipped: set[str] = set()

        def on_skip(query, exc) -> None:
            skipped.update({query.type, FOLDER_TYPES.get(query.type, query.type)})
            skipped.add(FOLDER_CONTENT.get(query.type, query.type))
            where = f" in folder {query.folder}" if query.folder else ""
            self.log(f"Metadata: {query.type}{where} skipped: {exc}", JobLog.Level.WARNING)

        components = self.md.list_components(types, on_skip=on_skip)
        self.log(
            f"Metadata: {len(components)} components of {len(types)} types listed "
            f"({self.md.calls} Metadata API calls)."
        )
        self.save()
        self.ctx.checkpoint()
        self.retrieve_all(snapshot, data_key, types, components)
        listed = {name for t in types for name in (t.xml_name, *t.child_xml_names)}
        listed |= {FOLDER_TYPES[n] for n in listed if n in FOLDER_TYPES}
        marked = metadata_mark_deleted(
            snapshot=snapshot,
            present={c.key for c in components},
            types=listed - skipped,
            job=self.job,
        )
        if marked:
            self.log(f"Metadata: {marked} component(s) were deleted in Salesforce.")
        self.cursor["phase"] = "done"
        self.save()
        self.settle(snapshot)

    def retrieve_all(self, snapshot, data_key, types, components) -> None:
        after = tuple(self.cursor.get("after") or ())
        remaining = [c for c in components if not after or c.key > after]
        chunks = list(plan_chunks(remaining, types, MAX_FILES_PER_RETRIEVE))
        if after:
            self.log(f"Metadata: resuming after {after[0]} {after[1]}.")
        self.log(
            f"Metadata: retrieving {len(remaining)} components in {len(chunks)} call(s) of at most "
            f"{MAX_FILES_PER_RETRIEVE:,} files."
        )
        writer = MetadataWriter(snapshot=snapshot, data_key=data_key, job=self.job)
        for number, chunk in enumerate(chunks, start=1):
            missing = []
            with self.md.retrieve(chunk) as result:
                batch = []
                for props in chunk:
                    files = result.component_files(props)
                    if files:
                        batch.append(_component(props, files))
                    else:
                        missing.append(f"{props.type} {props.full_name}")
                for problem in result.problems[:20]:
                    self.log(f"Metadata: Salesforce said: {problem}", JobLog.Level.WARNING)
            writer.write(batch)
            if missing:
                shown = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
                self.log(
                    f"Metadata: {len(missing)} component(s) came back without files and "
                    f"keep their previous version: {shown}",
                    JobLog.Level.WARNING,
                )
            self.cursor["after"] = list(chunk[-1].key)
            self.save()
            self.log(f"Metadata: call {number} of {len(chunks)} stored ({len(chunk)} components).")
            self.ctx.checkpoint()

    def settle(self, snapshot) -> None:
        """Exact counters from the vault, whatever retries or resumes happened."""
        versions = MetadataComponentVersion.objects.filter(org_id=self.org.pk)
        written = versions.filter(job=self.job, valid_from=snapshot.seq)
        changes = dict(written.values_list("change").annotate(n=Count("id")))
        total = versions.filter(valid_to__isnull=True, is_deleted=False).count()
        size = written.aggregate(s=Sum("size_bytes"))["s"] or 0
        JobObject.objects.filter(pk=self.job_object.pk).update(
            records=total,
            added=changes.get(Change.ADDED, 0),
            changed=changes.get(Change.CHANGED, 0),
            deleted=changes.get(Change.DELETED, 0),
            size_bytes=size,
        )
        summary = ", ".join(f"{changes.get(kind, 0)} {kind}" for kind in Change.values)
        self.log(f"Metadata: {total} components ({summary}).")
