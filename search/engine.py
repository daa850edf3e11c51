"""The search and purge handlers (jobs/runner.py calls them).

Search ("search_request"):
- `prepare`: the Search row and one JobObject for the searched object.
- `process`: finds the records whose versions match the filter among **every** version
  in the vault (old, current, deleted, archived), then the child records that reference
  them. An equality or prefix condition on an indexed field (search.blind_index) looks
  up keyed tokens (indexing the segments not indexed yet first) and decrypts only the
  candidates' segments; any other filter scans the object's segments one at a time.
  The results are version ids per record (no field values); kept for `RETENTION`.

Purge ("purge"): deletes the export files that may hold the records (through
vault.hooks.records_erasing), erases the approved selection through
vault.erasure.records_erase, then (options) adds the records to the org's suppression
list (vault.suppression) and deletes them in Salesforce, and writes the certificate
(counts, keyed hashes of the Ids, who requested and approved). A version under an S3
Object Lock (vault.erasure.RecordsLocked) queues the purge until the lock expires; a
legal hold refuses it with the reason.
"""

import hashlib
import hmac
from collections.abc import Callable, Iterable
from datetime import UTC

from django.db.models import Q
from django.utils import timezone

from jobs.models import Job, JobObject
from orgs.services import org_data_key
from search import blind_index
from search.models import RETENTION, BlindIndexEntry, Purge, Search
from search.segments import read_segment_rows
from vault.erasure import RecordsLocked, erasure_refusals, records_erase
from vault.hooks import records_erasing
from vault.models import RecordVersion, Segment, Snapshot
from vault.suppression import records_suppress

Kind = BlindIndexEntry.Kind


def compile_filter(text: str) -> Callable[[dict], bool]:
    import soql

    condition = _condition(text)
    if condition is None:
        raise ValueError("A filter on the searched object is required.")
    keep = soql.compile_condition(condition, now=timezone.now(), tz=UTC)
    return lambda record: bool(keep(soql.dict_getter(record)))


def _condition(text: str):
    import soql

    text = text.strip()
    if text[:6].upper() == "SELECT":
        return soql.parse(text).where
    return soql.parse_where(text)


def index_plan(text: str, fields: set[str]) -> tuple[str, str, str] | None:
    """(field, kind, value) of an indexed equality or prefix condition that every match
    must satisfy (the condition itself or one item of a top-level AND), or None."""
    from soql import ast

    condition = _condition(text)
    items = condition.items if isinstance(condition, ast.And) else (condition,)
    for item in items:
        if not isinstance(item, ast.Comparison | ast.Like) or not isinstance(
            item.field, ast.FieldRef
        ):
            continue
        path = item.field.path
        if len(path) != 1 or path[0] not in fields:
            continue
        if (
            isinstance(item, ast.Comparison)
            and item.op == "="
            and isinstance(item.value, str)
            and item.value
        ):
            return path[0], Kind.EQUAL, item.value
        if isinstance(item, ast.Like):
            stem = item.pattern[:-1] if item.pattern.endswith("%") else ""
            plain = stem and not any(c in stem for c in "%_\\")
            if plain and len(blind_index.normalise(path[0], stem)) >= blind_index.PREFIX_MIN:
                return path[0], Kind.PREFIX, stem
    return None


def _published_segments(org, object_name: str):
    return Segment.objects.filter(
        org=org, object_name=object_name, snapshot__status=Snapshot.Status.PUBLISHED
    )


def matching_records(
    *, org, object_name: str, keep: Callable[[dict], bool], data_key: bytes, segments
) -> set[str]:
    """Ids of records with at least one version (row of `segments`) that `keep` accepts."""
    found: set[str] = set()
    for segment in segments.order_by("pk").iterator():
        fields, rows = read_segment_rows(org=org, segment=segment, data_key=data_key)
        for record_id, values in rows:
            if record_id in found:
                continue
            record = dict(zip(fields, values, strict=False))
            record.setdefault("Id", record_id)
            if keep(record):
                found.add(record_id)
    return found


def referencing_records(
    *, org, object_name: str, parent_ids: set[str], data_key: bytes
) -> set[str]:
    """Ids of `object_name` records with a version whose field holds one of the Ids."""
    wanted = parent_ids | {rid[:15] for rid in parent_ids}
    found: set[str] = set()
    for segment in _published_segments(org, object_name).order_by("pk").iterator():
        _, rows = read_segment_rows(org=org, segment=segment, data_key=data_key)
        for record_id, values in rows:
            if any(isinstance(v, str) and v in wanted for v in values):
                found.add(record_id)
    return found


def versions_of(*, org, object_name: str, record_ids: Iterable[str]) -> dict[str, list[int]]:
    """Every version (deleted and archived included) of these records, oldest first."""
    found: dict[str, list[int]] = {}
    rows = (
        RecordVersion.objects.filter(org=org, object_name=object_name, record_id__in=record_ids)
        .filter(Q(segment__isnull=True) | Q(segment__snapshot__status=Snapshot.Status.PUBLISHED))
        .order_by("record_id", "valid_from")
        .values_list("record_id", "pk")
    )
    for record_id, pk in rows:
        found.setdefault(record_id, []).append(pk)
    return found


def run_search(*, org, object_name: str, filter_text: str, children: list[str], data_key: bytes):
    """({object: {record id: [version ids]}}, used the blind index?)"""
    keep = compile_filter(filter_text)
    plan = index_plan(filter_text, blind_index.indexed_fields(org=org, object_name=object_name))
    segments = _published_segments(org, object_name)
    if plan is not None:
        blind_index.index_object(org=org, object_name=object_name, data_key=data_key)
        field, kind, value = plan
        candidates = blind_index.lookup(
            org=org, object_name=object_name, field_name=field, kind=kind, value=value,
            data_key=data_key,
        )  # fmt: skip
        segments = segments.filter(versions__pk__in=list(candidates)).distinct()
    matched = matching_records(
        org=org, object_name=object_name, keep=keep, data_key=data_key, segments=segments
    )
    results = {object_name: versions_of(org=org, object_name=object_name, record_ids=matched)}
    for child in children:
        if child == object_name or not matched:
            results.setdefault(child, {})
            continue
        ids = referencing_records(
            org=org, object_name=child, parent_ids=set(matched), data_key=data_key
        )
        results[child] = versions_of(org=org, object_name=child, record_ids=ids)
    return results, plan is not None


class SearchHandler:
    def prepare(self, ctx) -> None:
        job = ctx.job
        settings = job.settings
        Search.objects.get_or_create(
            job=job,
            defaults={
                "tenant_id": job.tenant_id,
                "org_id": job.org_id,
                "object_name": settings["object"],
                "filter_text": settings["filter"],
                "children": settings.get("children", []),
            },
        )
        JobObject.objects.get_or_create(job=job, object_name=settings["object"])

    def process(self, ctx, job_object: JobObject) -> None:
        job = ctx.job
        search = Search.objects.get(job=job)
        results, used_index = run_search(
            org=job.org,
            object_name=search.object_name,
            filter_text=search.filter_text,
            children=list(search.children),
            data_key=org_data_key(job.org),
        )
        counts = {name: len(records) for name, records in results.items()}
        Search.objects.filter(pk=search.pk).update(
            results=results, counts=counts, used_index=used_index
        )
        JobObject.objects.filter(pk=job_object.pk).update(records=counts[search.object_name])

    def finish(self, ctx, status: str) -> None:
        if status != Job.Status.COMPLETED:
            return
        now = timezone.now()
        search = Search.objects.get(job=ctx.job)
        Search.objects.filter(pk=search.pk).update(ready_at=now, expires_at=now + RETENTION)
        listed = ", ".join(f"{n} {name}" for name, n in search.counts.items()) or "nothing"
        how = "blind index" if search.used_index else "full scan"
        ctx.log(f"Ready for purge: found {listed} ({how}); results kept 7 days.")


def id_hash(data_key: bytes, object_name: str, record_id: str) -> str:
    """A keyed hash of a record Id for the certificate (no Id in clear)."""
    key = hmac.new(data_key, b"orgvault-purge-certificate", hashlib.sha256).digest()
    return hmac.new(key, f"{object_name}:{record_id}".encode(), hashlib.sha256).hexdigest()


class PurgeHandler:
    def prepare(self, ctx) -> None:
        JobObject.objects.get_or_create(job=ctx.job, object_name="purge")

    def process(self, ctx, job_object: JobObject) -> None:
        job = ctx.job
        purge = Purge.objects.get(job=job)
        data_key = org_data_key(job.org)
        selection = {name: list(ids) for name, ids in purge.selection.items() if ids}
        search = purge.search
        if purge.include_children and search is not None:
            parents = set(selection.get(search.object_name, []))
            for child in search.children:
                if parents and child != search.object_name:
                    found = referencing_records(
                        org=job.org, object_name=child, parent_ids=parents, data_key=data_key
                    )
                    if found:
                        selection[child] = sorted(set(selection.get(child, [])) | found)
        Purge.objects.filter(pk=purge.pk).update(selection=selection)
        index_rows = BlindIndexEntry.objects.filter(
            version__org=job.org,
            version__object_name__in=list(selection),
        )
        index_before = sum(
            index_rows.filter(version__object_name=n, version__record_id__in=ids).count()
            for n, ids in selection.items()
        )
        # Refused before anything changes: a legal hold (HeldRecords), a backup writing
        # (VaultBusy), a version under an S3 Object Lock (RecordsLocked: queued).
        refusals = erasure_refusals(org=job.org, records=selection)
        if refusals:
            raise ValueError(refusals[0])
        try:
            exports_deleted = _drop_outside_copies(job.org, selection)
            result = records_erase(org=job.org, data_key=data_key, records=selection)
        except RecordsLocked as exc:
            until = exc.until
            Purge.objects.filter(pk=purge.pk).update(status=Purge.Status.WAITING, retry_at=until)
            ctx.log(
                "A version to rewrite is under an S3 Object Lock until "
                f"{timezone.localtime(until):%b %-d, %Y %H:%M %Z}: the purge is queued and "
                "runs again when the lock has expired."
            )
            return
        suppressed = 0
        if purge.suppress or purge.delete_in_salesforce:
            suppressed = records_suppress(org=job.org, data_key=data_key, records=selection)
        salesforce = {}
        if purge.delete_in_salesforce:
            try:
                salesforce = _delete_in_salesforce(ctx, job.org, selection)
            except Exception as exc:  # the vault is purged already: say so, do not fail it
                total = sum(len(ids) for ids in selection.values())
                salesforce = {"deleted": 0, "failed": total, "api_calls": 0}
                ctx.log(f"The records could not be deleted in Salesforce: {exc}")
        certificate = {
            "objects": result.objects,
            "record_hashes": {
                name: sorted(id_hash(data_key, name, rid) for rid in ids)
                for name, ids in selection.items()
            },
            "segments_rewritten": result.segments_rewritten,
            "segments_deleted": result.segments_deleted,
            "bytes_rewritten": result.bytes_rewritten,
            "blobs_deleted": result.blobs_deleted,
            "index_rows_deleted": index_before,
            "exports_deleted": exports_deleted,
            "suppressed": suppressed,
            **({"salesforce": salesforce} if purge.delete_in_salesforce else {}),
        }
        Purge.objects.filter(pk=purge.pk).update(certificate=certificate)
        total = sum(o["records"] for o in result.objects.values())
        JobObject.objects.filter(pk=job_object.pk).update(records=total)

    def finish(self, ctx, status: str) -> None:
        purge = Purge.objects.filter(job=ctx.job).first()
        if purge is None:
            return
        now = timezone.now()
        if purge.status == Purge.Status.WAITING:
            return  # queued until the lock expires (search.services.purge_retry_waiting)
        if status == Job.Status.COMPLETED:
            # Forget the Ids: the certificate holds keyed hashes only.
            Purge.objects.filter(pk=purge.pk).update(
                status=Purge.Status.DONE, finished_at=now, selection={}
            )
            _forget_in_searches(purge.org_id, purge.pk, purge.selection)
            purge.refresh_from_db()
            counts = ", ".join(
                f"{o['records']} {name}" for name, o in purge.certificate.get("objects", {}).items()
            )
            ctx.log(f"Purged {counts or 'nothing'} from every version in the vault.")
            _audit(purge)
        else:
            Purge.objects.filter(pk=purge.pk).update(status=Purge.Status.FAILED, finished_at=now)


def _audit(purge: Purge) -> None:
    """The tenant's audit log proves the purge without personal data: counts per object,
    how many keyed Id hashes the certificate holds, who requested and approved it."""
    from tenants.audit import audit_record

    certificate = purge.certificate
    audit_record(
        tenant=purge.tenant_id,
        action="purge.done",
        actor=purge.approved_by,
        target=f"Purge {purge.pk}",
        detail={
            "org": purge.org_id,
            "job": purge.job_id,
            "objects": certificate.get("objects", {}),
            "record_hashes": sum(len(v) for v in certificate.get("record_hashes", {}).values()),
            "requested_by": getattr(purge.requested_by, "email", None),
            "approved_by": getattr(purge.approved_by, "email", None),
            "exports_deleted": certificate.get("exports_deleted", 0),
            "deleted_in_salesforce": bool(purge.delete_in_salesforce),
        },
    )


def _drop_outside_copies(org, selection: dict[str, list[str]]) -> int:
    """vault.hooks.records_erasing: files kept outside the vault (exports) that may hold
    the records are deleted before the vault is rewritten. Returns how many."""
    versions = {
        name: list(
            RecordVersion.objects.filter(
                org=org, object_name=name, record_id__in=ids, segment__isnull=False
            )
            .values_list("valid_from", "valid_to")
            .distinct()
        )
        for name, ids in selection.items()
    }
    answers = records_erasing.fire(org=org, records=selection, versions=versions)
    return sum(int(n or 0) for n in answers)


def _delete_in_salesforce(ctx, org, selection: dict[str, list[str]]) -> dict[str, int]:
    """Delete the records in the org (sObject Collections, 200 a call; children first,
    so a parent's cascade does not answer them as already deleted). A record already
    gone counts as deleted."""
    from orgs.services import org_client
    from salesforce.writes import BATCH, collection_delete

    client = org_client(org)
    deleted = failed = calls = 0
    search_object = next(iter(selection), "")
    names = [n for n in selection if n != search_object] + [search_object]
    for name in names:
        ids = selection.get(name, [])
        for start in range(0, len(ids), BATCH):
            calls += 1
            for outcome in collection_delete(client, ids[start : start + BATCH]):
                if outcome.success or outcome.error_code in ("ENTITY_IS_DELETED", "NOT_FOUND"):
                    deleted += 1
                else:
                    failed += 1
                    ctx.log(f"Salesforce refused to delete a {name} record: {outcome.message}")
    ctx.log(f"Deleted {deleted} record(s) in Salesforce ({calls} API call(s)); {failed} failed.")
    return {"deleted": deleted, "failed": failed, "api_calls": calls}


def _forget_in_searches(org_id: int, purge_id: int, selection: dict[str, list[str]]) -> None:
    """Searches that found the purged records forget them, and their filter (it names
    the person: an email, a name) is erased from the search and its job's settings."""
    erased = f"(erased by purge {purge_id})"
    for search in Search.objects.filter(org_id=org_id).select_related("job"):
        hit = False
        results = {}
        for name, records in search.results.items():
            purged = set(selection.get(name, []))
            hit = hit or any(rid in purged for rid in records)
            results[name] = {rid: v for rid, v in records.items() if rid not in purged}
        if not hit:
            continue
        Search.objects.filter(pk=search.pk).update(results=results, filter_text=erased)
        settings = {**(search.job.settings or {}), "filter": erased}
        Job.objects.filter(pk=search.job_id).update(settings=settings)
