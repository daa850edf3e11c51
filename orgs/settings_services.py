"""Writes behind Settings → General: Manage Operations, API Quota, Delete Connection.

- `org_operations_update(*, org, scheduled_backups_enabled, scheduled_archives_enabled)`
- `org_api_quota_update(*, org, rest_percent, bulk_percent)` (1–100 each)
- `org_delete(*, org, actor) -> OrgDeleteResult` — removes the org with everything it
  stored: every row that points at it (Django's cascades: jobs with their objects and
  logs, snapshots, record versions, segments, blobs, watermarks, schedules, templates,
  catalog entries, ...) and every file it wrote to storage. Refused while one of its
  jobs is queued or in progress (`OrgDeleteRefused`). The Salesforce refresh token is
  revoked afterwards, best effort.

Deleting the rows first destroys the org's wrapped data key, so a file that could not be
removed afterwards (a storage outage) can no longer be read by anyone; such files are
listed in the result and the log so that they can be removed by hand.
"""

import logging
import os
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.core.files.storage import FileSystemStorage, Storage
from django.db import models, transaction

from common.crypto import CryptoError, unwrap_secret
from common.storage import org_storage
from orgs.hooks import active_job_ids, delete_refusals
from orgs.models import Org
from orgs.services import _ca_bundle, _refresh_token_purpose
from salesforce import auth
from salesforce.errors import SalesforceConnectorError
from tenants.audit import Action, audit_record

logger = logging.getLogger(__name__)


class OrgDeleteRefused(Exception):
    """The org cannot be deleted now; `str(exc)` says why and what to do."""


@dataclass
class OrgDeleteResult:
    name: str
    rows_deleted: dict[str, int] = field(default_factory=dict)
    files_deleted: int = 0
    files_failed: list[str] = field(default_factory=list)
    token_revoked: bool = False


def storage_prefix(org: Org) -> str:
    """Where the vault keeps an org's files (vault/services.py writes under it)."""
    return f"orgs/{org.pk}/"


@transaction.atomic
def org_operations_update(
    *, org: Org, scheduled_backups_enabled: bool, scheduled_archives_enabled: bool
) -> None:
    org.scheduled_backups_enabled = scheduled_backups_enabled
    org.scheduled_archives_enabled = scheduled_archives_enabled
    org.save(
        update_fields=["scheduled_backups_enabled", "scheduled_archives_enabled", "updated_at"]
    )


@transaction.atomic
def org_api_quota_update(*, org: Org, rest_percent: int, bulk_percent: int) -> None:
    for label, value in (("REST", rest_percent), ("Bulk", bulk_percent)):
        if not 1 <= value <= 100:
            raise ValueError(f"The {label} API quota must be a percent from 1 to 100.")
    org.api_quota_rest_percent = rest_percent
    org.api_quota_bulk_percent = bulk_percent
    org.save(update_fields=["api_quota_rest_percent", "api_quota_bulk_percent", "updated_at"])


def org_delete(*, org: Org, actor) -> OrgDeleteResult:
    if actor.tenant_id != org.tenant_id or not actor.is_tenant_admin:
        raise PermissionDenied("Only an Admin of this organization can delete a connection.")
    result = OrgDeleteResult(name=org.name)
    storage = org_storage(org)  # built now: an own bucket's keys live on the org row
    refresh_token = _refresh_token(org)
    with transaction.atomic():
        locked = Org.objects.select_for_update().get(pk=org.pk)
        running = active_job_ids(org=locked)
        if running:
            jobs = ", ".join(str(pk) for pk in running)
            raise OrgDeleteRefused(
                f"Job {jobs} of this org is queued or running. Abort the running job first "
                "(or wait for it to finish), then delete the connection."
            )
        refusals = delete_refusals(org=locked)
        if refusals:
            raise OrgDeleteRefused(" ".join(refusals))
        keys = _recorded_storage_keys(locked)
        _, result.rows_deleted = locked.delete()
        audit_record(
            tenant=org.tenant_id,
            action=Action.ORG_DELETED,
            actor=actor,
            target=f"Org {org.pk}",
            detail={"name": result.name, "sf_org_id": org.sf_org_id},
        )
    _delete_files(storage, keys, storage_prefix(org), result)
    result.token_revoked = _revoke(org, refresh_token)
    logger.info(
        "org %s (%r, tenant %s) deleted by %s: %s rows, %s files, %s files left, token %s",
        org.pk,
        result.name,
        org.tenant_id,
        actor.email,
        sum(result.rows_deleted.values()),
        result.files_deleted,
        len(result.files_failed),
        "revoked" if result.token_revoked else "not revoked",
    )
    return result


def org_related_models() -> list[tuple[type[models.Model], str]]:
    """(model, field name) for every model with a foreign key to Org."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        for model_field in model._meta.get_fields():
            if (
                isinstance(model_field, models.ForeignKey)
                and model_field.related_model is Org
                and model_field.model is model
            ):
                found.append((model, model_field.name))
    return found


def _recorded_storage_keys(org: Org) -> list[str]:
    """Storage keys any table records for the org (segments, blobs, ...)."""
    keys: list[str] = []
    for model, fk_name in org_related_models():
        if any(f.name == "storage_key" for f in model._meta.get_fields()):
            keys.extend(
                model._default_manager.filter(**{fk_name: org})
                .exclude(storage_key="")
                .values_list("storage_key", flat=True)
            )
    return keys


def _delete_files(storage: Storage, keys: list[str], prefix: str, result) -> None:
    """Delete the recorded keys, then everything left under the org's prefix."""
    for key in keys:
        _delete_one(storage, key, result)
    for key in _list_files(storage, prefix):
        _delete_one(storage, key, result)
    if isinstance(storage, FileSystemStorage):
        _remove_empty_dirs(storage.path(prefix))


def _delete_one(storage: Storage, key: str, result) -> None:
    try:
        if not storage.exists(key):
            return
        storage.delete(key)
    except Exception as exc:
        logger.warning("could not delete stored file %s: %s", key, exc)
        result.files_failed.append(key)
        return
    result.files_deleted += 1


def _list_files(storage: Storage, prefix: str) -> list[str]:
    try:
        dirs, files = storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError):
        return []
    found = [prefix + name for name in files]
    for name in dirs:
        found.extend(_list_files(storage, f"{prefix}{name}/"))
    return found


def _remove_empty_dirs(top: str) -> None:
    if not os.path.isdir(top):
        return
    for folder, _, _ in sorted(os.walk(top), key=lambda entry: -len(entry[0])):
        if not os.listdir(folder):
            os.rmdir(folder)


def _refresh_token(org: Org) -> str:
    if not org.refresh_token_wrapped:
        return ""
    try:
        return unwrap_secret(org.refresh_token_wrapped, _refresh_token_purpose(org.pk)).decode()
    except CryptoError:
        logger.warning("org %s: the refresh token cannot be unwrapped; not revoked", org.pk)
        return ""


def _revoke(org: Org, refresh_token: str) -> bool:
    """Give the refresh token back to Salesforce; a failure is logged, not raised."""
    if not refresh_token:
        return False
    try:
        auth.revoke(org.login_url, refresh_token, _ca_bundle(org.ca_bundle))
    except SalesforceConnectorError as exc:
        logger.warning("org %s: revoking the Salesforce refresh token failed: %s", org.pk, exc)
        return False
    return True


def delete_summary(result: OrgDeleteResult) -> str:
    """What a deletion removed, in a sentence (and what is left to do by hand)."""
    jobs = result.rows_deleted.get("jobs.Job", 0)
    text = (
        f"The connection to {result.name} was deleted with all its data: {jobs} job(s) and "
        f"{result.files_deleted} stored file(s) were removed."
    )
    if result.files_failed:
        text += (
            f" {len(result.files_failed)} stored file(s) could not be removed; nobody can read "
            "them any more, but ask your operator to remove them from storage."
        )
    if not result.token_revoked:
        text += (
            " OrgVault could not give its Salesforce login back: remove it in Salesforce "
            "Setup (Connected Apps OAuth Usage)."
        )
    return text
