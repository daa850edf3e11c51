"""Writes for restores.

- `restore_request_create(*, org, correct_job, objects, compromised_job=None,
  filters=None, fields=None, children=None, automations=None, fallback_owner_id="",
  type="records", name="", description="", created_by=None) ->
  RestoreRequest` — checks the request (ValueError with a message for the user) and
  saves it, valid for 7 days.
- `restore_draft_create` / `restore_draft_type|backups|objects|settings|finish` — the
  wizard's five steps, each saved on the draft request (status "draft") so a user can
  come back; Finish makes it a request valid for 7 days.
- `restore_start(*, request, dry_run=False, created_by=None, enqueue=True, retry_of=None)
  -> Job` — queue a run of the request (jobs.services.job_start with the "restore"
  operation); `retry_of` runs only the failed records of that earlier run.
- `restore_records_forget(*, org, records, **_) -> int` — vault.hooks.records_erasing:
  the per-record results of purged records go (their Ids and Salesforce's messages).
"""

from django.db import transaction
from django.utils import timezone

from jobs.models import Job
from jobs.services import job_start
from restores import selectors
from restores.engine import compile_filter
from restores.models import VALIDITY, RestoreRecord, RestoreRequest
from restores.operations import RESTORE
from vault.models import RecordVersion
from vault.selectors import object_counts_as_of, object_records_as_of


def _counts_as_of(*, org, seq: int) -> dict[str, int]:
    """Restorable records per object: an archive job's records are `archived` versions."""
    counts = object_counts_as_of(org=org, seq=seq)
    archived = RecordVersion.objects.filter(org=org, state=RecordVersion.State.ARCHIVED)
    for name in archived.values_list("object_name", flat=True).distinct():
        if name not in counts:
            n = object_records_as_of(org=org, object_name=name, seq=seq).count()
            counts[name] = n
    return counts


def _check_backups(
    *, org, type: str, correct_job: int, compromised_job: int | None
) -> tuple[int, int | None]:
    correct_seq = selectors.snapshot_seq_for_job(org=org, job_id=correct_job, type=type)
    if correct_seq is None:
        what = "archive job" if type == RestoreRequest.Type.ARCHIVE else "backup"
        raise ValueError(
            f"Choose a finished {what} of this org as the correct backup: job {correct_job} "
            "has no published snapshot."
        )
    compromised_seq = None
    if compromised_job:
        compromised_seq = selectors.snapshot_seq_for_job(org=org, job_id=compromised_job)
        if compromised_seq is None:
            raise ValueError(
                f"The compromised backup must be a finished backup of this org: job "
                f"{compromised_job} has no published snapshot."
            )
        if compromised_seq <= correct_seq:
            raise ValueError(
                "The compromised backup must be later than the correct one "
                f"(job {compromised_job} is not later than job {correct_job})."
            )
    return correct_seq, compromised_seq


def _check_objects(
    *, org, correct_seq: int, correct_job, objects, filters, children, type: str = "records"
) -> tuple[list[str], dict[str, str], dict[str, list[str]]]:
    names = list(dict.fromkeys(str(n).strip() for n in objects if str(n).strip()))
    if not names:
        raise ValueError("Choose at least one object to restore.")
    if type == RestoreRequest.Type.METADATA:
        # Components as "Type:FullName", from the backup's metadata; no filters.
        held = selectors.components_as_of(org=org, seq=correct_seq)
        missing = [n for n in names if n not in held]
        if missing:
            raise ValueError(
                f"Job {correct_job}'s backup holds no component {', '.join(missing)}; "
                "name components as Type:FullName."
            )
        return names, {}, {}
    available = _counts_as_of(org=org, seq=correct_seq)
    missing = [n for n in names if n not in available]
    if missing:
        raise ValueError(
            f"Job {correct_job}'s backup holds no records of {', '.join(missing)}; "
            "choose objects it backed up."
        )
    filters = {k: str(v) for k, v in (filters or {}).items() if str(v).strip()}
    children = {k: list(dict.fromkeys(v)) for k, v in (children or {}).items() if v}
    for parent in children:
        if parent not in names:
            raise ValueError(f"Child objects of {parent} need {parent} among the objects.")
    for object_name, text in filters.items():
        if object_name not in names:
            raise ValueError(f"The filter on {object_name} names an object that is not restored.")
        try:
            compile_filter(text)
        except Exception as exc:
            raise ValueError(f"The filter on {object_name} is not valid SOQL: {exc}") from None
    return names, filters, children


def _check_owner(value: str) -> str:
    value = (value or "").strip()
    if value and (not value.startswith("005") or len(value) not in (15, 18)):
        raise ValueError(f"The fallback owner must be a User Id (005...), not {value!r}.")
    return value


def restore_request_create(
    *,
    org,
    correct_job: int,
    objects: list[str],
    compromised_job: int | None = None,
    filters: dict[str, str] | None = None,
    fields: dict[str, list[str]] | None = None,
    children: dict[str, list[str]] | None = None,
    automations: dict[str, list[str]] | None = None,
    fallback_owner_id: str = "",
    type: str = RestoreRequest.Type.RECORDS,
    name: str = "",
    description: str = "",
    created_by=None,
) -> RestoreRequest:
    correct_seq, compromised_seq = _check_backups(
        org=org, type=type, correct_job=correct_job, compromised_job=compromised_job
    )
    names, filters, children = _check_objects(
        org=org, correct_seq=correct_seq, correct_job=correct_job, objects=objects,
        filters=filters, children=children, type=type,
    )  # fmt: skip
    now = timezone.now()
    with transaction.atomic():
        return RestoreRequest.objects.create(
            tenant_id=org.tenant_id,
            org=org,
            name=name or f"Restore of {', '.join(names)} to Job {correct_job}"[:200],
            description=description,
            type=type,
            correct_job_id=correct_job,
            correct_seq=correct_seq,
            compromised_job_id=compromised_job or None,
            compromised_seq=compromised_seq,
            object_names=names,
            filters=filters,
            fields={k: list(v) for k, v in (fields or {}).items() if v},
            children=children,
            automations={k: list(v) for k, v in (automations or {}).items() if v},
            fallback_owner_id=_check_owner(fallback_owner_id),
            created_by=created_by,
            created_at=now,
            expires_at=now + VALIDITY,
        )


# ------------------------------------------------------------------ the wizard's drafts
def restore_draft_create(*, org, type: str, created_by=None) -> RestoreRequest:
    """Step 1 (Type) saved: a draft request the user can come back to."""
    if type not in RestoreRequest.Type.values:
        raise ValueError(f"Choose a restore type ({', '.join(RestoreRequest.Type.labels)}).")
    now = timezone.now()
    return RestoreRequest.objects.create(
        tenant_id=org.tenant_id, org=org, name="Draft restore", type=type,
        status=RestoreRequest.Status.DRAFT, step=1, created_by=created_by,
        created_at=now, expires_at=now + VALIDITY,
    )  # fmt: skip


def _saved(request: RestoreRequest, step: int, fields: list[str]) -> RestoreRequest:
    request.step = max(request.step, step) if request.status == "draft" else request.step
    request.save(update_fields=[*fields, "step"])
    return request


def restore_draft_type(*, request: RestoreRequest, type: str) -> RestoreRequest:
    if type not in RestoreRequest.Type.values:
        raise ValueError(f"Choose a restore type ({', '.join(RestoreRequest.Type.labels)}).")
    if type != request.type:
        request.type = type
        request.correct_job_id, request.correct_seq = None, None
        request.compromised_job_id, request.compromised_seq = None, None
        request.object_names, request.filters, request.fields = [], {}, {}
        request.children, request.automations = {}, {}
    fields = ["type", "correct_job", "correct_seq", "compromised_job", "compromised_seq"]
    more = ["object_names", "filters", "fields", "children", "automations"]
    return _saved(request, 1, [*fields, *more])


def restore_draft_backups(
    *, request: RestoreRequest, correct_job: int, compromised_job: int | None
) -> RestoreRequest:
    correct_seq, compromised_seq = _check_backups(
        org=request.org, type=request.type, correct_job=correct_job,
        compromised_job=compromised_job,
    )  # fmt: skip
    request.correct_job_id, request.correct_seq = correct_job, correct_seq
    request.compromised_job_id = compromised_job or None
    request.compromised_seq = compromised_seq
    available = _counts_as_of(org=request.org, seq=correct_seq)
    request.object_names = [n for n in request.object_names if n in available]
    fields = ["correct_job", "correct_seq", "compromised_job", "compromised_seq", "object_names"]
    return _saved(request, 2, fields)


def restore_draft_objects(*, request: RestoreRequest, objects, filters, children) -> RestoreRequest:
    if request.correct_seq is None:
        raise ValueError("Choose the backups first (step 2).")
    names, filters, children = _check_objects(
        org=request.org, correct_seq=request.correct_seq, correct_job=request.correct_job_id,
        objects=objects, filters=filters, children=children, type=request.type,
    )  # fmt: skip
    request.object_names, request.filters, request.children = names, filters, children
    request.fields = {k: v for k, v in request.fields.items() if k in names}
    return _saved(request, 3, ["object_names", "filters", "children", "fields"])


def restore_draft_settings(
    *, request: RestoreRequest, fields, automations=None, fallback_owner_id: str = ""
) -> RestoreRequest:
    if not request.object_names:
        raise ValueError("Choose the objects first (step 3).")
    request.fields = {k: list(v) for k, v in fields.items() if v and k in request.object_names}
    request.automations = {k: list(v) for k, v in (automations or {}).items() if v}
    request.fallback_owner_id = _check_owner(fallback_owner_id)
    return _saved(request, 4, ["fields", "automations", "fallback_owner_id"])


def restore_draft_finish(*, request: RestoreRequest, name: str, description: str) -> RestoreRequest:
    """Step 5: the draft becomes a restore request, valid 7 days from now."""
    if request.correct_seq is None or not request.object_names:
        raise ValueError("Finish the Backups and Objects steps first.")
    now = timezone.now()
    request.name = (name or "").strip() or (
        f"Restore of {', '.join(request.object_names)} to Job {request.correct_job_id}"[:200]
    )
    request.description = description or ""
    request.status = RestoreRequest.Status.READY
    request.step = 5
    request.expires_at = now + VALIDITY
    request.save(update_fields=["name", "description", "status", "step", "expires_at"])
    return request


def restore_start(
    *,
    request: RestoreRequest,
    dry_run: bool = False,
    created_by=None,
    enqueue: bool = True,
    retry_of: int | None = None,
) -> Job:
    """Queue a run; `retry_of` (a run's job id) runs only that run's failed records."""
    settings: dict = {"request_id": request.pk, "dry_run": dry_run}
    if retry_of:
        settings["retry_of"] = retry_of
    return job_start(
        org=request.org,
        operation=RESTORE,
        settings=settings,
        created_by=created_by,
        enqueue=enqueue,
    )


def restore_records_forget(*, org, records: dict[str, list[str]], **_) -> int:
    """Keeps no file: answers 0 (what the hook counts)."""
    for object_name, record_ids in records.items():
        for start in range(0, len(record_ids), 500):
            ids = record_ids[start : start + 500]
            scope = RestoreRecord.objects.filter(job__org=org, object_name=object_name)
            scope.filter(original_id__in=ids).delete()
            scope.filter(new_id__in=ids).delete()
    return 0
