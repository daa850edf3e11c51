"""The API-quota guard: a job may use only a set share of the org's daily API limits.

    quota = ApiQuota(rest_percent=80, bulk_percent=80)
    quota.use_limits(client.limits())              # at the start of a job (optional)
    quota.before_request(client, "GET", "queryAll/", read_limits=fetch)   # before each call

Salesforce counts every API request against `DailyApiRequests` (REST, SOAP and Bulk API
calls alike) and every Bulk API 2.0 query job against `DailyBulkV2QueryJobs` (older
limits report `DailyBulkApiBatches`). The REST quota is checked before every request
against the freshest view of the org's use: the `Sforce-Limit-Info: api-usage=N/M`
header of the last answer (`client.api_usage`), or the `limits` resource when no answer
was seen yet. The Bulk quota is checked before each new Bulk API query job against the
`limits` reading plus the jobs this guard has started since.

`before_request` raises `ApiQuotaReached` (whose text is the log line) when the next
call would go past the quota, so a caller stops between requests — never half-way
through one. Several workers each guard their own calls with their own view, so
together they can overshoot by at most one call each.

This module knows nothing of Django: callers pass the percents (orgs.models.Org).
"""

from collections.abc import Callable
from dataclasses import dataclass

REST_LIMIT = "DailyApiRequests"
BULK_LIMITS = ("DailyBulkV2QueryJobs", "DailyBulkApiBatches")


class ApiQuotaReached(Exception):
    """The org's API quota is used up; `str(exc)` says which, how far, and where to change it."""

    def __init__(self, *, api: str, percent: int, used: int, maximum: int, unit: str):
        self.api = api
        self.percent = percent
        self.used = used
        self.maximum = maximum
        super().__init__(
            f"Stopped: {api} API use reached {percent}% of the org's daily limit "
            f"({used:,} of {maximum:,} {unit}); the quota is set in Settings → General."
        )


@dataclass(frozen=True)
class Usage:
    used: int
    maximum: int

    @classmethod
    def from_limit(cls, entry: dict | None) -> "Usage | None":
        """A `limits` entry ({"Max": M, "Remaining": R}) as used/maximum."""
        if not entry or "Max" not in entry:
            return None
        maximum = int(entry["Max"])
        return cls(used=max(maximum - int(entry.get("Remaining", maximum)), 0), maximum=maximum)


def allowed(maximum: int, percent: int) -> int:
    """How many calls `percent` of `maximum` allows (at least one when the limit allows any)."""
    if maximum <= 0:
        return 0
    return max(maximum * percent // 100, 1)


def is_bulk_query_job(method: str, path: str) -> bool:
    """Whether a request creates a Bulk API 2.0 query job."""
    return method.upper() == "POST" and path.rstrip("/").endswith("jobs/query")


def _check(*, api: str, usage: Usage | None, percent: int, unit: str) -> None:
    if usage is None:
        return
    if usage.used >= allowed(usage.maximum, percent):
        raise ApiQuotaReached(
            api=api, percent=percent, used=usage.used, maximum=usage.maximum, unit=unit
        )


class ApiQuota:
    def __init__(self, *, rest_percent: int, bulk_percent: int):
        for name, value in (("rest_percent", rest_percent), ("bulk_percent", bulk_percent)):
            if not 1 <= value <= 100:
                raise ValueError(f"{name} must be between 1 and 100, not {value}.")
        self.rest_percent = rest_percent
        self.bulk_percent = bulk_percent
        self.rest: Usage | None = None
        self.bulk: Usage | None = None
        self.bulk_jobs_started = 0
        self.limits_read = False

    def use_limits(self, limits: dict) -> None:
        """Take the org's use from a `limits` answer."""
        self.limits_read = True
        self.rest = Usage.from_limit(limits.get(REST_LIMIT))
        self.bulk = next(
            (u for u in (Usage.from_limit(limits.get(n)) for n in BULK_LIMITS) if u), None
        )
        self.bulk_jobs_started = 0

    def rest_usage(self, client) -> Usage | None:
        """The freshest REST view: the last answer's header, else the `limits` reading."""
        latest = getattr(client, "api_usage", None)
        if latest is not None:
            return Usage(used=latest.used, maximum=latest.total)
        return self.rest

    def bulk_usage(self) -> Usage | None:
        if self.bulk is None:
            return None
        return Usage(used=self.bulk.used + self.bulk_jobs_started, maximum=self.bulk.maximum)

    def check(self, client, *, bulk_job: bool = False) -> None:
        """Raise ApiQuotaReached if one more call (or one more Bulk query job) is too many."""
        _check(api="REST", usage=self.rest_usage(client), percent=self.rest_percent, unit="calls")
        if bulk_job:
            _check(
                api="Bulk",
                usage=self.bulk_usage(),
                percent=self.bulk_percent,
                unit="Bulk API query jobs",
            )

    def before_request(
        self, client, method: str, path: str, *, read_limits: Callable[[], dict]
    ) -> None:
        """Guard one request. `read_limits()` fetches `limits` (unguarded) when no view
        of the org's use exists yet, or before the first Bulk query job."""
        if getattr(client, "api_usage", None) is None and self.rest is None:
            self.use_limits(read_limits())
        self.check(client)
        if not is_bulk_query_job(method, path):
            return
        if not self.limits_read:
            self.use_limits(read_limits())
            self.check(client)  # that reading was a call too
        self.check(client, bulk_job=True)
        self.bulk_jobs_started += 1

    def summary(self, client) -> str:
        """The org's use against the quotas, for a job's log."""
        parts = []
        rest = self.rest_usage(client)
        if rest is not None:
            parts.append(
                f"REST {rest.used:,} of {rest.maximum:,} calls today "
                f"(quota {self.rest_percent}%: {allowed(rest.maximum, self.rest_percent):,})"
            )
        bulk = self.bulk_usage()
        if bulk is not None:
            parts.append(
                f"Bulk {bulk.used:,} of {bulk.maximum:,} query jobs "
                f"(quota {self.bulk_percent}%: {allowed(bulk.maximum, self.bulk_percent):,})"
            )
        return "; ".join(parts)
