"""The backup engine's Salesforce connection and API-quota guard.

- `client_for(org, on_refresh)` — one client per org per process; `on_refresh()` is told
  when the access token was renewed.
- `api_quota(org)`, `check_api_quota(ctx, org)`.
- `stop_job_on_fatal_errors(ctx)`: the API quota used up, or a refused login (the org
  then needs reconnecting), stops the objects not started yet.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone

from jobs.models import JobLog, JobObject
from orgs.services import org_client, org_mark_needs_reconnect
from salesforce.errors import SalesforceAuthError
from salesforce.quota import ApiQuota, ApiQuotaReached

client_cache: dict[tuple[int, int, int], object] = {}


def client_for(org, on_refresh):
    """One client per org per process (the client renews its own token on
    INVALID_SESSION_ID); `on_refresh()` is told when that happens."""
    # A forked worker opens its own connections; a reconnected org (a new saved login)
    # gets a new client.
    key = (os.getpid(), org.pk, hash(bytes(org.refresh_token_wrapped or b"")))
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


class OrgNeedsReconnecting(Exception):
    """Salesforce refused the org's login (a revoked or expired refresh token)."""


def stop_queued_objects(ctx, reason: str, why: str) -> None:
    """The objects not started yet are not read at all (one log line says why)."""
    stopped = JobObject.objects.filter(job=ctx.job, status=JobObject.Status.QUEUED).update(
        status=JobObject.Status.EXCEPTION, finished_at=timezone.now(), error_message=reason
    )
    if stopped:
        ctx.log(f"{stopped} object(s) were not read: {why}.", JobLog.Level.WARNING)


@contextmanager
def stop_job_on_fatal_errors(ctx) -> Iterator[None]:
    """Errors no other object can get past stop the objects not started yet: the API
    quota is used up, or Salesforce refused the org's login. A refused login marks the
    org "needs reconnecting" (its pages offer Reconnect) and is explained once."""
    try:
        yield
    except ApiQuotaReached as exc:
        stop_queued_objects(ctx, str(exc), "the API quota was reached")
        raise
    except SalesforceAuthError as exc:
        first = org_mark_needs_reconnect(org=ctx.job.org, message=str(exc))
        stop_queued_objects(ctx, NEEDS_RECONNECT, "the org needs reconnecting")
        if not first:
            raise OrgNeedsReconnecting(NEEDS_RECONNECT) from None
        raise OrgNeedsReconnecting(
            f"Salesforce refused OrgVault's login to this org ({exc}), so the org needs "
            "reconnecting: an Admin reconnects it from the org's pages, then runs the "
            "backup again."
        ) from None


NEEDS_RECONNECT = "Not read: the org needs reconnecting."
