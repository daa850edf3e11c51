"""Vault tasks (django-q2 delivers them; each is thin and calls a service).

- `vault_verify_all_task()` — the weekly integrity run over every org (scheduled by
  migration 0005): one IntegrityCheck row per org.
- `vault_retention_sweep_all_task()` — the daily retention sweep (scheduled by migration
  0007) of every org with a saved policy.
"""

import logging

from orgs.keys import OrgKeyError, org_data_key
from orgs.models import Org
from vault.models import RetentionPolicy
from vault.retention import retention_sweep
from vault.verify import integrity_check_run

logger = logging.getLogger(__name__)


def vault_verify_all_task(sample: int | None = None) -> int:
    """Verify every org's vault; returns how many orgs had problems."""
    failing = 0
    for org in Org.objects.order_by("pk"):
        try:
            data_key = org_data_key(org)
        except OrgKeyError as exc:
            logger.warning("vault_verify: org %s skipped: %s", org.pk, exc)
            continue
        check = integrity_check_run(org=org, data_key=data_key, sample=sample)
        if not check.ok:
            failing += 1
            logger.error(
                "vault_verify: org %s has %s problem(s) (check %s)",
                org.pk,
                check.problem_count,
                check.pk,
            )
    return failing


def vault_retention_sweep_all_task() -> int:
    """Apply every saved retention policy; returns how many orgs were swept."""
    swept = 0
    org_ids = RetentionPolicy.objects.exclude(mode=RetentionPolicy.Mode.KEEP_ALL).values("org_id")
    for org in Org.objects.filter(pk__in=org_ids).order_by("pk"):
        try:
            data_key = org_data_key(org)
        except OrgKeyError as exc:
            logger.warning("retention: org %s skipped: %s", org.pk, exc)
            continue
        result = retention_sweep(org=org, data_key=data_key)
        if result.skipped:
            logger.info("retention: org %s: %s", org.pk, result.skipped)
            continue
        swept += 1
        if result.locked:
            logger.warning(
                "retention: org %s: %s files under S3 Object Lock until %s were kept; the "
                "first sweep after that deletes them",
                org.pk,
                len(result.locked),
                result.locked_until,
            )
        logger.info(
            "retention: org %s: %s snapshots expired, %s versions, %s metadata versions, "
            "%s files and %s blobs deleted",
            org.pk,
            len(result.plan.snapshots_expiring),
            result.plan.total_versions,
            result.plan.metadata_versions,
            result.files_deleted,
            result.blobs_deleted,
        )
    return swept
