"""Writes for restores.

- `restore_request_create(*, org, correct_job, objects, compromised_job=None,
  filters=None, fields=None, name="", description="", created_by=None) ->
  RestoreRequest` — checks the request (ValueError with a message for the user) and
  saves it, valid for 7 days.
- `restore_start(*, request, dry_run=False, created_by=None, enqueue=True) -> Job` —
  queue a run of the request (jobs.services.job_start with the "restore" operation).
"""

from django.db import transaction
from django.utils import timezone

from jobs.models import Job
from jobs.services import job_start
from restores import selectors
from restores.engine import compile_filter
from restores.models import VALIDITY, RestoreRequest
from restores.operations import RESTORE
from vault.selectors import object_counts_as_of


def restore_request_create(
    *,
    org,
    correct_job: int,
    objects: list[str],
    compromised_job: int | None = None,
    filters: dict[str, str] | None = None,
    fields: dict[str, list[str]] | None = None,
    name: str = "",
    description: str = "",
    created_by=None,
) -> RestoreRequest:
    correct_seq = selectors.snapshot_seq_for_job(org=org, job_id=correct_job)
    if correct_seq is None:
        raise ValueError(
            f"Choose a finished backup of this org as the correct backup: job {correct_job} "
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
    names = list(dict.fromkeys(str(n).strip() for n in objects if str(n).strip()))
    if not names:
        raise ValueError("Choose at least one object to restore.")
    available = object_counts_as_of(org=org, seq=correct_seq)
    missing = [n for n in names if n not in available]
    if missing:
        raise ValueError(
            f"Job {correct_job}'s backup holds no records of {', '.join(missing)}; "
            "choose objects it backed up."
        )
    filters = {k: str(v) for k, v in (filters or {}).items() if str(v).strip()}
    for object_name, text in filters.items():
        if object_name not in names:
            raise ValueError(f"The filter on {object_name} names an object that is not restored.")
        try:
            compile_filter(text)
        except Exception as exc:
            raise ValueError(f"The filter on {object_name} is not valid SOQL: {exc}") from None
    now = timezone.now()
    with transaction.atomic():
        return RestoreRequest.objects.create(
            tenant_id=org.tenant_id,
            org=org,
            name=name or f"Restore of {', '.join(names)} to Job {correct_job}"[:200],
            description=description,
            correct_job_id=correct_job,
            correct_seq=correct_seq,
            compromised_job_id=compromised_job or None,
            compromised_seq=compromised_seq,
            object_names=names,
            filters=filters,
            fields={k: list(v) for k, v in (fields or {}).items() if v},
            created_by=created_by,
            created_at=now,
            expires_at=now + VALIDITY,
        )


def restore_start(
    *, request: RestoreRequest, dry_run: bool = False, created_by=None, enqueue: bool = True
) -> Job:
    return job_start(
        org=request.org,
        operation=RESTORE,
        settings={"request_id": request.pk, "dry_run": dry_run},
        created_by=created_by,
        enqueue=enqueue,
    )
