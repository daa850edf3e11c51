"""Writes for search and purge.

- `search_start(*, org, object_name, filter_text, children=(), created_by=None,
  enqueue=True) -> Job` — queue a "search_request" job (ValueError for the user).
- `purge_required_approval(*, org) -> bool` / `purge_settings_save(*, org, actor,
  require_approval)` — the two-person rule (on by default for production orgs).
- `purge_request(*, search, actor, records=None, include_children=True,
  enqueue=True) -> Purge` — ask to purge chosen records of a search (all its matches by
  default); without the two-person rule it is approved and started at once.
  `delete_in_salesforce` also deletes them in the org; it and `suppress` add them to
  the org's suppression list so later backups do not store them again. `actor`
  None is the server's operator (the purge_run command).
- `search_sweep_expired(*, now=None) -> int` — searches past their 7 days forget their
  results and filter (django-q2 runs it hourly: search.tasks, migration 0002).
- `purge_retry_waiting(*, now=None, enqueue=True) -> list[Purge]` — purges waiting for
  an S3 Object Lock to expire run again once it has (the hourly sweep).
- `purge_approve(*, purge, actor, enqueue=True) -> Purge` — a second Admin approves;
  the purge job starts. `purge_refuse(*, purge, actor)` — or refuses it.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from jobs.models import Job
from jobs.services import job_start
from search.models import Purge, PurgeSettings, Search
from search.operations import PURGE, SEARCH
from tenants.permissions import user_can
from vault.erasure import erasure_refusals


def search_start(
    *, org, object_name: str, filter_text: str, children=(), created_by=None, enqueue=True
):
    settings = {"object": object_name, "filter": filter_text, "children": list(children)}
    return job_start(
        org=org, operation=SEARCH, settings=settings, created_by=created_by, enqueue=enqueue
    )


def search_sweep_expired(*, now=None) -> int:
    now = now or timezone.now()
    expired = Search.objects.filter(expires_at__lte=now).exclude(results={})
    swept = 0
    for search in expired.select_related("job"):
        erased = "(expired)"
        Search.objects.filter(pk=search.pk).update(results={}, filter_text=erased)
        Job.objects.filter(pk=search.job_id).update(
            settings={**(search.job.settings or {}), "filter": erased}
        )
        swept += 1
    return swept


def purge_required_approval(*, org) -> bool:
    saved = PurgeSettings.objects.filter(org=org).first()
    if saved is not None:
        return saved.require_approval
    return org.org_type == org.OrgType.PRODUCTION


def purge_settings_save(*, org, actor, require_approval: bool) -> PurgeSettings:
    _check_admin(org, actor)
    saved, _ = PurgeSettings.objects.update_or_create(
        org=org, defaults={"require_approval": bool(require_approval)}
    )
    return saved


def _check_admin(org, actor, *, operator_ok: bool = False) -> None:
    if actor is None and operator_ok:
        return  # a command run on the server (purge_run without --requested-by)
    if actor is None or actor.tenant_id != org.tenant_id or not user_can(actor, "purge"):
        raise PermissionDenied(
            "Only people with the Purge permission in this organization can purge records."
        )


def purge_request(
    *,
    search: Search,
    actor,
    records=None,
    include_children: bool = True,
    delete_in_salesforce: bool = False,
    suppress: bool = False,
    enqueue=True,
) -> Purge:
    org = search.org
    _check_admin(org, actor, operator_ok=True)
    if not search.is_ready:
        raise ValidationError("This search has no results to purge (not finished, or expired).")
    found = search.results.get(search.object_name, {})
    chosen = list(found) if records is None else [r for r in dict.fromkeys(records) if r]
    unknown = [r for r in chosen if r not in found]
    if unknown:
        raise ValidationError(
            f"{len(unknown)} chosen record(s) are not among this search's results."
        )
    if not chosen:
        raise ValidationError("Choose at least one record to purge.")
    selection = {search.object_name: sorted(chosen)}
    refusals = erasure_refusals(org=org, records=selection)
    if refusals:
        raise ValidationError(refusals[0])
    purge = Purge.objects.create(
        tenant_id=org.tenant_id,
        org=org,
        search=search,
        selection=selection,
        include_children=include_children,
        delete_in_salesforce=delete_in_salesforce,
        suppress=suppress or delete_in_salesforce,
        requested_by=actor,
    )
    if not purge_required_approval(org=org):
        return _approve(purge, actor, enqueue=enqueue)
    return purge


def purge_approve(*, purge: Purge, actor, enqueue=True) -> Purge:
    _check_admin(purge.org, actor)
    if purge.status != Purge.Status.AWAITING_APPROVAL:
        raise ValidationError(f"This purge is {purge.get_status_display().lower()}.")
    if purge_required_approval(org=purge.org) and actor.pk == purge.requested_by_id:
        raise ValidationError("Another Admin must approve a purge you requested.")
    refusals = erasure_refusals(org=purge.org, records=purge.selection)
    if refusals:
        raise ValidationError(refusals[0])
    return _approve(purge, actor, enqueue=enqueue)


def purge_refuse(*, purge: Purge, actor) -> Purge:
    _check_admin(purge.org, actor)
    if purge.status != Purge.Status.AWAITING_APPROVAL:
        raise ValidationError(f"This purge is {purge.get_status_display().lower()}.")
    Purge.objects.filter(pk=purge.pk).update(
        status=Purge.Status.REFUSED, approved_by=actor, approved_at=timezone.now(), selection={}
    )
    purge.refresh_from_db()
    return purge


def _approve(purge: Purge, actor, *, enqueue: bool) -> Purge:
    with transaction.atomic():
        Purge.objects.filter(pk=purge.pk).update(
            status=Purge.Status.APPROVED, approved_by=actor, approved_at=timezone.now()
        )
        job = job_start(
            org=purge.org,
            operation=PURGE,
            settings={"purge": purge.pk},
            created_by=actor,
            enqueue=enqueue,
        )
        Purge.objects.filter(pk=purge.pk).update(job=job)
    purge.refresh_from_db()
    return purge


def purge_retry_waiting(*, now=None, enqueue=True) -> list[Purge]:
    """Purges queued behind an S3 Object Lock whose lock has expired run again (the
    hourly sweep calls it). A legal hold placed meanwhile refuses them with the reason."""
    now = now or timezone.now()
    started = []
    for purge in Purge.objects.filter(status=Purge.Status.WAITING, retry_at__lte=now):
        with transaction.atomic():
            won = Purge.objects.filter(pk=purge.pk, status=Purge.Status.WAITING).update(
                status=Purge.Status.APPROVED, job=None, retry_at=None
            )
            if not won:
                continue
            job = job_start(
                org=purge.org,
                operation=PURGE,
                settings={"purge": purge.pk},
                created_by=purge.approved_by,
                enqueue=enqueue,
            )
            Purge.objects.filter(pk=purge.pk).update(job=job)
        purge.refresh_from_db()
        started.append(purge)
    return started
