"""The backup engine's Salesforce connection and API-quota guard.

- `client_for(org, on_refresh)` — one client per org per process; `on_refresh()` is told
  when the access token was renewed.
- `api_quota(org)`, `check_api_quota(ctx, org)`, `stop_queued_objects(ctx, exc)`.
"""

import os

from django.utils import timezone

from jobs.models import JobLog, JobObject
from orgs.services import org_client
from salesforce.quota import ApiQuota, ApiQuotaReached

client_cache: dict[tuple[int, int], object] = {}


def client_for(org, on_refresh):
    """One client per org per process (the client renews its own token on
    INVALID_SESSION_ID); `on_refresh()` is told when that happens."""
    key = (os.getpid(), org.pk)  # a forked worker opens its own connections
    client = client_cache.get(key)
    if client is None:
        client = org_client(org)
        client.session.add_refresh_listener(lambda token: client.on_token_refresh())
        client_cache.clear()
        client_cache[key] = client
    client.on_token_refresh = on_refresh
    return client


def api_quota(org) -> ApiQuota:
    """The org's API-quota guard (Settings → General → API Quota)."""
    return ApiQuota(
        rest_percent=org.api_quota_rest_percent, bulk_percent=org.api_quota_bulk_percent
    )


def check_api_quota(ctx, org) -> None:
    """Read the org's `limits` at the start of a job, log them, and stop (ApiQuotaReached)
    if the quota is already used up."""
    client = client_for(org, lambda: None)
    quota = api_quota(org)
    quota.use_limits(client.limits())
    ctx.job.add_counters(setup_api_calls=1)
    ctx.log(f"API use at the start: {quota.summary(client)}.")
    quota.check(client)


def stop_queued_objects(ctx, exc: ApiQuotaReached) -> None:
    """The quota is used up: the objects not started yet are not read at all."""
    stopped = JobObject.objects.filter(job=ctx.job, status=JobObject.Status.QUEUED).update(
        status=JobObject.Status.EXCEPTION, finished_at=timezone.now(), error_message=str(exc)
    )
    if stopped:
        ctx.log(
            f"{stopped} object(s) were not read: the API quota was reached.",
            JobLog.Level.WARNING,
        )
