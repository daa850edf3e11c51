"""Vault tasks (django-q2 delivers them; each is thin and calls a service).

- `vault_verify_all_task()` — the weekly integrity run over every org (scheduled by
  migration 0005): one IntegrityCheck row per org.
"""

import logging

from orgs.keys import OrgKeyError, org_data_key
from orgs.models import Org
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
